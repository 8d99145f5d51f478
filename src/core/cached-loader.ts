// A per-key cache for what the gateway reads from the store on every call (an organization's credentials,
// its limits): answered synchronously while fresh, one fetch at a time per key when not, and forgotten at
// once when this gateway changes the thing (other replicas follow within the time to live).

export type CachedLoader<T> = {
  /** The cached value while it is fresh (synchronously), else the one fetch in flight for that key. */
  get(key: string): T | Promise<T>;
  /** Drops the key; a fetch already in flight for it does not put its (older) answer back. */
  forget(key: string): void;
};

export function createCachedLoader<T>(
  fetch: (key: string) => Promise<T>,
  options: { ttlMs: number; now?: () => number; maxEntries?: number },
): CachedLoader<T> {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const cache = new Map<string, { value: T; fetchedAt: number }>();
  const pending = new Map<string, Promise<T>>();
  const generations = new Map<string, number>();

  return {
    get(key) {
      const cached = cache.get(key);
      if (cached !== undefined && now() - cached.fetchedAt < options.ttlMs) return cached.value;
      let inFlight = pending.get(key);
      if (inFlight === undefined) {
        const generation = generations.get(key) ?? 0;
        inFlight = fetch(key)
          .then((value) => {
            if ((generations.get(key) ?? 0) === generation) {
              if (cache.size >= maxEntries) cache.clear();
              cache.set(key, { value, fetchedAt: now() });
            }
            return value;
          })
          .finally(() => pending.delete(key));
        pending.set(key, inFlight);
      }
      return inFlight;
    },
    forget(key) {
      cache.delete(key);
      pending.delete(key);
      generations.set(key, (generations.get(key) ?? 0) + 1);
    },
  };
}
