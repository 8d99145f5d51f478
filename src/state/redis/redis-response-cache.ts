// The response cache on Redis, shared by replicas: every operation is one call of one Lua script
// (response-cache.lua), so the exact byte total, the recency order and the entries move together, and replicas
// on one prefix share the entries and one byte bound. Each value key carries its entry's times and a TTL, so
// Redis frees it on its own; expiry itself follows the callers' clock, as in memory.
//
// Needs a maxmemory policy that leaves keys without a TTL alone (noeviction or volatile-*): the bookkeeping
// keys have none, and losing them would lose the total.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { cacheLimits, entryBytes, storable, type CacheEntry, type ResponseCache, type ResponseCacheOptions } from '../response-cache.js';

const script = readFileSync(new URL('./response-cache.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & { switchyardResponseCache(...args: Array<string | number>): Promise<unknown> };

export type RedisResponseCacheOptions = ResponseCacheOptions & {
  /** Every key of this cache starts with it; replicas sharing a cache share the prefix. */
  prefix?: string;
};

export function createRedisResponseCache(redis: Redis, options: RedisResponseCacheOptions): ResponseCache {
  const limits = cacheLimits(options);
  const prefix = options.prefix ?? 'switchyard:cache:';
  const client = redis as ScriptedRedis;
  client.defineCommand('switchyardResponseCache', { lua: script, numberOfKeys: 5 });
  const keys = ['recency', 'expiry', 'sizes', 'bytes', 'sequence'].map((name) => prefix + name);
  const valuePrefix = `${prefix}value:`;
  const call = (operation: string, ...args: Array<string | number>) => client.switchyardResponseCache(...keys, operation, valuePrefix, ...args);

  return {
    async get(key, now = limits.now()) {
      const stored = await call('get', key, now);
      return typeof stored === 'string' ? parseStored(stored) : undefined;
    },
    async set(key, value, ttlMs, now = limits.now()) {
      const bytes = entryBytes(key, value);
      if (!storable(limits, bytes, ttlMs)) return false;
      const expiresAt = now + ttlMs;
      // PX takes whole milliseconds; rounding up never frees the value before the entry expires.
      await call('set', key, `${now}:${expiresAt}:${value}`, Math.ceil(ttlMs), bytes, now, expiresAt, limits.maxBytes);
      return true;
    },
    async delete(key) {
      await call('delete', key);
    },
    async size() {
      const [entries, bytes] = (await call('size', limits.now())) as [number, number];
      return { entries, bytes };
    },
    async close() {
      // Nothing of its own to release: the connection belongs to whoever opened it.
    },
  };
}

function parseStored(stored: string): CacheEntry {
  const first = stored.indexOf(':');
  const second = stored.indexOf(':', first + 1);
  return { storedAt: Number(stored.slice(0, first)), expiresAt: Number(stored.slice(first + 1, second)), value: stored.slice(second + 1) };
}
