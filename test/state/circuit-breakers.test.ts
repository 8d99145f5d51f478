// Circuit breakers: one conformance suite on memory and on Redis (over a real connection), with the breakers'
// clock injected. Replicas are breaker sets on one memory store, or on one Redis prefix over connections of
// their own. Only the probe's lapse (PX) and the propagation of changes take real time on Redis: those are
// awaited by polling with a bound, never by a fixed sleep.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createCircuitBreakers, type BreakerOptions, type BreakerStore, type CircuitBreakers } from '../../src/state/circuit-breakers.js';
import { createMemoryBreakerStore } from '../../src/state/memory/memory-breaker-store.js';
import { createRedisBreakerStore } from '../../src/state/redis/redis-breaker-store.js';
import { redisTestConnection, type RedisTestConnection } from '../helpers/redis.js';

const redisCheck = await redisTestConnection();
if (!('skip' in redisCheck)) await redisCheck.close();

/**
 * Stores for replicas sharing one state. `listening(count)` resolves once that many stores hear changes (on
 * Redis a subscription is made in the background; a change published before it is only caught by a refresh).
 * `close` ends what the stores' breakers have not.
 */
type Shared = { store(): BreakerStore; listening(count: number): Promise<void>; close(): Promise<void> };
type Backend = { name: string; skip: string | false; open(): Promise<Shared> };

const backends: Backend[] = [
  {
    name: 'memory',
    skip: false,
    async open() {
      const store = createMemoryBreakerStore();
      return { store: () => store, listening: async () => undefined, close: async () => undefined };
    },
  },
  {
    name: 'Redis',
    skip: 'skip' in redisCheck ? redisCheck.skip : false,
    async open() {
      const connection = (await redisTestConnection()) as RedisTestConnection;
      const clients: Redis[] = [];
      return {
        store() {
          const client = connection.redis.duplicate();
          clients.push(client);
          return createRedisBreakerStore(client, { prefix: connection.prefix });
        },
        async listening(count) {
          const channel = `${connection.prefix}changes`;
          const subscribers = async () => ((await connection.redis.pubsub('NUMSUB', channel)) as [string, number])[1];
          await eventually(async () => (await subscribers()) >= count, `${count} subscriptions to ${channel}`);
        },
        async close() {
          for (const client of clients) client.disconnect();
          await connection.close();
        },
      };
    },
  },
];

function clock(start = 1_000_000) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}
type Clock = ReturnType<typeof clock>;

function warnings() {
  const seen: Array<{ deployment: unknown; message: string }> = [];
  return {
    logger: { warn: (object: object, message: string) => seen.push({ deployment: (object as { deployment?: unknown }).deployment, message }) },
    count: (word: string) => seen.filter((each) => each.message.includes(word)).length,
    seen,
  };
}

const baseOptions = (time: Clock, extra: BreakerOptions = {}): BreakerOptions => ({
  failureThreshold: 3,
  windowMs: 60_000,
  cooldownMs: 1_000,
  maxCooldownMs: 3_000,
  probeTimeoutMs: 60_000,
  syncIntervalMs: 0,
  now: time.now,
  ...extra,
});

const verdict = async (result: ReturnType<CircuitBreakers['check']>) => (result instanceof Promise ? await result : result);
const snapshotOf = (breakers: CircuitBreakers, deployment: string) => breakers.snapshot().find((entry) => entry.deployment === deployment);

async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (await condition()) return;
    await sleep(10);
  }
  assert.fail(`never happened: ${what}`);
}

async function failTimes(breakers: CircuitBreakers, deployment: string, times: number): Promise<void> {
  for (let index = 0; index < times; index++) breakers.record(deployment, false);
  await breakers.flush();
}

