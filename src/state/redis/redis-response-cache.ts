// The response cache on Redis, shared by replicas: each entry a string with its TTL (PX), plus a recency
// sorted set, a sizes hash and a byte total under the same prefix, kept consistent by two Lua scripts
// (cache-set.lua evicts least recently used entries until a new one fits; cache-get.lua marks use and
// forgets entries whose TTL ended). Values carry their store and expiry times: `storedAt:expiresAt:value`.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { entryBytes, type ResponseCache, type ResponseCacheOptions } from '../response-cache.js';

const setScript = readFileSync(new URL('./cache-set.lua', import.meta.url), 'utf8');
const getScript = readFileSync(new URL('./cache-get.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & {
  switchyardCacheSet(...args: Array<string | number>): Promise<number>;
  switchyardCacheGet(...args: Array<string | number>): Promise<string | null>;
};

export function createRedisResponseCache(redis: Redis, options: ResponseCacheOptions & { prefix?: string }): ResponseCache {
  const prefix = options.prefix ?? 'switchyard:cache:';
  const maxEntryBytes = options.maxEntryBytes ?? Math.floor(options.maxBytes / 8);
  const client = redis as ScriptedRedis;
  client.defineCommand('switchyardCacheSet', { lua: setScript, numberOfKeys: 4 });
  client.defineCommand('switchyardCacheGet', { lua: getScript, numberOfKeys: 4 });
  const lru = `${prefix}lru`;
  const sizes = `${prefix}sizes`;
  const total = `${prefix}bytes`;
  const valuePrefix = `${prefix}v:`;

  return {
    async get(key, now = Date.now()) {
      const stored = await client.switchyardCacheGet(lru, sizes, total, valuePrefix + key, key, now);
      if (stored === null) return undefined;
      const first = stored.indexOf(':');
      const second = stored.indexOf(':', first + 1);
      return { storedAt: Number(stored.slice(0, first)), expiresAt: Number(stored.slice(first + 1, second)), value: stored.slice(second + 1) };
    },
    async set(key, value, ttlMs, now = Date.now()) {
      const size = entryBytes(key, value);
      if (size > maxEntryBytes || size > options.maxBytes) return false;
      await client.switchyardCacheSet(lru, sizes, total, valuePrefix + key, key, `${now}:${now + ttlMs}:${value}`, ttlMs, size, now, options.maxBytes, valuePrefix);
      return true;
    },
    async delete(key) {
      // Through the get script's bookkeeping: the value goes first, then the next read forgets the rest.
      await redis.del(valuePrefix + key);
      await client.switchyardCacheGet(lru, sizes, total, valuePrefix + key, key, Date.now());
    },
    async size() {
      const [entries, bytes] = await Promise.all([redis.zcard(lru), redis.get(total)]);
      return { entries, bytes: Number(bytes ?? 0) };
    },
    async close() {
      // The connection belongs to whoever opened it.
    },
  };
}
