// Circuit breakers: one conformance suite on memory and on Redis (over a real connection), with the breakers'
// clock injected. On Redis two breaker sets on one prefix stand for two replicas.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCircuitBreakers, createMemoryBreakerStore, type BreakerOptions, type BreakerStore } from '../../src/state/circuit-breakers.js';
import { createRedisBreakerStore } from '../../src/state/redis/redis-breaker-store.js';
import { redisTestConnection, type RedisTestConnection } from '../helpers/redis.js';

const redisCheck = await redisTestConnection();
if (!('skip' in redisCheck)) await redisCheck.close();

type Backend = { name: string; skip: string | false; stores(t: { after(fn: () => Promise<void>): void }, count: number): Promise<BreakerStore[]> };

const backends: Backend[] = [
  { name: 'memory', skip: false, stores: async (_t, count) => Array.from({ length: count }, () => createMemoryBreakerStore()) },
  {
    name: 'Redis',
    skip: 'skip' in redisCheck ? redisCheck.skip : false,
    async stores(t, count) {
      const connection = (await redisTestConnection(t)) as RedisTestConnection;
      const clients = Array.from({ length: count }, () => connection.redis.duplicate());
      // Registered before the breakers' own after(): runs after them (last in, first out), once they are closed.
      t.after(async () => {
        for (const client of clients) client.disconnect();
      });
      return clients.map((client) => createRedisBreakerStore(client, { prefix: connection.prefix }));
    },
  },
];

function clock(start = 1_000_000) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

const options = (time: ReturnType<typeof clock>, extra: BreakerOptions = {}): BreakerOptions => ({
  failureThreshold: 3,
  windowMs: 60_000,
  cooldownMs: 1_000,
  maxCooldownMs: 3_000,
  probeTimeoutMs: 60_000,
  now: time.now,
  ...extra,
});

async function verdict(result: ReturnType<ReturnType<typeof createCircuitBreakers>['check']>) {
  return result instanceof Promise ? await result : result;
}

for (const backend of backends) {
  describe(`circuit breakers on ${backend.name}`, { skip: backend.skip }, () => {
    test('opens after the threshold within the window; a success resets the count', async (t) => {
      const time = clock();
      const [store] = await backend.stores(t, 1);
      const breakers = createCircuitBreakers(store!, options(time));
      t.after(() => breakers.close());
      breakers.record('a', false);
      breakers.record('a', false);
      await breakers.flush();
      breakers.record('a', true);
      await breakers.flush();
      breakers.record('a', false);
      breakers.record('a', false);
      await breakers.flush();
      assert.equal(await verdict(breakers.check('a')), 'closed', 'two failures since the success');
      breakers.record('a', false);
      await breakers.flush();
      assert.equal(await verdict(breakers.check('a')), 'open');
      assert.equal(await verdict(breakers.check('other')), 'closed');
      const [snapshot] = breakers.snapshot().filter((entry) => entry.deployment === 'a');
      assert.deepEqual(
        { state: snapshot!.state, openedAt: snapshot!.openedAt, reopensAt: snapshot!.reopensAt, opens: snapshot!.opens },
        { state: 'open', openedAt: time.now(), reopensAt: time.now() + 1_000, opens: 1 },
      );
    });

    test('after the cool-down exactly one caller probes; success closes, failure re-opens for twice as long, capped', async (t) => {
      const time = clock();
      const [store] = await backend.stores(t, 1);
      const breakers = createCircuitBreakers(store!, options(time));
      t.after(() => breakers.close());
      for (let index = 0; index < 3; index++) breakers.record('b', false);
      await breakers.flush();
      time.advance(1_000);
      assert.equal(breakers.snapshot().find((entry) => entry.deployment === 'b')!.state, 'half-open');
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => verdict(breakers.check('b'))));
      assert.equal(verdicts.filter((each) => each === 'probe').length, 1);
      assert.equal(verdicts.filter((each) => each === 'open').length, 19);
      // The probe fails: open again for 2 s, then 3 s (the cap), 3 s.
      for (const cooldown of [2_000, 3_000, 3_000]) {
        breakers.record('b', false);
        await breakers.flush();
        const snapshot = breakers.snapshot().find((entry) => entry.deployment === 'b')!;
        assert.equal(snapshot.reopensAt! - snapshot.openedAt!, cooldown);
        assert.equal(await verdict(breakers.check('b')), 'open');
        time.advance(cooldown);
        assert.equal(await verdict(breakers.check('b')), 'probe');
      }
      breakers.record('b', true);
      await breakers.flush();
      assert.equal(await verdict(breakers.check('b')), 'closed');
      // Closed and counting from zero: the cool-down starts over at 1 s.
      for (let index = 0; index < 3; index++) breakers.record('b', false);
      await breakers.flush();
      const reopened = breakers.snapshot().find((entry) => entry.deployment === 'b')!;
      assert.equal(reopened.reopensAt! - reopened.openedAt!, 1_000);
    });

    test('a probe given back (unused) or lapsed lets another caller probe', async (t) => {
      const time = clock();
      const [store] = await backend.stores(t, 1);
      const breakers = createCircuitBreakers(store!, options(time, { probeTimeoutMs: 50 }));
      t.after(() => breakers.close());
      for (let index = 0; index < 3; index++) breakers.record('c', false);
      await breakers.flush();
      time.advance(1_000);
      assert.equal(await verdict(breakers.check('c')), 'probe');
      breakers.cancelProbe('c');
      await breakers.flush();
      assert.equal(await verdict(breakers.check('c')), 'probe', 'given back');
      assert.equal(await verdict(breakers.check('c')), 'open');
      // Lapses: the memory store on the injected clock, Redis on its own.
      time.advance(60);
      if (backend.name === 'Redis') await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(await verdict(breakers.check('c')), 'probe', 'lapsed');
    });

    if (backend.name === 'Redis') {
      test('two replicas: failures counted together open it for both; one probe between them', async (t) => {
        const time = clock();
        const [first, second] = await backend.stores(t, 2);
        const one = createCircuitBreakers(first!, options(time, { syncIntervalMs: 20 }));
        const two = createCircuitBreakers(second!, options(time, { syncIntervalMs: 20 }));
        t.after(async () => {
          await one.close();
          await two.close();
        });
        // Replica two has seen the deployment (a success), so its mirror follows it.
        two.record('d', true);
        one.record('d', false);
        one.record('d', false);
        await one.flush();
        two.record('d', false);
        await two.flush();
        assert.equal(await verdict(two.check('d')), 'open', 'the replica that counted the third failure');
        for (let tries = 0; tries < 100 && (await verdict(one.check('d'))) !== 'open'; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(await verdict(one.check('d')), 'open', 'the other replica, through pub/sub or its refresh');
        time.advance(1_000);
        const verdicts = await Promise.all([...Array.from({ length: 10 }, () => verdict(one.check('d'))), ...Array.from({ length: 10 }, () => verdict(two.check('d')))]);
        assert.equal(verdicts.filter((each) => each === 'probe').length, 1);
        // The probe succeeds on one replica: the other closes too.
        const prober = verdicts.indexOf('probe') < 10 ? one : two;
        const other = prober === one ? two : one;
        prober.record('d', true);
        await prober.flush();
        for (let tries = 0; tries < 100 && (await verdict(other.check('d'))) !== 'closed'; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(await verdict(other.check('d')), 'closed');
      });
    }
  });
}
