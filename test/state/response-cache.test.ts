// The response cache's storage: one conformance suite on memory and on Redis (over a real connection; two
// instances on one prefix stand for two replicas sharing entries and one byte bound).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { entryBytes, type ResponseCache, type ResponseCacheOptions } from '../../src/state/response-cache.js';
import { createMemoryResponseCache } from '../../src/state/memory/memory-response-cache.js';
import { createRedisResponseCache } from '../../src/state/redis/redis-response-cache.js';
import { redisTestConnection, type RedisTestConnection } from '../helpers/redis.js';

const redisCheck = await redisTestConnection();
if (!('skip' in redisCheck)) await redisCheck.close();

type Backend = { name: string; skip: string | false; open(t: { after(fn: () => Promise<void>): void }, options: ResponseCacheOptions, count?: number): Promise<ResponseCache[]> };

const backends: Backend[] = [
  { name: 'memory', skip: false, open: async (_t, options, count = 1) => Array.from({ length: count }, () => createMemoryResponseCache(options)) },
  {
    name: 'Redis',
    skip: 'skip' in redisCheck ? redisCheck.skip : false,
    async open(t, options, count = 1) {
      const connection = (await redisTestConnection(t)) as RedisTestConnection;
      return Array.from({ length: count }, () => createRedisResponseCache(connection.redis, { ...options, prefix: connection.prefix }));
    },
  },
];

const value = (size: number, fill = 'x') => fill.repeat(size);

for (const backend of backends) {
  describe(`response cache on ${backend.name}`, { skip: backend.skip }, () => {
    test('set, get (with its times), overwrite, delete', async (t) => {
      const [cache] = await backend.open(t, { maxBytes: 10_000 });
      const now = Date.now();
      assert.equal(await cache!.get('k', now), undefined);
      assert.equal(await cache!.set('k', 'answer', 60_000, now), true);
      assert.deepEqual(await cache!.get('k', now), { value: 'answer', storedAt: now, expiresAt: now + 60_000 });
      await cache!.set('k', 'ünïcode answer', 60_000, now);
      assert.equal((await cache!.get('k', now))?.value, 'ünïcode answer');
      assert.deepEqual(await cache!.size(), { entries: 1, bytes: entryBytes('k', 'ünïcode answer') });
      await cache!.delete('k');
      assert.equal(await cache!.get('k', now), undefined);
      assert.deepEqual(await cache!.size(), { entries: 0, bytes: 0 });
    });

    test('an entry is gone after its TTL, and its bytes with it', async (t) => {
      const [cache] = await backend.open(t, { maxBytes: 10_000 });
      const now = Date.now();
      await cache!.set('short', 'soon gone', 40, now);
      await cache!.set('long', 'stays', 60_000, now);
      // Memory follows the given clock; Redis expires on its own.
      if (backend.name === 'Redis') await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(await cache!.get('short', now + 50), undefined);
      assert.equal((await cache!.get('long', now + 50))?.value, 'stays');
      assert.deepEqual(await cache!.size(), { entries: 1, bytes: entryBytes('long', 'stays') });
    });

    test('the byte bound holds exactly: least recently used first out; an oversized entry is refused', async (t) => {
      const [cache] = await backend.open(t, { maxBytes: 1_000, maxEntryBytes: 500 });
      const now = Date.now();
      for (const name of ['a', 'b', 'c']) assert.equal(await cache!.set(name, value(299), 60_000, now), true);
      assert.equal((await cache!.size()).bytes, 900);
      await cache!.get('a', now + 1); // a is now the most recently used
      await cache!.set('d', value(299), 60_000, now + 2);
      assert.equal(await cache!.get('b', now + 3), undefined, 'b, the least recently used, went first');
      for (const name of ['a', 'c', 'd']) assert.ok(await cache!.get(name, now + 3), name);
      assert.ok((await cache!.size()).bytes <= 1_000);
      assert.equal(await cache!.set('huge', value(600), 60_000, now), false);
      assert.equal(await cache!.get('huge', now), undefined);
      assert.deepEqual(await cache!.size(), { entries: 3, bytes: 900 });
    });

    test('concurrent writes never exceed the bound', async (t) => {
      const [cache] = await backend.open(t, { maxBytes: 2_000, maxEntryBytes: 400 });
      const now = Date.now();
      await Promise.all(Array.from({ length: 60 }, (_, index) => cache!.set(`k${index}`, value(150 + (index % 7) * 20), 60_000, now)));
      const { bytes, entries } = await cache!.size();
      assert.ok(bytes <= 2_000 && bytes > 1_400, `${bytes} bytes in ${entries} entries`);
    });

    if (backend.name === 'Redis') {
      test('two replicas on one prefix see each other’s entries and share one bound', async (t) => {
        const [one, two] = await backend.open(t, { maxBytes: 1_000, maxEntryBytes: 500 }, 2);
        const now = Date.now();
        await one!.set('shared', 'from one', 60_000, now);
        assert.equal((await two!.get('shared', now))?.value, 'from one');
        for (const [index, cache] of [one, two, one, two, one].entries()) await cache!.set(`r${index}`, value(290), 60_000, now + index);
        assert.ok((await two!.size()).bytes <= 1_000);
        assert.deepEqual(await one!.size(), await two!.size());
      });
    }
  });
}
