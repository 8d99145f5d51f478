// Slows repeated login failures, per account and per client address. After `freeFailures`
// failures the wait before the next attempt doubles with each further failure, up to a ceiling.
// Keys are opaque to the throttle; the caller builds them (`account:<email>`, `address:<ip>`).

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface LoginThrottle {
  check(keys: string[], now?: number): ThrottleDecision;
  failed(keys: string[], now?: number): void;
  succeeded(keys: string[]): void;
}

export type MemoryLoginThrottleOptions = {
  freeFailures?: number;
  windowSeconds?: number;
  baseDelaySeconds?: number;
  maxDelaySeconds?: number;
  maxEntries?: number;
};

type Entry = { failures: number; lastFailureAt: number };

function requireNumber(name: string, value: number, min: number, integer: boolean): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new RangeError(`Login throttle: ${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}; got ${value}.`);
  }
  return value;
}

export function createMemoryLoginThrottle(options: MemoryLoginThrottleOptions = {}): LoginThrottle {
  const freeFailures = requireNumber('freeFailures', options.freeFailures ?? 5, 0, true);
  const windowMs = requireNumber('windowSeconds', options.windowSeconds ?? 900, 0, false) * 1000;
  const baseDelayMs = requireNumber('baseDelaySeconds', options.baseDelaySeconds ?? 1, 0, false) * 1000;
  const maxDelayMs = requireNumber('maxDelaySeconds', options.maxDelaySeconds ?? 900, 0, false) * 1000;
  const maxEntries = requireNumber('maxEntries', options.maxEntries ?? 100_000, 1, true);

  // Insertion order is last-failure order (an update re-inserts), so the first entry is the oldest.
  const entries = new Map<string, Entry>();

  function delayMs(failures: number): number {
    if (failures <= freeFailures) return 0;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** (failures - freeFailures - 1));
  }

  // An entry lives for the window after its last failure, and at least until its wait is over
  // (so a ceiling above the window is still honoured).
  function expired(entry: Entry, now: number): boolean {
    return now - entry.lastFailureAt >= Math.max(windowMs, delayMs(entry.failures));
  }

  function live(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry && expired(entry, now)) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function sweep(now: number): void {
    for (const [key, entry] of entries) {
      if (!expired(entry, now)) break;
      entries.delete(key);
    }
  }

  return {
    check(keys, now = Date.now()) {
      let waitMs = 0;
      for (const key of keys) {
        const entry = live(key, now);
        if (!entry) continue;
        waitMs = Math.max(waitMs, entry.lastFailureAt + delayMs(entry.failures) - now);
      }
      return waitMs > 0 ? { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000) } : { allowed: true };
    },

    failed(keys, now = Date.now()) {
      sweep(now);
      for (const key of new Set(keys)) {
        const failures = (live(key, now)?.failures ?? 0) + 1;
        entries.delete(key);
        while (entries.size >= maxEntries) {
          const oldest = entries.keys().next();
          if (oldest.done) break;
          entries.delete(oldest.value);
        }
        entries.set(key, { failures, lastFailureAt: now });
      }
    },

    succeeded(keys) {
      for (const key of keys) entries.delete(key);
    },
  };
}
