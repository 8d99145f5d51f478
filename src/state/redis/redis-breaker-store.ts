// Circuit breakers shared by replicas through Redis: failures counted on one key per deployment (INCR, expiring
// with the window), the open state written as JSON and announced on a pub/sub channel, the probe elected with
// SET NX PX. A replica that misses a message catches up at its next refresh (getStates).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BreakerStore, SharedBreaker } from '../circuit-breakers.js';

export function createRedisBreakerStore(redis: Redis, options: { prefix?: string } = {}): BreakerStore {
  const prefix = options.prefix ?? 'switchyard:breaker:';
  const channel = `${prefix}changes`;
  const listeners: Array<(deployment: string, state: SharedBreaker | null) => void> = [];
  let subscriber: Redis | undefined;
  // This replica's own announcements come back on the channel, possibly after a newer local change: skipped.
  const self = randomUUID();

  const failuresKey = (deployment: string) => `${prefix}failures:${deployment}`;
  const stateKey = (deployment: string) => `${prefix}state:${deployment}`;
  const probeKey = (deployment: string) => `${prefix}probe:${deployment}`;

  return {
    async addFailure(deployment, windowMs) {
      const [[, count]] = (await redis.multi().incr(failuresKey(deployment)).pexpire(failuresKey(deployment), windowMs, 'NX').exec()) as [[null, number]];
      return count;
    },
    async resetFailures(deployment) {
      await redis.del(failuresKey(deployment));
    },
    async setState(deployment, state, now) {
      if (state === null) await redis.del(stateKey(deployment));
      // Kept a while past the cool-down: the half-open breaker must stay visible until a probe closes it.
      else await redis.set(stateKey(deployment), JSON.stringify(state), 'PX', Math.max(1, state.reopensAt - now) + 24 * 3_600_000);
      await redis.publish(channel, JSON.stringify({ source: self, deployment, state }));
    },
    async getStates(deployments) {
      const values = deployments.length === 0 ? [] : await redis.mget(...deployments.map(stateKey));
      return new Map(deployments.map((deployment, index) => [deployment, parseState(values[index] ?? null)]));
    },
    async claimProbe(deployment, ttlMs) {
      return (await redis.set(probeKey(deployment), '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async releaseProbe(deployment) {
      await redis.del(probeKey(deployment));
    },
    onChange(listener) {
      listeners.push(listener);
      if (subscriber !== undefined) return;
      subscriber = redis.duplicate();
      subscriber.on('message', (_channel: string, message: string) => {
        try {
          const change = JSON.parse(message) as { source: string; deployment: string; state: SharedBreaker | null };
          if (change.source === self) return;
          for (const each of listeners) each(change.deployment, change.state);
        } catch {
          // Not ours: ignored.
        }
      });
      void subscriber.subscribe(channel).catch(() => undefined);
    },
    async close() {
      subscriber?.disconnect();
    },
  };
}

function parseState(value: string | null): SharedBreaker | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as SharedBreaker;
    return typeof parsed.reopensAt === 'number' ? parsed : null;
  } catch {
    return null;
  }
}