for (const backend of backends) {
  describe(`circuit breakers on ${backend.name}`, { skip: backend.skip }, () => {
    /** `count` replicas on one shared state, closed after the test; each replica's options may differ. */
    async function replicas(t: { after(fn: () => Promise<void>): void }, time: Clock, ...perReplica: BreakerOptions[]) {
      const shared = await backend.open();
      const sets = perReplica.map((extra) => createCircuitBreakers(shared.store(), baseOptions(time, extra)));
      t.after(async () => {
        for (const breakers of sets) await breakers.close();
        await shared.close();
      });
      await shared.listening(sets.length);
      return sets;
    }

    test('opens after the threshold of failures within the window; a success or a new window starts the count over', async (t) => {
      const time = clock();
      const log = warnings();
      const [breakers] = await replicas(t, time, { logger: log.logger });
      const one = breakers!;
      assert.equal(one.check('a'), 'closed', 'synchronous for a closed deployment');
      await failTimes(one, 'a', 2);
      assert.equal(snapshotOf(one, 'a')!.failures, 2);
      one.record('a', true);
      await one.flush();
      assert.equal(snapshotOf(one, 'a')!.failures, 0);
      one.record('a', false);
      one.record('a', true);
      await failTimes(one, 'a', 2);
      assert.equal(one.check('a'), 'closed', 'a success that follows before the store answers still resets the count');
      one.record('a', true);
      await failTimes(one, 'a', 2);
      time.advance(60_000);
      await failTimes(one, 'a', 2);
      assert.equal(one.check('a'), 'closed', 'two failures since the success, two in the new window');
      assert.equal(log.count('opened'), 0);
      await failTimes(one, 'a', 1);
      assert.equal(one.check('a'), 'open', 'synchronous while cooling down');
      assert.equal(one.check('other'), 'closed');
      assert.deepEqual(log.seen, [{ deployment: 'a', message: 'circuit breaker opened: deployment taken out of rotation' }]);
    });

    test('snapshot: every deployment seen, with its state, failures, times and openings', async (t) => {
      const time = clock();
      const [breakers] = await replicas(t, time, {});
      const one = breakers!;
      one.check('quiet');
      await failTimes(one, 'shaky', 2);
      const openedAt = time.now();
      await failTimes(one, 'down', 3);
      const byName = () => new Map(one.snapshot().map((entry) => [entry.deployment, entry]));
      assert.deepEqual(byName().get('quiet'), { deployment: 'quiet', state: 'closed', failures: 0, openedAt: null, reopensAt: null, opens: 0 });
      assert.deepEqual(byName().get('shaky'), { deployment: 'shaky', state: 'closed', failures: 2, openedAt: null, reopensAt: null, opens: 0 });
      assert.deepEqual(byName().get('down'), { deployment: 'down', state: 'open', failures: 0, openedAt, reopensAt: openedAt + 1_000, opens: 1 });
      time.advance(1_000);
      assert.equal(byName().get('down')!.state, 'half-open');
      time.advance(59_000);
      assert.equal(byName().get('shaky')!.failures, 0, 'the window has passed');
    });

    test('after the cool-down exactly one of 20 concurrent checks probes; the others see it open', async (t) => {
      const time = clock();
      const [breakers] = await replicas(t, time, {});
      const one = breakers!;
      await failTimes(one, 'b', 3);
      time.advance(999);
      assert.equal(one.check('b'), 'open');
      time.advance(1);
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => verdict(one.check('b'))));
      assert.equal(verdicts.filter((each) => each === 'probe').length, 1);
      assert.equal(verdicts.filter((each) => each === 'open').length, 19);
      assert.equal(await verdict(one.check('b')), 'open', 'while the probe is out');
    });

    test('the store elects one probe among 20 concurrent claims, holds it until released by its own token', async (t) => {
      const shared = await backend.open();
      t.after(() => shared.close());
      const store = shared.store();
      t.after(() => store.close());
      const now = 1_000_000;
      const open = { openedAt: now, reopensAt: now + 1_000, opens: 1 };
      const opened = await store.addFailure('s', { now, windowEnd: now + 60_000, threshold: 1, open });
      assert.deepEqual(opened, { failures: null, breaker: { version: 1, open }, opened: true });
      assert.equal((await store.claimProbe('s', 'early', 60_000, now + 999)).claimed, false, 'still cooling down');
      const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => store.claimProbe('s', `token-${index}`, 60_000, now + 1_000)));
      const winners = claims.flatMap((claim, index) => (claim.claimed ? [`token-${index}`] : []));
      assert.equal(winners.length, 1);
      await store.releaseProbe('s', 'not-the-winner');
      assert.equal((await store.claimProbe('s', 'other', 60_000, now + 1_000)).claimed, false, 'held by its token');
      await store.releaseProbe('s', winners[0]!);
      assert.equal((await store.claimProbe('s', 'other', 60_000, now + 1_000)).claimed, true, 'released');
      assert.equal((await store.claimProbe('closed', 'any', 60_000, now)).claimed, false, 'a closed breaker has no probe');
    });

    test('a failed probe opens it again for twice as long, up to the cap; a successful one closes it and starts over', async (t) => {
      const time = clock();
      const log = warnings();
      const [breakers] = await replicas(t, time, { logger: log.logger });
      const one = breakers!;
      await failTimes(one, 'c', 3);
      for (const [cooldown, opens] of [
        [2_000, 2],
        [3_000, 3],
        [3_000, 4],
      ] as const) {
        time.advance(snapshotOf(one, 'c')!.reopensAt! - time.now());
        assert.equal(await verdict(one.check('c')), 'probe');
        await failTimes(one, 'c', 1);
        const snapshot = snapshotOf(one, 'c')!;
        assert.deepEqual([snapshot.state, snapshot.openedAt, snapshot.reopensAt! - snapshot.openedAt!, snapshot.opens], ['open', time.now(), cooldown, opens]);
      }
      time.advance(3_000);
      assert.equal(await verdict(one.check('c')), 'probe');
      one.record('c', true);
      assert.equal(one.check('c'), 'closed', 'at once, before the store answers');
      await one.flush();
      assert.deepEqual(snapshotOf(one, 'c'), { deployment: 'c', state: 'closed', failures: 0, openedAt: null, reopensAt: null, opens: 0 });
      await failTimes(one, 'c', 3);
      const reopened = snapshotOf(one, 'c')!;
      assert.equal(reopened.reopensAt! - reopened.openedAt!, 1_000, 'the cool-down starts over');
      assert.equal(reopened.opens, 1);
      assert.equal(log.count('opened'), 5);
      assert.equal(log.count('closed'), 1);
    });

    test('a failure reported during the cool-down (a call already under way) does not extend it', async (t) => {
      const time = clock();
      const [breakers] = await replicas(t, time, {});
      const one = breakers!;
      await failTimes(one, 'late', 3);
      time.advance(500);
      await failTimes(one, 'late', 1);
      const snapshot = snapshotOf(one, 'late')!;
      assert.deepEqual([snapshot.opens, snapshot.reopensAt], [1, time.now() + 500]);
    });

    test('a probe given back, or one that never reports, lets another caller probe', async (t) => {
      const time = clock();
      const [breakers] = await replicas(t, time, { probeTimeoutMs: 50 });
      const one = breakers!;
      await failTimes(one, 'd', 3);
      time.advance(1_000);
      assert.equal(await verdict(one.check('d')), 'probe');
      one.cancelProbe('d');
      await one.flush();
      assert.equal(await verdict(one.check('d')), 'probe', 'given back');
      time.advance(49);
      assert.equal(one.check('d'), 'open', 'held until it lapses');
      time.advance(1);
      // The store's hold lapses on the injected clock in memory, on Redis's own clock (PX) on Redis.
      await eventually(async () => (await verdict(one.check('d'))) === 'probe', 'the lapsed probe is elected again');
    });

    test('two replicas: failures counted on both open it for both; one probe between them; its success closes both', async (t) => {
      const time = clock();
      const logs = [warnings(), warnings()];
      const [first, second] = await replicas(t, time, { logger: logs[0]!.logger }, { logger: logs[1]!.logger });
      const [one, two] = [first!, second!];
      await failTimes(one, 'e', 2);
      await failTimes(two, 'e', 1);
      assert.equal(two.check('e'), 'open', 'the replica that counted the third failure');
      await eventually(() => one.check('e') === 'open', 'the other replica hears of it');
      time.advance(1_000);
      const verdicts = await Promise.all(Array.from({ length: 20 }, (_, index) => verdict((index % 2 === 0 ? one : two).check('e'))));
      assert.equal(verdicts.filter((each) => each === 'probe').length, 1);
      const prober = verdicts.indexOf('probe') % 2 === 0 ? one : two;
      const other = prober === one ? two : one;
      assert.equal(await verdict(other.check('e')), 'open', 'the other replica is refused the probe');
      prober.record('e', true);
      await prober.flush();
      await eventually(() => other.check('e') === 'closed', 'the other replica closes too');
      assert.deepEqual(
        logs.map((log) => [log.count('opened'), log.count('closed')]).reduce(([opened, closed], [o, c]) => [opened! + o!, closed! + c!]),
        [1, 1],
        'each transition logged once, by the replica that made it',
      );
    });

    test('a replica with an old view of a breaker that has opened again does not open it again', async (t) => {
      const time = clock();
      const shared = await backend.open();
      const logs = [warnings(), warnings()];
      const one = createCircuitBreakers(shared.store(), baseOptions(time, { logger: logs[0]!.logger }));
      // Hears nothing and never refreshes: it knows only what the store answers to its own calls.
      const two = createCircuitBreakers({ ...shared.store(), subscribe: () => () => undefined }, baseOptions(time, { logger: logs[1]!.logger }));
      t.after(async () => {
        await one.close();
        await two.close();
        await shared.close();
      });
      await failTimes(one, 'f', 3);
      await failTimes(two, 'f', 1);
      assert.equal(two.check('f'), 'open', 'learnt from the answer of the store');
      time.advance(1_000);
      await failTimes(one, 'f', 1);
      const reopenedAt = time.now();
      time.advance(500);
      // The old view says half-open: the failure would open it again, but the store has moved on.
      await failTimes(two, 'f', 1);
      for (const replica of [one, two]) {
        const snapshot = snapshotOf(replica, 'f')!;
        assert.deepEqual([snapshot.state, snapshot.openedAt, snapshot.reopensAt, snapshot.opens], ['open', reopenedAt, reopenedAt + 2_000, 2]);
      }
      assert.deepEqual(
        logs.map((log) => log.count('opened')),
        [2, 0],
      );
    });

    test('a replica that misses the announcements catches up on its refresh, and its successes reset the shared count', async (t) => {
      const time = clock();
      const shared = await backend.open();
      const deaf: BreakerStore = { ...shared.store(), subscribe: () => () => undefined };
      const one = createCircuitBreakers(shared.store(), baseOptions(time));
      const two = createCircuitBreakers(deaf, baseOptions(time, { syncIntervalMs: 10 }));
      t.after(async () => {
        await one.close();
        await two.close();
        await shared.close();
      });
      await failTimes(one, 'g', 2);
      await eventually(() => snapshotOf(two, 'g')?.failures === 2, 'the count reaches the other replica');
      two.record('g', true);
      await two.flush();
      await failTimes(one, 'g', 2);
      assert.equal(one.check('g'), 'closed', 'the other replica reset the count');
      await failTimes(one, 'g', 1);
      assert.equal(one.check('g'), 'open');
      await eventually(() => two.check('g') === 'open', 'opened, seen on refresh');
      time.advance(1_000);
      assert.equal(await verdict(one.check('g')), 'probe');
      one.record('g', true);
      await one.flush();
      await eventually(() => two.check('g') === 'closed', 'closed, seen on refresh');
    });
  });
}
