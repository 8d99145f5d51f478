// The response cache's storage: one conformance suite on memory and on Redis (over a real connection), then
// what only Redis has: replicas on one prefix, values Redis expires on its own.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { entryBytes, type ResponseCache, type ResponseCacheOptions } from '../../src/state/response-cache.js';
import { createMemoryResponseCache } from '../../src/state/memory/memory-response-cache.js';
import { createRedisResponseCache } from '../../src/state/redis/redis-response-cache.js';
import { redisServerUrl, redisTestConnection, type RedisTestConnection } from '../helpers/redis.js';

const redisCheck = await redisTestConnection();
if (!('skip' in redisCheck)) await redisCheck.close();
const redisSkip = 'skip' in redisCheck ? redisCheck.skip : false;

type Backend = { name: string; skip: string | false; open(t: TestContext, options: ResponseCacheOptions): Promise<ResponseCache> };

const backends: Backend[] = [
  { name: 'memory', skip: false, open: async (_t, options) => createMemoryResponseCache(options) },
  {
    name: 'Redis',
    skip: redisSkip,
    async open(t, options) {
      const connection = (await redisTestConnection(t)) as RedisTestConnection;
      return createRedisResponseCache(connection.redis, { ...options, prefix: connection.prefix });
    },
  },
];

/**
 * A clock the test moves. It starts at the real time because Redis also frees each value on its own after
 * its TTL: the TTLs here are long enough that Redis never does so while a test runs.
 */
function testClock() {
  const clock = { time: Date.now(), now: () => clock.time };
  return clock;
}

const minute = 60_000;
/** An entry of exactly `bytes` bytes under a one-character key. */
const sized = (bytes: number) => 'x'.repeat(bytes - 1);

async function heldBytes(cache: ResponseCache, keys: readonly string[]): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  for (const key of keys) {
    const entry = await cache.get(key);
    if (entry === undefined) continue;
    entries += 1;
    bytes += entryBytes(key, entry.value);
  }
  return { entries, bytes };
}

