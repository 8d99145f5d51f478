// The response cache in one process's memory: a Map kept in recency order (a hit moves its entry to the end),
// evicting from the front until the byte bound holds. Expired entries are dropped when met.
import { entryBytes, type CacheEntry, type ResponseCache, type ResponseCacheOptions } from '../response-cache.js';

type Held = CacheEntry & { bytes: number };

export function createMemoryResponseCache(options: ResponseCacheOptions): ResponseCache {
  const maxEntryBytes = options.maxEntryBytes ?? Math.floor(options.maxBytes / 8);
  const entries = new Map<string, Held>();
  let bytes = 0;

  const drop = (key: string, held: Held) => {
    entries.delete(key);
    bytes -= held.bytes;
  };

  return {
    async get(key, now = Date.now()) {
      const held = entries.get(key);
      if (held === undefined) return undefined;
      if (held.expiresAt <= now) {
        drop(key, held);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, held);
      return { value: held.value, storedAt: held.storedAt, expiresAt: held.expiresAt };
    },
    async set(key, value, ttlMs, now = Date.now()) {
      const size = entryBytes(key, value);
      if (size > maxEntryBytes || size > options.maxBytes) return false;
      const previous = entries.get(key);
      if (previous !== undefined) drop(key, previous);
      for (const [oldest, held] of entries) {
        if (bytes + size <= options.maxBytes) break;
        drop(oldest, held);
      }
      entries.set(key, { value, storedAt: now, expiresAt: now + ttlMs, bytes: size });
      bytes += size;
      return true;
    },
    async delete(key) {
      const held = entries.get(key);
      if (held !== undefined) drop(key, held);
    },
    async size() {
      return { entries: entries.size, bytes };
    },
    async close() {
      entries.clear();
      bytes = 0;
    },
  };
}
