// The coalescing of API key "last used" writes, with a recording writer and node's mock timers.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { setImmediate as settled } from 'node:timers/promises';
import { ApiKeyTouches } from '../../src/store/api-key-touches.js';

const interval = 60_000;

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

function recorder(options: { fail?: boolean } = {}) {
  const writes: Record<string, number>[] = [];
  const lines: { msg: string | undefined; obj: object }[] = [];
  const logger = { lines, warn: (obj: object, msg?: string) => void lines.push({ obj, msg }), error: () => assert.fail('no errors') };
  const touches = new ApiKeyTouches({
    intervalMs: interval,
    logger,
    write: async (batch) => {
      writes.push(Object.fromEntries(batch));
      if (options.fail === true) throw new Error('database is away');
    },
  });
  return { touches, writes, logger };
}

const at = (ms: number) => new Date(ms);

test('the first use is written at once; later uses in the interval wait for its end, latest wins', async () => {
  const { touches, writes } = recorder();
  await touches.touch('a', at(1_000));
  assert.deepEqual(writes, [{ a: 1_000 }]);
  await touches.touch('a', at(5_000));
  await touches.touch('a', at(3_000));
  mock.timers.tick(interval - 1);
  await settled();
  assert.deepEqual(writes, [{ a: 1_000 }]);
  mock.timers.tick(1);
  await settled();
  assert.deepEqual(writes, [{ a: 1_000 }, { a: 5_000 }]);
  // That write opened a new interval: the next use waits again.
  await touches.touch('a', at(70_000));
  assert.equal(writes.length, 2);
  mock.timers.tick(interval);
  await settled();
  assert.deepEqual(writes.at(-1), { a: 70_000 });
});

test('an interval without further uses ends without a write; the next use is written at once', async () => {
  const { touches, writes } = recorder();
  await touches.touch('a', at(1_000));
  mock.timers.tick(interval);
  await settled();
  assert.deepEqual(writes, [{ a: 1_000 }]);
  mock.timers.tick(interval * 3);
  await touches.touch('a', at(200_000));
  assert.deepEqual(writes, [{ a: 1_000 }, { a: 200_000 }]);
});

test('keys have intervals of their own', async () => {
  const { touches, writes } = recorder();
  await touches.touch('a', at(1_000));
  mock.timers.tick(30_000);
  await touches.touch('b', at(31_000));
  await touches.touch('a', at(32_000));
  await touches.touch('b', at(33_000));
  mock.timers.tick(30_000);
  await settled();
  assert.deepEqual(writes, [{ a: 1_000 }, { b: 31_000 }, { a: 32_000 }]);
  mock.timers.tick(30_000);
  await settled();
  assert.deepEqual(writes.at(-1), { b: 33_000 });
});

test('close() writes every held-back use in one batch, and later touches are ignored', async () => {
  const { touches, writes } = recorder();
  await touches.touch('a', at(1_000));
  await touches.touch('b', at(2_000));
  await touches.touch('c', at(3_000));
  await touches.touch('a', at(4_000));
  await touches.touch('b', at(5_000));
  await touches.close();
  assert.deepEqual(writes.at(-1), { a: 4_000, b: 5_000 });
  assert.equal(writes.length, 4);
  await touches.touch('d', at(6_000));
  mock.timers.tick(interval);
  await settled();
  assert.equal(writes.length, 4);
});

test('a failed write is logged, not thrown', async () => {
  const { touches, writes, logger } = recorder({ fail: true });
  await assert.doesNotReject(touches.touch('a', at(1_000)));
  await touches.touch('a', at(2_000));
  await assert.doesNotReject(touches.close());
  assert.equal(writes.length, 2);
  assert.equal(logger.lines.length, 2);
  assert.match(logger.lines[0]!.msg ?? '', /recording API key use failed/);
  assert.doesNotMatch(JSON.stringify(logger.lines), /"a"/, 'no key ids in the log');
});
