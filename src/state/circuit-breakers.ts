// Circuit breakers for upstream deployments. A deployment that keeps failing is taken out of rotation for a
// cool-down, then probed with one request, then restored (or opened again, for twice as long, up to a cap).
//
// The decision on the hot path is local and synchronous: each replica keeps a mirror of every breaker. The
// store shares what must be shared between replicas (memory: one process; Redis: failures counted together,
// the open state written and published, the probe elected with SET NX), and the mirror follows it through the
// store's change notifications and a periodic refresh, so a missed message heals.

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What replicas share of a breaker that is not closed. */
export type SharedBreaker = { openedAt: number; reopensAt: number; opens: number };

export type BreakerSnapshot = {
  deployment: string;
  state: BreakerState;
  failures: number;
  openedAt: number | null;
  reopensAt: number | null;
  opens: number;
};

export interface BreakerStore {
  /** Counts one failure in the current window (`windowMs` from the first); returns the count so far. */
  addFailure(deployment: string, windowMs: number, now: number): Promise<number>;
  resetFailures(deployment: string): Promise<void>;
  /** Writes (and announces) a breaker's open state; null closes it. */
  setState(deployment: string, state: SharedBreaker | null, now: number): Promise<void>;
  /** The shared state of these breakers (null: closed). */
  getStates(deployments: readonly string[]): Promise<Map<string, SharedBreaker | null>>;
  /** True for exactly one caller until `ttlMs` passes or the probe is released. */
  claimProbe(deployment: string, ttlMs: number, now: number): Promise<boolean>;
  releaseProbe(deployment: string): Promise<void>;
  /** Told when another replica changes a breaker. */
  onChange(listener: (deployment: string, state: SharedBreaker | null) => void): void;
  close(): Promise<void>;
}

export type BreakerOptions = {
  failureThreshold?: number;
  windowMs?: number;
  cooldownMs?: number;
  maxCooldownMs?: number;
  probeTimeoutMs?: number;
  /** How often the mirror is refreshed from the store (Redis); 0: never. */
  syncIntervalMs?: number;
  now?: () => number;
  logger?: { warn(object: object, message: string): void; error?(object: object, message: string): void };
};

