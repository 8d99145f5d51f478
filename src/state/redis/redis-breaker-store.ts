// Circuit breakers shared by replicas through Redis: every transition is one call of one Lua script
// (circuit-breaker.lua), so failures counted on several replicas open the breaker once, the probe is elected
// with SET NX PX, and each change is published on a channel under the prefix. Subscribing takes a second
// connection (redis.duplicate()), the store's own; the connection passed in belongs to whoever opened it.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { BreakerStore, FailureCount, OpenPeriod, SharedBreaker } from '../circuit-breakers.js';

const script = readFileSync(new URL('./circuit-breaker.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & { switchyardCircuitBreaker(...args: string[]): Promise<unknown> };

export type RedisBreakerStoreOptions = {
  /** Every key and the channel start with it; replicas sharing breakers share the prefix. */
  prefix?: string;
};

export function createRedisBreakerStore(redis: Redis, options: RedisBreakerStoreOptions = {}): BreakerStore {
  const prefix = options.prefix ?? 'switchyard:breaker:';
  const channel = `${prefix}changes`;
  const client = redis as ScriptedRedis;
  client.defineCommand('switchyardCircuitBreaker', { lua: script, numberOfKeys: 3 });
  const call = (operation: string, deployment: string, ...args: string[]) =>
    client.switchyardCircuitBreaker(`${prefix}states`, `${prefix}failures`, `${prefix}probe:${deployment}`, operation, channel, deployment, ...args);
  const listeners = new Set<(deployment: string, breaker: SharedBreaker) => void>();
  let subscriber: Redis | undefined;

  function listen(onError: ((error: unknown) => void) | undefined): void {
    const connection = redis.duplicate();
    subscriber = connection;
    connection.on('message', (_channel: string, message: string) => {
      const newline = message.indexOf('\n');
      const breaker = newline < 0 ? null : parseBreaker(message.slice(0, newline));
      if (breaker === null) return;
      for (const listener of listeners) listener(message.slice(newline + 1), breaker);
    });
    // A change missed while the subscription is down is caught up by the breakers' periodic refresh.
    if (onError !== undefined) connection.on('error', onError);
    connection.subscribe(channel).catch((error: unknown) => onError?.(error));
  }

  return {
    async addFailure(deployment, { now, windowEnd, threshold, open }) {
      const [count, until, state, opened] = (await call('failure', deployment, String(now), String(windowEnd), String(threshold), period(open))) as [number, string, string, number];
      return { failures: count > 0 ? { count, until: Number(until) } : null, breaker: stateOf(state), opened: opened === 1 };
    },
    async addSuccess(deployment) {
      const [state, closed] = (await call('success', deployment)) as [string, number];
      return { breaker: stateOf(state), closed: closed === 1 };
    },
    async reopen(deployment, version, open) {
      const [state, reopened] = (await call('reopen', deployment, String(version), period(open))) as [string, number];
      return { breaker: stateOf(state), reopened: reopened === 1 };
    },
    async claimProbe(deployment, token, ttlMs, now) {
      // PX takes whole milliseconds, at least one.
      const [claimed, state] = (await call('claim', deployment, token, String(Math.max(1, Math.ceil(ttlMs))), String(now))) as [number, string];
      return { claimed: claimed === 1, breaker: stateOf(state) };
    },
    async releaseProbe(deployment, token) {
      await call('release', deployment, token);
    },
    async readAll() {
      const [states, counts] = (await call('read', '')) as [string[], string[]];
      const breakers = new Map<string, SharedBreaker>();
      const failures = new Map<string, FailureCount>();
      for (let index = 0; index + 1 < states.length; index += 2) {
        const breaker = parseBreaker(states[index + 1]!);
        if (breaker !== null) breakers.set(states[index]!, breaker);
      }
      for (let index = 0; index + 1 < counts.length; index += 2) {
        const [count, until] = counts[index + 1]!.split(' ').map(Number);
        if (Number.isFinite(count) && Number.isFinite(until)) failures.set(counts[index]!, { count: count!, until: until! });
      }
      return { breakers, failures };
    },
    subscribe(listener, onError) {
      listeners.add(listener);
      if (subscriber === undefined) listen(onError);
      return () => listeners.delete(listener);
    },
    async close() {
      subscriber?.disconnect();
      subscriber = undefined;
    },
  };
}

const period = (open: OpenPeriod): string => `${open.openedAt} ${open.reopensAt} ${open.opens}`;

function stateOf(raw: string): SharedBreaker {
  const breaker = parseBreaker(raw);
  if (breaker === null) throw new Error(`circuit breakers: unreadable state in Redis: ${raw}`);
  return breaker;
}

/** 'version' (closed) or 'version openedAt reopensAt opens' (open); null when it is neither. */
function parseBreaker(raw: string): SharedBreaker | null {
  const parts = raw.split(' ').map(Number);
  if (!parts.every(Number.isFinite)) return null;
  const [version, openedAt, reopensAt, opens] = parts as [number, number?, number?, number?];
  if (parts.length === 1) return { version, open: null };
  if (parts.length === 4) return { version, open: { openedAt: openedAt!, reopensAt: reopensAt!, opens: opens! } };
  return null;
}
