// One conformance suite for the limiter, run on memory and on Redis over a real connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Limiter, WindowCharge } from '../../src/state/limiter.js';
import { createMemoryLimiter } from '../../src/state/memory/memory-limiter.js';
import { createRedisLimiter } from '../../src/state/redis/redis-limiter.js';
import { redisTestConnection, type RedisTestConnection } from '../helpers/redis.js';

const redisCheck = await redisTestConnection();
if (!('skip' in redisCheck)) await redisCheck.close();

type Backend = { name: string; skip: string | false; open(): Promise<{ limiter: Limiter; close(): Promise<void> }> };

const backends: Backend[] = [
  { name: 'memory', skip: false, open: async () => ({ limiter: createMemoryLimiter(), close: async () => undefined }) },
  {
    name: 'Redis',
    skip: 'skip' in redisCheck ? redisCheck.skip : false,
    async open() {
      const connection = (await redisTestConnection()) as RedisTestConnection;
      return { limiter: createRedisLimiter(connection.redis, { prefix: connection.prefix }), close: connection.close };
    },
  },
];

// Redis expires counters on its own clock, so the windows are placed around the real time.
const now = Date.now();
const minuteEnd = now + 60_000;
const hourEnd = now + 3_600_000;
const charge = (counter: string, limit: number, amount = 1, resetAt = minuteEnd): WindowCharge => ({ counter, limit, amount, resetAt });

for (const backend of backends) {
  describe(`limiter on ${backend.name}`, { skip: backend.skip }, () => {
    let limiter: Limiter;
    let close: () => Promise<void>;
    before(async () => {
      ({ limiter, close } = await backend.open());
    });
    after(async () => {
      await close();
    });

    test('admits up to the limit, then refuses, naming the window and what is left', async () => {
      for (let index = 0; index < 3; index++) {
        const result = await limiter.consume([charge('a:rpm', 3)], now);
        assert.equal(result.allowed, true);
        assert.equal(result.windows[0]!.remaining, 2 - index);
      }
      const refused = await limiter.consume([charge('a:rpm', 3)], now);
      assert.equal(refused.allowed, false);
      assert.ok(!refused.allowed && refused.blocked.counter === 'a:rpm');
      assert.equal(refused.windows[0]!.used, 3);
    });

    test('several windows at once: all or nothing', async () => {
      assert.equal((await limiter.consume([charge('b:rpm', 10), charge('b:rph', 2, 1, hourEnd)], now)).allowed, true);
      assert.equal((await limiter.consume([charge('b:rpm', 10), charge('b:rph', 2, 1, hourEnd)], now)).allowed, true);
      const refused = await limiter.consume([charge('b:rpm', 10), charge('b:rph', 2, 1, hourEnd)], now);
      assert.equal(refused.allowed, false);
      assert.ok(!refused.allowed && refused.blocked.counter === 'b:rph');
      // The per-minute window was not charged by the refused request.
      const minute = await limiter.consume([charge('b:rpm', 10, 0)], now);
      assert.equal(minute.windows[0]!.used, 2);
    });

    test('an amount larger than one (tokens) and a settle that releases the unused part', async () => {
      assert.equal((await limiter.consume([charge('c:tpm', 1000, 800)], now)).allowed, true);
      assert.equal((await limiter.consume([charge('c:tpm', 1000, 300)], now)).allowed, false);
      await limiter.adjust([{ counter: 'c:tpm', delta: -500, resetAt: minuteEnd }], now);
      const after = await limiter.consume([charge('c:tpm', 1000, 300)], now);
      assert.equal(after.allowed, true);
      assert.equal(after.windows[0]!.used, 600);
      await limiter.adjust([{ counter: 'c:tpm', delta: -10_000, resetAt: minuteEnd }], now);
      assert.equal((await limiter.consume([charge('c:tpm', 1000, 0)], now)).windows[0]!.used, 0, 'never below zero');
    });

    test('one adjust settles several counters at once, each never below zero', async () => {
      await limiter.consume([charge('g:tpm', 1000, 700), charge('g:spend', 1000, 400, hourEnd), charge('g:slots', 2, 1)], now);
      await limiter.adjust(
        [
          { counter: 'g:tpm', delta: -650, resetAt: minuteEnd },
          { counter: 'g:spend', delta: 100, resetAt: hourEnd },
          { counter: 'g:slots', delta: -5, resetAt: minuteEnd },
        ],
        now,
      );
      const after = await limiter.consume([charge('g:tpm', 1000, 0), charge('g:spend', 1000, 0, hourEnd), charge('g:slots', 2, 0)], now);
      assert.deepEqual(after.windows.map((window) => window.used), [50, 500, 0]);
      await limiter.adjust([], now);
    });

    test('concurrent consumers never admit more than the limit', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => limiter.consume([charge('d:rpm', 17)], now)));
      assert.equal(results.filter((result) => result.allowed).length, 17);
    });

    test('counters are separate and end with their window', async () => {
      assert.equal((await limiter.consume([charge('e:rpm', 1)], now)).allowed, true);
      assert.equal((await limiter.consume([charge('f:rpm', 1)], now)).allowed, true);
      assert.equal((await limiter.consume([charge('e:rpm', 1)], now)).allowed, false);
      if (backend.name === 'memory') {
        // The next window is a new counter name in practice; an expired one also starts from zero.
        assert.equal((await limiter.consume([charge('e:rpm', 1)], minuteEnd + 1)).allowed, true);
      }
    });
  });
}

