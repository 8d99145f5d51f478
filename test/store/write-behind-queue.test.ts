// The batching and failure policy, against a fake database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteBehindQueue, type WriteBehindQueueOptions } from '../../src/store/write-behind-queue.js';

type LogLine = { level: 'warn' | 'error'; obj: object; msg: string | undefined };

/** A database that stores numbers, can be taken down, refuses negative numbers, and can hold a write open. */
function fakeDatabase() {
  const state = {
    rows: [] as number[],
    batches: [] as number[][],
    down: false,
    gate: undefined as Promise<void> | undefined,
    logs: [] as LogLine[],
  };
  const check = (items: readonly number[]) => {
    if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    if (items.some((item) => item < 0)) throw new Error('value out of range');
  };
  const options: WriteBehindQueueOptions<number> = {
    name: 'test log',
    async writeBatch(items) {
      state.batches.push([...items]);
      await state.gate;
      check(items);
      state.rows.push(...items);
    },
    async writeOne(item) {
      check([item]);
      state.rows.push(item);
    },
    async probe() {
      if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    },
    describeItem: (item) => ({ item }),
    logger: {
      warn: (obj, msg) => void state.logs.push({ level: 'warn', obj, msg }),
      error: (obj, msg) => void state.logs.push({ level: 'error', obj, msg }),
    },
    batchSize: 4,
    flushIntervalMs: 5,
    maxRetryDelayMs: 20,
  };
  return { state, options };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);

test('writes in order, in batches of batchSize', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue(options);
  for (const item of range(0, 10)) queue.push(item);
  await queue.flush();
  assert.deepEqual(state.rows, range(0, 10));
  assert.deepEqual(state.batches, [range(0, 4), range(4, 8), range(8, 10)]);
  assert.equal(queue.pending, 0);
  await queue.close();
});

test('keeps everything during an outage, rejects flush(), and writes it all in order afterwards', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue(options);
  state.down = true;
  for (const item of range(0, 6)) queue.push(item);
  await assert.rejects(queue.flush(), /test log: 6 entries are not written yet; they stay queued and will be retried: connect ECONNREFUSED/);
  assert.equal(queue.pending, 6);
  for (const item of range(6, 8)) queue.push(item);
  state.down = false;
  await queue.flush();
  assert.deepEqual(state.rows, range(0, 8));
  assert.ok(state.logs.some((line) => line.level === 'warn' && /writing again/.test(line.msg ?? '')));
  await queue.close();
});

test('drops only the item the database refuses, and logs which', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue(options);
  for (const item of [1, 2, -3, 4, 5]) queue.push(item);
  await queue.flush();
  assert.deepEqual(state.rows, [1, 2, 4, 5]);
  const refused = state.logs.filter((line) => /refused an entry/.test(line.msg ?? ''));
  assert.deepEqual(
    refused.map((line) => (line.obj as { item: number }).item),
    [-3],
  );
  await queue.close();
});

test('past maxPending, drops the oldest queued items but not the batch in flight', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue({ ...options, maxPending: 3 });
  let open: () => void = () => undefined;
  state.gate = new Promise<void>((resolve) => (open = resolve));
  for (const item of range(0, 3)) queue.push(item);
  const flushed = queue.flush();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(state.batches, [range(0, 3)], 'the first batch is in flight');
  for (const item of range(3, 11)) queue.push(item);
  assert.equal(queue.pending, 3 + 3);
  open();
  await flushed;
  await queue.flush();
  assert.deepEqual(state.rows, [0, 1, 2, 8, 9, 10]);
  const dropping = state.logs.filter((line) => /dropping the oldest/.test(line.msg ?? ''));
  assert.equal(dropping.length, 1, 'logged when dropping starts, not per item');
  assert.ok(state.logs.some((line) => (line.obj as { dropped?: number }).dropped === 5));
  await queue.close();
});

test('a failed batch that comes back over maxPending drops its oldest items', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue({ ...options, maxPending: 4 });
  state.down = true;
  let open: () => void = () => undefined;
  state.gate = new Promise<void>((resolve) => (open = resolve));
  for (const item of range(0, 4)) queue.push(item);
  const flushed = queue.flush();
  await new Promise((resolve) => setImmediate(resolve));
  for (const item of range(4, 7)) queue.push(item);
  open();
  await assert.rejects(flushed);
  assert.equal(queue.pending, 4);
  state.down = false;
  state.gate = undefined;
  await queue.flush();
  assert.deepEqual(state.rows, [3, 4, 5, 6]);
  await queue.close();
});

test('flush() resolves for what was pushed before it, without waiting for later pushes', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue(options);
  queue.push(1);
  queue.push(2);
  queue.push(3);
  const first = queue.flush();
  queue.push(4);
  await first;
  assert.deepEqual(state.rows, [1, 2, 3]);
  await queue.close();
  assert.deepEqual(state.rows, [1, 2, 3, 4]);
});

test('writes on its own after flushIntervalMs', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue(options);
  queue.push(1);
  queue.push(2);
  assert.deepEqual(state.batches, []);
  const deadline = Date.now() + 10_000;
  while (state.rows.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.deepEqual(state.batches, [[1, 2]]);
  await queue.close();
});

test('retries on its own after an outage, without flush()', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue(options);
  state.down = true;
  queue.push(1);
  const deadline = Date.now() + 10_000;
  while (state.batches.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(state.batches.length >= 2, 'retried');
  state.down = false;
  while (state.rows.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.deepEqual(state.rows, [1]);
  await queue.close();
});

test('close() gives up on an unreachable database, logs what is lost, and later pushes are dropped', async () => {
  const { state, options } = fakeDatabase();
  const queue = new WriteBehindQueue(options);
  state.down = true;
  queue.push(1);
  queue.push(2);
  await queue.close();
  assert.ok(state.logs.some((line) => /lost/.test(line.msg ?? '') && (line.obj as { lost?: number }).lost === 2));
  const before = state.batches.length;
  queue.push(3);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(state.batches.length, before, 'no timer left running after close');
});

test('push() survives a logger that throws', async () => {
  const { options } = fakeDatabase();
  const throwing = () => {
    throw new Error('logger broke');
  };
  const queue = new WriteBehindQueue({ ...options, maxPending: 1, logger: { warn: throwing, error: throwing } });
  await queue.close();
  assert.doesNotThrow(() => queue.push(1));
});