for (const backend of backends) {
  describe(`response cache on ${backend.name}`, { skip: backend.skip }, () => {
    test('set, get with its times, overwrite, delete; bytes are UTF-8 key plus value', async (t) => {
      const clock = testClock();
      const cache = await backend.open(t, { maxBytes: 10_000, now: clock.now });
      assert.equal(await cache.get('org:a:k'), undefined);
      assert.equal(await cache.set('org:a:k', 'answer', minute), true);
      assert.deepEqual(await cache.get('org:a:k'), { value: 'answer', storedAt: clock.time, expiresAt: clock.time + minute });
      assert.deepEqual(await cache.size(), { entries: 1, bytes: 7 + 6 });
      // An explicit `now` wins over the clock; an overwrite replaces value, times and bytes.
      assert.equal(await cache.set('org:a:k', 'ünïcode: with colons', minute, clock.time + 5), true);
      assert.deepEqual(await cache.get('org:a:k', clock.time + 5), { value: 'ünïcode: with colons', storedAt: clock.time + 5, expiresAt: clock.time + 5 + minute });
      assert.deepEqual(await cache.size(), { entries: 1, bytes: 7 + 22 });
      await cache.set('other', '', minute);
      await cache.delete('org:a:k');
      await cache.delete('never-set');
      assert.equal(await cache.get('org:a:k'), undefined);
      assert.deepEqual(await cache.get('other'), { value: '', storedAt: clock.time, expiresAt: clock.time + minute });
      assert.deepEqual(await cache.size(), { entries: 1, bytes: 5 });
      await cache.close();
    });

    test('an entry is gone once its expiry is reached, and its bytes leave the total', async (t) => {
      const clock = testClock();
      const cache = await backend.open(t, { maxBytes: 10_000, now: clock.now });
      await cache.set('short', 'soon gone', 10_000);
      await cache.set('long', 'stays', minute);
      clock.time += 9_999;
      assert.equal((await cache.get('short'))?.value, 'soon gone');
      assert.deepEqual(await cache.size(), { entries: 2, bytes: entryBytes('short', 'soon gone') + entryBytes('long', 'stays') });
      clock.time += 1;
      // size() meets the expired entry first, without a get having to.
      assert.deepEqual(await cache.size(), { entries: 1, bytes: entryBytes('long', 'stays') });
      assert.equal(await cache.get('short'), undefined);
      assert.equal((await cache.get('long'))?.value, 'stays');
      // A get past the expiry drops the entry too.
      await cache.set('third', 'value', 1_000);
      assert.equal(await cache.get('third', clock.time + 1_000), undefined);
      assert.deepEqual(await cache.size(), { entries: 1, bytes: entryBytes('long', 'stays') });
    });

    test('least recently used out first; the bound holds exactly, reaching it is allowed', async (t) => {
      const clock = testClock();
      const cache = await backend.open(t, { maxBytes: 1_000, maxEntryBytes: 500, now: clock.now });
      for (const key of ['a', 'b', 'c']) assert.equal(await cache.set(key, sized(300), minute), true);
      assert.deepEqual(await cache.size(), { entries: 3, bytes: 900 });
      await cache.get('a'); // a is now the most recently used: b is the least
      await cache.set('d', sized(300), minute);
      assert.equal(await cache.get('b'), undefined, 'b, the least recently used, went first');
      assert.deepEqual(await cache.size(), { entries: 3, bytes: 900 });
      // Read in this order, a is now the least recently used; an entry of 400 needs exactly one eviction.
      for (const key of ['a', 'c', 'd']) assert.ok(await cache.get(key), key);
      await cache.set('e', sized(400), minute);
      assert.equal(await cache.get('a'), undefined, 'a went');
      for (const key of ['c', 'd', 'e']) assert.ok(await cache.get(key), key);
      assert.deepEqual(await cache.size(), { entries: 3, bytes: 1_000 });
      // An overwrite counts as a use: c, written again, stays; d and e, now the oldest, make room for 500 bytes.
      await cache.set('c', sized(300), minute);
      await cache.set('f', sized(500), minute);
      assert.equal(await cache.get('d'), undefined);
      assert.equal(await cache.get('e'), undefined);
      assert.ok(await cache.get('c'));
      assert.deepEqual(await cache.size(), { entries: 2, bytes: 800 });
    });

    test('an expired entry leaves before a live one is evicted, wherever it sits in the recency order', async (t) => {
      const clock = testClock();
      const cache = await backend.open(t, { maxBytes: 1_000, maxEntryBytes: 500, now: clock.now });
      await cache.set('a', sized(300), minute);
      await cache.set('b', sized(300), 10_000);
      await cache.set('c', sized(300), minute);
      clock.time += 10_000;
      await cache.set('d', sized(300), minute);
      for (const key of ['a', 'c', 'd']) assert.ok(await cache.get(key), `${key} is live and was not evicted`);
      assert.deepEqual(await cache.size(), { entries: 3, bytes: 900 });
    });

    test('an entry larger than maxEntryBytes (default an eighth of maxBytes) or with no positive TTL is refused, evicting nothing', async (t) => {
      const clock = testClock();
      const cache = await backend.open(t, { maxBytes: 800, now: clock.now });
      assert.equal(await cache.set('a', sized(100), minute), true, 'exactly an eighth fits');
      assert.equal(await cache.set('b', sized(101), minute), false);
      assert.equal(await cache.set('a', sized(101), minute), false, 'an oversized overwrite');
      assert.equal((await cache.get('a'))?.value, sized(100), 'leaves the old value');
      assert.equal(await cache.set('c', 'v', 0), false);
      assert.equal(await cache.set('c', 'v', -5), false);
      assert.equal(await cache.set('c', 'v', Number.NaN), false);
      assert.equal(await cache.set('c', 'v', Number.POSITIVE_INFINITY), false);
      assert.deepEqual(await cache.size(), { entries: 1, bytes: 100 });

      const explicit = await backend.open(t, { maxBytes: 1_000, maxEntryBytes: 500, now: clock.now });
      for (const key of ['p', 'q']) await explicit.set(key, sized(400), minute);
      assert.equal(await explicit.set('r', sized(501), minute), false);
      assert.equal(await explicit.set('r', sized(500), minute), true);
      assert.deepEqual(await explicit.size(), { entries: 2, bytes: 900 });
    });

    test('many overwrites with different TTLs: only the last one counts', async (t) => {
      const clock = testClock();
      const cache = await backend.open(t, { maxBytes: 100_000, now: clock.now });
      for (let round = 0; round < 200; round++) {
        await cache.set('k', `value ${round}`, round === 199 ? minute : 1_000 + round);
        await cache.set(`other${round}`, 'v', 1_000);
        await cache.delete(`other${round}`);
      }
      clock.time += 5_000;
      assert.deepEqual(await cache.size(), { entries: 1, bytes: entryBytes('k', 'value 199') });
      assert.equal((await cache.get('k'))?.value, 'value 199');
    });

    test('concurrent writes, reads and deletes keep the total exact and never above the bound', async (t) => {
      const clock = testClock();
      const cache = await backend.open(t, { maxBytes: 2_000, maxEntryBytes: 400, now: clock.now });
      const keys = Array.from({ length: 40 }, (_, index) => `key${index}`);
      await Promise.all(
        Array.from({ length: 120 }, (_, index) => {
          const key = keys[index % keys.length]!;
          if (index % 11 === 0) return cache.delete(key);
          if (index % 5 === 0) return cache.get(key);
          return cache.set(key, sized(150 + (index % 7) * 30), minute);
        }),
      );
      const size = await cache.size();
      assert.ok(size.bytes <= 2_000 && size.bytes > 1_500, `${size.bytes} bytes in ${size.entries} entries`);
      assert.deepEqual(await heldBytes(cache, keys), size);
    });
  });
}

