// Circuit breakers' shared state in one process. Breaker sets built on one store behave as replicas would on
// Redis: each change is told to every subscriber.
import type { BreakerStore, FailureCount, OpenPeriod, SharedBreaker } from '../circuit-breakers.js';

export function createMemoryBreakerStore(): BreakerStore {
  const breakers = new Map<string, SharedBreaker>();
  const failures = new Map<string, FailureCount>();
  const probes = new Map<string, { token: string; until: number }>();
  const listeners = new Set<(deployment: string, breaker: SharedBreaker) => void>();

  const current = (deployment: string): SharedBreaker => breakers.get(deployment) ?? { version: 0, open: null };
  const save = (deployment: string, open: OpenPeriod | null): SharedBreaker => {
    const breaker = { version: current(deployment).version + 1, open };
    breakers.set(deployment, breaker);
    failures.delete(deployment);
    probes.delete(deployment);
    for (const listener of listeners) listener(deployment, breaker);
    return breaker;
  };

  return {
    async addFailure(deployment, { now, windowEnd, threshold, open }) {
      const breaker = current(deployment);
      if (breaker.open !== null) return { failures: null, breaker, opened: false };
      const counted = failures.get(deployment);
      const next = counted === undefined || now >= counted.until ? { count: 1, until: windowEnd } : { count: counted.count + 1, until: counted.until };
      if (next.count >= threshold) return { failures: null, breaker: save(deployment, open), opened: true };
      failures.set(deployment, next);
      return { failures: next, breaker, opened: false };
    },
    async addSuccess(deployment) {
      failures.delete(deployment);
      const breaker = current(deployment);
      if (breaker.open === null) return { breaker, closed: false };
      return { breaker: save(deployment, null), closed: true };
    },
    async reopen(deployment, version, open) {
      const breaker = current(deployment);
      if (breaker.version !== version || breaker.open === null) return { breaker, reopened: false };
      return { breaker: save(deployment, open), reopened: true };
    },
    async claimProbe(deployment, token, ttlMs, now) {
      const breaker = current(deployment);
      if (breaker.open === null || now < breaker.open.reopensAt) return { claimed: false, breaker };
      const held = probes.get(deployment);
      if (held !== undefined && now < held.until) return { claimed: false, breaker };
      probes.set(deployment, { token, until: now + ttlMs });
      return { claimed: true, breaker };
    },
    async releaseProbe(deployment, token) {
      if (probes.get(deployment)?.token === token) probes.delete(deployment);
    },
    async readAll() {
      return { breakers: new Map(breakers), failures: new Map(failures) };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      // Nothing held outside the maps.
    },
  };
}
