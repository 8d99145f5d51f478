// Circuit breakers for upstream deployments. A deployment that keeps failing is taken out of rotation for a
// cool-down, then probed with one request, then restored (or opened again, for twice as long, up to a cap).
//
// The decision on the request path is local and synchronous: each replica keeps a mirror of every breaker. The
// store holds the truth replicas share and makes every transition atomically (memory: one process; Redis: one
// Lua script a transition). Each shared breaker carries a version that grows with every transition, so the
// mirror takes whatever arrives (the answer to its own call, a change another replica announced, the periodic
// refresh) in any order and keeps the newest.
import { randomUUID } from 'node:crypto';

export { createMemoryBreakerStore } from './memory/memory-breaker-store.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** An open breaker's period: `opens` counts the openings in a row (the cool-down doubles with each). */
export type OpenPeriod = { openedAt: number; reopensAt: number; opens: number };

/** A breaker as replicas share it; `open` null: closed. */
export type SharedBreaker = { version: number; open: OpenPeriod | null };

/** Failures counted in the window that ends at `until` (from the first failure). */
export type FailureCount = { count: number; until: number };

export type BreakerSnapshot = {
  deployment: string;
  state: BreakerState;
  failures: number;
  openedAt: number | null;
  reopensAt: number | null;
  opens: number;
};

/** What replicas share. Every method is one atomic step; times are the breakers' clock, passed in. */
export interface BreakerStore {
  /**
   * Counts a failure of a closed breaker (a new window ends at `windowEnd`); when the count reaches `threshold`
   * the breaker opens as `open` and the count starts over. An open breaker counts nothing.
   */
  addFailure(
    deployment: string,
    failure: { now: number; windowEnd: number; threshold: number; open: OpenPeriod },
  ): Promise<{ failures: FailureCount | null; breaker: SharedBreaker; opened: boolean }>;
  /** A success: the count starts over, and an open breaker closes (its probe with it). */
  addSuccess(deployment: string): Promise<{ breaker: SharedBreaker; closed: boolean }>;
  /** Opens the breaker again as `open` if it is still open at `version`; otherwise leaves it as it is. */
  reopen(deployment: string, version: number, open: OpenPeriod): Promise<{ breaker: SharedBreaker; reopened: boolean }>;
  /** For an open breaker whose cool-down has passed at `now`: true for one caller until `ttlMs` passes or it is released. */
  claimProbe(deployment: string, token: string, ttlMs: number, now: number): Promise<{ claimed: boolean; breaker: SharedBreaker }>;
  /** Releases the probe if `token` still holds it. */
  releaseProbe(deployment: string, token: string): Promise<void>;
  /** Every breaker and failure count the store holds. */
  readAll(): Promise<{ breakers: Map<string, SharedBreaker>; failures: Map<string, FailureCount> }>;
  /** Calls `listener` with every change (this replica's own included) until the returned function is called. */
  subscribe(listener: (deployment: string, breaker: SharedBreaker) => void, onError?: (error: unknown) => void): () => void;
  close(): Promise<void>;
}

export type BreakerOptions = {
  failureThreshold?: number;
  windowMs?: number;
  cooldownMs?: number;
  maxCooldownMs?: number;
  probeTimeoutMs?: number;
  /** How often the mirror is read again from the store, so a missed change heals; 0: never. */
  syncIntervalMs?: number;
  now?: () => number;
  logger?: { warn(object: object, message: string): void };
};

export type CheckVerdict = 'closed' | 'probe' | 'open';

export type CircuitBreakers = {
  /**
   * 'closed': use it. 'probe': use it and report through `record` (this caller is the one probe, or the
   * breaker turned out closed). 'open': skip it. Synchronous, on the mirror, unless the cool-down has passed
   * and the probe must be elected in the store.
   */
  check(deployment: string, now?: number): CheckVerdict | Promise<'probe' | 'open'>;
  /** Gives back a probe this caller was elected for but did not use. */
  cancelProbe(deployment: string): void;
  /** The outcome of a call to the deployment (probe or not). Never throws; store errors are logged. */
  record(deployment: string, ok: boolean, now?: number): void;
  snapshot(): BreakerSnapshot[];
  /** Resolves once the store has every change made so far. */
  flush(): Promise<void>;
  /** Stops the refresh and the subscription, waits for the writes on the way, closes the store. */
  close(): Promise<void>;
};

