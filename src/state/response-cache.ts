// The response cache's storage port: exact-match entries (the key is computed by pipeline/cache-key.ts),
// each with a TTL, bounded in total bytes, least recently used evicted first. Implementations: memory (one
// process) and Redis (shared by replicas, the bound kept by one Lua script).

export type CacheEntry = { value: string; storedAt: number; expiresAt: number };

export interface ResponseCache {
  get(key: string, now?: number): Promise<CacheEntry | undefined>;
  /** Stores `value` for `ttlMs`; false (nothing stored) when the entry alone is larger than `maxEntryBytes`. */
  set(key: string, value: string, ttlMs: number, now?: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** What is held now: entries and their bytes (key plus value, UTF-8). */
  size(): Promise<{ entries: number; bytes: number }>;
  close(): Promise<void>;
}

export type ResponseCacheOptions = {
  /** Most bytes held in all (keys plus values, UTF-8). */
  maxBytes: number;
  /** Most bytes of one entry; default an eighth of maxBytes. */
  maxEntryBytes?: number;
};

export const entryBytes = (key: string, value: string): number => Buffer.byteLength(key) + Buffer.byteLength(value);