describe('the Redis limiter batches one turn of the event loop into one script call', { skip: 'skip' in redisCheck ? redisCheck.skip : false }, () => {
  test('consumes and settles asked in one turn make one round trip, settles applied first, each consume all-or-nothing', async (t) => {
    const connection = (await redisTestConnection(t)) as RedisTestConnection;
    const limiter = createRedisLimiter(connection.redis, { prefix: connection.prefix });
    let calls = 0;
    let keys = 0;
    // Counts the script calls and their keys (a limiter defines its command when created: spied on after that).
    const spy = () => {
      const scripted = connection.redis as unknown as { switchyardLimits: (...args: unknown[]) => Promise<unknown> };
      const original = scripted.switchyardLimits.bind(connection.redis);
      scripted.switchyardLimits = (...args: unknown[]) => {
        calls += 1;
        keys = args[0] as number;
        return original(...args);
      };
    };
    spy();
    assert.equal((await limiter.consume([charge('h:tpm', 100, 90)], now)).allowed, true);
    assert.equal(calls, 1);
    calls = 0;
    // In one turn: a settle releasing 80, then 30 consumes of 5 against a limit of 100 (10 used after the
    // settle: 18 fit), half of them also charging a second window that admits 4: all-or-nothing each.
    const settle = limiter.adjust([{ counter: 'h:tpm', delta: -80, resetAt: minuteEnd }], now);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        limiter.consume(index % 2 === 0 ? [charge('h:tpm', 100, 5), charge('h:rpm', 4)] : [charge('h:tpm', 100, 5)], now),
      ),
    );
    await settle;
    assert.equal(calls, 1, 'one script call for the whole turn');
    assert.equal(keys, 2, 'each counter is sent once, however many consumes charge it');
    const admittedWithWindow = results.filter((result, index) => index % 2 === 0 && result.allowed).length;
    assert.equal(admittedWithWindow, 4);
    assert.equal(results.filter((result) => result.allowed).length, 18);
    const state = await limiter.consume([charge('h:tpm', 100, 0), charge('h:rpm', 4, 0)], now);
    assert.deepEqual(state.windows.map((window) => window.used), [100, 4]);
    // More consumes in one turn than one call carries go in several calls, in order.
    calls = 0;
    const small = createRedisLimiter(connection.redis, { prefix: connection.prefix, maxBatch: 8 });
    spy();
    const many = await Promise.all(Array.from({ length: 20 }, () => small.consume([charge('h:other', 13)], now)));
    assert.equal(calls, 3);
    assert.deepEqual(many.map((result) => result.allowed), Array.from({ length: 20 }, (_, index) => index < 13));
    await small.close();
    await limiter.close();
  });

  test('a settlement alone waits for the next consume to carry it, and is sent by itself within settleDelayMs', async (t) => {
    const connection = (await redisTestConnection(t)) as RedisTestConnection;
    const limiter = createRedisLimiter(connection.redis, { prefix: connection.prefix, settleDelayMs: 200 });
    const sent: number[] = [];
    const scripted = connection.redis as unknown as { switchyardLimits: (...args: unknown[]) => Promise<unknown> };
    const original = scripted.switchyardLimits.bind(connection.redis);
    scripted.switchyardLimits = (...args: unknown[]) => {
      sent.push(performance.now());
      return original(...args);
    };
    const key = `${connection.prefix}j:slots`;
    assert.equal((await limiter.consume([charge('j:slots', 1, 1)], now)).allowed, true);
    assert.equal(sent.length, 1);
    // The slot is released (a settlement), then, a turn later, the next call asks for it: one script call
    // carries both, the release first, so this process's own next call always sees the slot free.
    void limiter.adjust([{ counter: 'j:slots', delta: -1, resetAt: minuteEnd }], now);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent.length, 1, 'the settlement waits');
    assert.equal((await limiter.consume([charge('j:slots', 1, 1)], now)).allowed, true);
    assert.equal(sent.length, 2, 'the consume carried the settlement');
    // With no consume to carry it, a settlement goes alone once settleDelayMs has passed.
    const asked = performance.now();
    await limiter.adjust([{ counter: 'j:slots', delta: -1, resetAt: minuteEnd }], now);
    assert.equal(sent.length, 3);
    assert.ok(sent[2]! - asked >= 150, `sent ${Math.round(sent[2]! - asked)} ms after it was asked`);
    assert.equal(await connection.redis.get(key), '0');
    // settleDelayMs 0: sent at the end of the turn it was asked in.
    const prompt = createRedisLimiter(connection.redis, { prefix: connection.prefix, settleDelayMs: 0 });
    const before = performance.now();
    await prompt.adjust([{ counter: 'j:slots', delta: 1, resetAt: minuteEnd }], now);
    assert.ok(performance.now() - before < 150);
    assert.equal(await connection.redis.get(key), '1');
    await prompt.close();
    await limiter.close();
  });

  test('close sends what is queued before it resolves', async (t) => {
    const connection = (await redisTestConnection(t)) as RedisTestConnection;
    const limiter = createRedisLimiter(connection.redis, { prefix: connection.prefix });
    await limiter.consume([charge('i:slots', 5, 3)], now);
    void limiter.adjust([{ counter: 'i:slots', delta: -3, resetAt: minuteEnd }], now);
    await limiter.close();
    assert.equal(await connection.redis.get(`${connection.prefix}i:slots`), '0');
  });
});