type Mirror = {
  breaker: SharedBreaker;
  failures: FailureCount | null;
  /** The probe this replica holds: no other caller here asks the store until it lapses. */
  probe: { token: string; until: number } | null;
  electing: boolean;
};

export function createCircuitBreakers(store: BreakerStore, options: BreakerOptions = {}): CircuitBreakers {
  const threshold = options.failureThreshold ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxCooldownMs = options.maxCooldownMs ?? 300_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 30_000;
  const syncIntervalMs = options.syncIntervalMs ?? 1_000;
  const clock = options.now ?? Date.now;
  const logger = options.logger;
  const mirrors = new Map<string, Mirror>();
  const pending = new Set<Promise<unknown>>();

  const mirrorOf = (deployment: string): Mirror => {
    let mirror = mirrors.get(deployment);
    if (mirror === undefined) {
      mirror = { breaker: { version: 0, open: null }, failures: null, probe: null, electing: false };
      mirrors.set(deployment, mirror);
    }
    return mirror;
  };
  const cooldownFor = (opens: number) => Math.min(maxCooldownMs, cooldownMs * 2 ** (opens - 1));
  const track = (work: Promise<unknown>, what: string, deployment?: string): void => {
    const tracked = work.catch((error: unknown) => logger?.warn({ err: error, deployment }, `circuit breakers: ${what} failed`));
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };
  // The answer to this replica's own call is at least as new as what it had (`orNewer`); a change heard from
  // elsewhere must be strictly newer, or it would undo a local change the store has not confirmed yet.
  const apply = (mirror: Mirror, breaker: SharedBreaker, orNewer = false): void => {
    if (breaker.version < mirror.breaker.version || (!orNewer && breaker.version === mirror.breaker.version)) return;
    const changed = breaker.version > mirror.breaker.version;
    mirror.breaker = breaker;
    if (breaker.open !== null) mirror.failures = null;
    if (changed) mirror.probe = null;
  };
  // A call that failed leaves the mirror's version unknown: the next refresh replaces it, whatever its version.
  const forget = (mirror: Mirror) => (error: unknown) => {
    mirror.breaker = { ...mirror.breaker, version: -1 };
    throw error;
  };
  const warnOpened = (deployment: string, open: OpenPeriod | null) =>
    logger?.warn({ deployment, opens: open?.opens, reopensAt: open?.reopensAt }, 'circuit breaker opened: deployment taken out of rotation');

  const unsubscribe = store.subscribe(
    (deployment, breaker) => apply(mirrorOf(deployment), breaker),
    (error) => logger?.warn({ err: error }, 'circuit breakers: listening for changes failed'),
  );
  const timer = syncIntervalMs > 0 ? startRefresh() : undefined;

  function startRefresh(): NodeJS.Timeout {
    let reading = false;
    const refresh = async () => {
      const at = clock();
      const { breakers, failures } = await store.readAll();
      for (const [deployment, breaker] of breakers) apply(mirrorOf(deployment), breaker);
      for (const deployment of failures.keys()) mirrorOf(deployment);
      for (const [deployment, mirror] of mirrors) {
        const count = failures.get(deployment);
        if (mirror.breaker.open === null) mirror.failures = count !== undefined && at < count.until ? count : null;
      }
    };
    const handle = setInterval(() => {
      if (reading) return;
      reading = true;
      track(
        refresh().finally(() => (reading = false)),
        'refreshing',
      );
    }, syncIntervalMs);
    handle.unref();
    return handle;
  }

  function elect(deployment: string, mirror: Mirror, at: number): Promise<'probe' | 'open'> {
    mirror.electing = true;
    const token = randomUUID();
    const election = store.claimProbe(deployment, token, probeTimeoutMs, at).then(
      ({ claimed, breaker }) => {
        mirror.electing = false;
        apply(mirror, breaker, true);
        if (claimed) mirror.probe = { token, until: at + probeTimeoutMs };
        // Found closed (another replica closed it): usable like any closed deployment.
        return claimed || mirror.breaker.open === null ? ('probe' as const) : ('open' as const);
      },
      (error: unknown) => {
        mirror.electing = false;
        logger?.warn({ err: error, deployment }, 'circuit breakers: electing a probe failed');
        return 'open' as const;
      },
    );
    track(election, 'electing a probe', deployment);
    return election;
  }

  function succeeded(deployment: string, mirror: Mirror): void {
    mirror.failures = null;
    mirror.probe = null;
    // Closed at once here; the store closes it for every replica.
    if (mirror.breaker.open !== null) mirror.breaker = { version: mirror.breaker.version, open: null };
    const recorded = store.addSuccess(deployment).then(({ breaker, closed }) => {
      apply(mirror, breaker, true);
      if (closed) logger?.warn({ deployment }, 'circuit breaker closed: deployment back in rotation');
    }, forget(mirror));
    track(recorded, 'recording a success', deployment);
  }

  function countFailure(deployment: string, mirror: Mirror, at: number): void {
    // Counted here at once, so a success that follows before the store answers still resets the count.
    const current = mirror.failures !== null && at < mirror.failures.until ? mirror.failures : { count: 0, until: at + windowMs };
    mirror.failures = { count: current.count + 1, until: current.until };
    const open = { openedAt: at, reopensAt: at + cooldownMs, opens: 1 };
    const recorded = store.addFailure(deployment, { now: at, windowEnd: at + windowMs, threshold, open }).then(({ failures, breaker, opened }) => {
      mirror.failures = failures;
      apply(mirror, breaker, true);
      if (opened) warnOpened(deployment, breaker.open);
    }, forget(mirror));
    track(recorded, 'counting a failure', deployment);
  }

  function reopen(deployment: string, mirror: Mirror, open: OpenPeriod, at: number): void {
    const opens = open.opens + 1;
    const next = { openedAt: at, reopensAt: at + cooldownFor(opens), opens };
    const version = mirror.breaker.version;
    mirror.breaker = { version, open: next };
    mirror.probe = null;
    const recorded = store.reopen(deployment, version, next).then(({ breaker, reopened }) => {
      apply(mirror, breaker, true);
      if (reopened) warnOpened(deployment, breaker.open);
    }, forget(mirror));
    track(recorded, 'opening again', deployment);
  }

  return {
    check(deployment, now) {
      const mirror = mirrors.get(deployment);
      if (mirror === undefined) {
        // Known from now on, so the refresh keeps its failure count for `record`.
        mirrorOf(deployment);
        return 'closed';
      }
      const open = mirror.breaker.open;
      if (open === null) return 'closed';
      const at = now ?? clock();
      if (at < open.reopensAt) return 'open';
      if (mirror.electing || (mirror.probe !== null && at < mirror.probe.until)) return 'open';
      return elect(deployment, mirror, at);
    },
    cancelProbe(deployment) {
      const mirror = mirrors.get(deployment);
      if (mirror?.probe == null) return;
      const { token } = mirror.probe;
      mirror.probe = null;
      track(store.releaseProbe(deployment, token), 'releasing the probe', deployment);
    },
    record(deployment, ok, now) {
      const mirror = mirrors.get(deployment);
      if (ok) {
        // The common case, a success on a closed deployment with nothing counted, costs one map lookup.
        if (mirror === undefined || (mirror.breaker.open === null && mirror.failures === null)) return;
        succeeded(deployment, mirror);
        return;
      }
      const failing = mirror ?? mirrorOf(deployment);
      const at = now ?? clock();
      const open = failing.breaker.open;
      if (open === null) countFailure(deployment, failing, at);
      // A failed probe, or any failure once the cool-down has passed: open again, for longer. Before that,
      // a failure is a call that was under way when it opened, or one tried with every candidate open.
      else if (at >= open.reopensAt) reopen(deployment, failing, open, at);
    },
    snapshot() {
      const at = clock();
      return [...mirrors].map(([deployment, { breaker, failures }]) => {
        const open = breaker.open;
        return {
          deployment,
          state: open === null ? 'closed' : at < open.reopensAt ? 'open' : 'half-open',
          failures: failures !== null && at < failures.until ? failures.count : 0,
          openedAt: open?.openedAt ?? null,
          reopensAt: open?.reopensAt ?? null,
          opens: open?.opens ?? 0,
        };
      });
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      clearInterval(timer);
      unsubscribe();
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await store.close();
    },
  };
}