describe('response cache on Redis, as replicas and on its own clock', { skip: redisSkip }, () => {
  /** Two stores on one prefix over two connections: two gateway replicas. */
  async function twoReplicas(t: TestContext, options: ResponseCacheOptions) {
    const connection = (await redisTestConnection(t)) as RedisTestConnection;
    const second = new Redis(redisServerUrl(), { maxRetriesPerRequest: 1 });
    t.after(() => second.disconnect());
    const one = createRedisResponseCache(connection.redis, { ...options, prefix: connection.prefix });
    const two = createRedisResponseCache(second, { ...options, prefix: connection.prefix });
    return { one, two, connection };
  }

  test('two replicas on one prefix see each other’s entries, uses and deletes, and share one bound', async (t) => {
    const clock = testClock();
    const { one, two } = await twoReplicas(t, { maxBytes: 1_000, maxEntryBytes: 500, now: clock.now });
    for (const key of ['a', 'b', 'c']) await one.set(key, sized(300), minute);
    assert.equal((await two.get('a'))?.value, sized(300), 'two reads what one wrote, and uses a');
    await two.set('d', sized(300), minute);
    assert.equal(await one.get('b'), undefined, 'two evicted b, the least recently used for both');
    assert.deepEqual(await one.size(), { entries: 3, bytes: 900 });
    assert.deepEqual(await two.size(), { entries: 3, bytes: 900 });
    await one.delete('d');
    assert.equal(await two.get('d'), undefined);
    assert.deepEqual(await two.size(), { entries: 2, bytes: 600 });
  });

  test('concurrent writes from two replicas never exceed the shared bound, and the total stays exact', async (t) => {
    const clock = testClock();
    const { one, two } = await twoReplicas(t, { maxBytes: 3_000, maxEntryBytes: 500, now: clock.now });
    const keys = Array.from({ length: 50 }, (_, index) => `k${index}`);
    await Promise.all(keys.flatMap((key, index) => [one.set(key, sized(200 + (index % 5) * 60), minute), two.set(key, sized(230 + (index % 3) * 90), minute)]));
    const size = await one.size();
    assert.ok(size.bytes <= 3_000 && size.bytes > 2_400, `${size.bytes} bytes in ${size.entries} entries`);
    assert.deepEqual(await heldBytes(two, keys), size);
  });

  test('each value carries its TTL, so Redis frees it by itself; a value gone that way is forgotten when met', async (t) => {
    const clock = testClock();
    const connection = (await redisTestConnection(t)) as RedisTestConnection;
    const cache = createRedisResponseCache(connection.redis, { maxBytes: 1_000, maxEntryBytes: 500, prefix: connection.prefix, now: clock.now });
    await cache.set('a', sized(300), 30_000);
    await cache.set('b', sized(300), 30_000);
    const ttlA = await connection.redis.pttl(`${connection.prefix}value:a`);
    assert.ok(ttlA > 25_000 && ttlA <= 30_000, `PTTL ${ttlA}`);
    const ttlB = await connection.redis.pttl(`${connection.prefix}value:b`);
    assert.ok(ttlB > 25_000 && ttlB <= 30_000, `PTTL ${ttlB}`);
    // As if Redis had expired them: b is met by a get, a (the least recently used) by an eviction.
    await connection.redis.del(`${connection.prefix}value:b`, `${connection.prefix}value:a`);
    assert.equal(await cache.get('b'), undefined);
    assert.deepEqual(await cache.size(), { entries: 1, bytes: 300 });
    await cache.set('c', sized(400), minute);
    await cache.set('d', sized(400), minute);
    assert.deepEqual(await cache.size(), { entries: 2, bytes: 800 });
    assert.ok(await cache.get('c'));
    assert.ok(await cache.get('d'));
    // PX takes whole milliseconds: a fraction is rounded up, not down to an invalid zero.
    assert.equal(await cache.set('tiny', 'v', 0.4), true);
  });
});