export type CircuitBreakers = {
  /**
   * 'closed': use it. 'probe': this caller is the one probe (and reports through `record`). 'open': skip it.
   * Synchronous unless the deployment's cool-down has passed and the probe must be elected in the store.
   */
  check(deployment: string): 'closed' | 'probe' | 'open' | Promise<'probe' | 'open'>;
  /** Gives back a probe this caller was elected for but did not use. */
  cancelProbe(deployment: string): void;
  /** The outcome of a call to the deployment. Never throws; store errors are logged. */
  record(deployment: string, ok: boolean): void;
  snapshot(): BreakerSnapshot[];
  /** Resolves once the store has every change made so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
};

type Local = { failures: number; shared: SharedBreaker | null; probing: boolean };

export function createCircuitBreakers(store: BreakerStore, options: BreakerOptions = {}): CircuitBreakers {
  const threshold = options.failureThreshold ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxCooldownMs = options.maxCooldownMs ?? 300_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 30_000;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const breakers = new Map<string, Local>();
  const pending = new Set<Promise<unknown>>();

  const local = (deployment: string): Local => {
    let entry = breakers.get(deployment);
    if (entry === undefined) {
      entry = { failures: 0, shared: null, probing: false };
      breakers.set(deployment, entry);
    }
    return entry;
  };
  const track = <T>(promise: Promise<T>, what: string): void => {
    const tracked = promise.catch((error: unknown) => logger?.error?.({ err: error }, `circuit breakers: ${what} failed`));
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };

  store.onChange((deployment, state) => {
    const entry = local(deployment);
    entry.shared = state;
    if (state === null) entry.failures = 0;
  });

  let timer: NodeJS.Timeout | undefined;
  if ((options.syncIntervalMs ?? 0) > 0) {
    timer = setInterval(() => {
      if (breakers.size === 0) return;
      track(
        store.getStates([...breakers.keys()]).then((states) => {
          for (const [deployment, state] of states) local(deployment).shared = state;
        }),
        'refreshing',
      );
    }, options.syncIntervalMs);
    timer.unref();
  }

  function open(deployment: string, entry: Local, at: number): void {
    const opens = (entry.shared?.opens ?? 0) + 1;
    const cooldown = Math.min(maxCooldownMs, cooldownMs * 2 ** (opens - 1));
    entry.shared = { openedAt: at, reopensAt: at + cooldown, opens };
    entry.failures = 0;
    logger?.warn({ deployment, cooldownMs: cooldown, opens }, 'circuit breaker opened: deployment taken out of rotation');
    track(store.setState(deployment, entry.shared, at), 'opening');
    track(store.resetFailures(deployment), 'resetting failures');
  }

  return {
    check(deployment) {
      const entry = breakers.get(deployment);
      if (entry === undefined || entry.shared === null) return 'closed';
      const at = now();
      if (at < entry.shared.reopensAt) return 'open';
      // Half-open: one probe, elected across replicas.
      return store.claimProbe(deployment, probeTimeoutMs, at).then(
        (claimed) => {
          if (claimed) entry.probing = true;
          return claimed ? 'probe' : 'open';
        },
        (error: unknown) => {
          logger?.error?.({ err: error, deployment }, 'circuit breakers: electing a probe failed');
          return 'open' as const;
        },
      );
    },
    cancelProbe(deployment) {
      const entry = breakers.get(deployment);
      if (entry === undefined || !entry.probing) return;
      entry.probing = false;
      track(store.releaseProbe(deployment), 'releasing the probe');
    },
    record(deployment, ok) {
      // The common case, a success on a deployment that never failed, costs one map lookup.
      if (ok && breakers.get(deployment) === undefined) return;
      const entry = local(deployment);
      const at = now();
      if (ok) {
        const wasOpen = entry.shared !== null;
        const hadFailures = entry.failures > 0;
        entry.failures = 0;
        if (wasOpen) {
          logger?.warn({ deployment }, 'circuit breaker closed: deployment back in rotation');
          entry.shared = null;
          entry.probing = false;
          track(store.setState(deployment, null, at), 'closing');
          track(store.releaseProbe(deployment), 'releasing the probe');
          track(store.resetFailures(deployment), 'resetting failures');
        } else if (hadFailures) {
          track(store.resetFailures(deployment), 'resetting failures');
        }
        return;
      }
      if (entry.shared !== null) {
        // A failed probe (or a call that was already under way when it opened): open again, for longer.
        if (entry.probing || at >= entry.shared.reopensAt) {
          entry.probing = false;
          track(store.releaseProbe(deployment), 'releasing the probe');
          open(deployment, entry, at);
        }
        return;
      }
      track(
        store.addFailure(deployment, windowMs, at).then((count) => {
          entry.failures = count;
          if (count >= threshold && entry.shared === null) open(deployment, entry, now());
        }),
        'counting a failure',
      );
    },
    snapshot() {
      const at = now();
      return [...breakers].map(([deployment, entry]) => ({
        deployment,
        state: entry.shared === null ? 'closed' : at < entry.shared.reopensAt ? 'open' : 'half-open',
        failures: entry.failures,
        openedAt: entry.shared?.openedAt ?? null,
        reopensAt: entry.shared?.reopensAt ?? null,
        opens: entry.shared?.opens ?? 0,
      }));
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
      await store.close();
    },
  };
}

/** One process: the same behaviour without sharing. */
export function createMemoryBreakerStore(): BreakerStore {
  const failures = new Map<string, { count: number; until: number }>();
  const states = new Map<string, SharedBreaker>();
  const probes = new Map<string, number>();
  return {
    async addFailure(deployment, windowMs, now) {
      const current = failures.get(deployment);
      const next = current === undefined || now >= current.until ? { count: 1, until: now + windowMs } : { count: current.count + 1, until: current.until };
      failures.set(deployment, next);
      return next.count;
    },
    async resetFailures(deployment) {
      failures.delete(deployment);
    },
    async setState(deployment, state) {
      if (state === null) states.delete(deployment);
      else states.set(deployment, state);
    },
    async getStates(deployments) {
      return new Map(deployments.map((deployment) => [deployment, states.get(deployment) ?? null]));
    },
    async claimProbe(deployment, ttlMs, now) {
      const until = probes.get(deployment);
      if (until !== undefined && now < until) return false;
      probes.set(deployment, now + ttlMs);
      return true;
    },
    async releaseProbe(deployment) {
      probes.delete(deployment);
    },
    onChange() {
      // One process: nobody else changes anything.
    },
    async close() {},
  };
}
