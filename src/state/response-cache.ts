// The response cache's storage port: exact-match entries (the key is computed by pipeline/cache-key.ts),
// each with a time to live, bounded in total bytes, least recently used evicted first. Implementations:
// memory (one process) and Redis (shared by replicas, the bound kept by one Lua script).

export type CacheEntry = { value: string; storedAt: number; expiresAt: number };

export interface ResponseCache {
  /** The live entry, marked as the most recently used; an entry whose expiresAt is not after `now` is gone. */
  get(key: string, now?: number): Promise<CacheEntry | undefined>;
  /**
   * Stores `value` for `ttlMs`, replacing what `key` held, evicting least recently used entries until it fits.
   * False (nothing stored, nothing evicted) when the entry is larger than `maxEntryBytes` or `ttlMs` is not positive.
   */
  set(key: string, value: string, ttlMs: number, now?: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** The live entries and their exact bytes (see entryBytes), by the clock of the options: expired entries are dropped first. */
  size(): Promise<{ entries: number; bytes: number }>;
  /** Releases what the cache holds itself; a Redis connection belongs to whoever opened it. */
  close(): Promise<void>;
}

export type ResponseCacheOptions = {
  /** Most bytes held in all (keys plus values, UTF-8); never exceeded. */
  maxBytes: number;
  /** Most bytes of one entry; default an eighth of maxBytes, so one answer cannot empty the cache. */
  maxEntryBytes?: number;
  /** The clock when a call gives no `now`. */
  now?: () => number;
};

export type CacheLimits = { maxBytes: number; maxEntryBytes: number; now: () => number };

/** An entry's size against the bound: its key and its value, in UTF-8 bytes. */
export const entryBytes = (key: string, value: string): number => Buffer.byteLength(key) + Buffer.byteLength(value);

export function cacheLimits(options: ResponseCacheOptions): CacheLimits {
  const maxEntryBytes = Math.min(options.maxEntryBytes ?? Math.floor(options.maxBytes / 8), options.maxBytes);
  if (!(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0)) throw new RangeError(`maxBytes must be a positive integer, not ${options.maxBytes}.`);
  if (!(Number.isSafeInteger(maxEntryBytes) && maxEntryBytes > 0)) throw new RangeError(`maxEntryBytes must be a positive integer, not ${maxEntryBytes}.`);
  return { maxBytes: options.maxBytes, maxEntryBytes, now: options.now ?? Date.now };
}

/** Whether an entry of `bytes` may be stored for `ttlMs` at all (a TTL that is not positive and finite is refused, not guessed at). */
export const storable = (limits: CacheLimits, bytes: number, ttlMs: number): boolean =>
  bytes <= limits.maxEntryBytes && Number.isFinite(ttlMs) && ttlMs > 0;
