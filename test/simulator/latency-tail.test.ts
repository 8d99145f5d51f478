// The simulator's first-token wait and long tail (firstTokenMs, tailRatio, tailMs, seed): which requests draw the
// tail is repeatable from the seed and counted in /_sim/stats; a JSON answer waits before its headers, a stream
// after its headers and before its first chunk. Delays go through injected timers, so every check is about the
// order of events, never about how long anything took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELP, parseCliOptions, wantsHelp } from '../../src/simulator/cli-options.js';
import {
  createTailDraw,
  mulberry32,
  startSimulator,
  type SimulatorHandle,
  type SimulatorStats,
  type SimulatorTimers,
} from '../../src/simulator/simulator.js';
import { OPENAI_HEADERS, post } from './helpers.js';

// A safety net, not a measurement: a wrong order would otherwise leave a test waiting for an event that never comes.
const HANG = { timeout: 30_000 };

type PendingSleep = { milliseconds: number; release(): void };

/** Every sleep waits until the test releases it; the test takes them in the order they were asked for. */
class ManualTimers implements SimulatorTimers {
  private readonly asked: PendingSleep[] = [];
  private waiter: ((sleep: PendingSleep) => void) | undefined;

  sleep(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const sleep = { milliseconds, release: () => resolve() };
      const waiter = this.waiter;
      this.waiter = undefined;
      if (waiter === undefined) this.asked.push(sleep);
      else waiter(sleep);
    });
  }

  clear(): void {}

  next(): Promise<PendingSleep> {
    const sleep = this.asked.shift();
    return sleep === undefined ? new Promise((resolve) => (this.waiter = resolve)) : Promise.resolve(sleep);
  }

  get unclaimed(): number {
    return this.asked.length;
  }
}

/** Sleeps end at once; their lengths are kept, in order. */
class RecordingTimers implements SimulatorTimers {
  readonly slept: number[] = [];

  sleep(milliseconds: number): Promise<void> {
    this.slept.push(milliseconds);
    return Promise.resolve();
  }

  clear(): void {}

  take(): number[] {
    return this.slept.splice(0);
  }
}

const chat = (content: string, stream: boolean) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...(stream ? { stream: true } : {}) });

function ask(sim: SimulatorHandle, stream: boolean, content = 'Hello'): Promise<Response> {
  return post(`${sim.url}/v1/chat/completions`, chat(content, stream), OPENAI_HEADERS);
}

/**
 * A full round trip through the simulator on another connection: whatever a request had already written before
 * asking for its sleep has been handled by the time this returns.
 */
async function adminStats(sim: SimulatorHandle): Promise<SimulatorStats> {
  return (await (await fetch(`${sim.url}/_sim/stats`)).json()) as SimulatorStats;
}

function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

test('mulberry32: the same seed draws the same numbers in [0, 1), another seed others', () => {
  const first = Array.from({ length: 100 }, mulberry32(42));
  assert.deepEqual(Array.from({ length: 100 }, mulberry32(42)), first);
  assert.notDeepEqual(Array.from({ length: 100 }, mulberry32(43)), first);
  assert.ok(first.every((value) => value >= 0 && value < 1));
});

test('a seeded tail: each request waits what the seeded draw predicts, and /_sim/stats counts the tail', async () => {
  const options = { firstTokenMs: 10, tailRatio: 0.5, tailMs: 300, seed: 42 };
  const timers = new RecordingTimers();
  const sim = await startSimulator({ ...options, timers });
  try {
    const draw = createTailDraw(options);
    const expected = Array.from({ length: 40 }, draw);
    const tails = expected.filter((extra) => extra > 0).length;
    // A ratio of 0.5 over 40 draws: neither none nor all, or the check below could not tell requests apart.
    assert.ok(tails > 0 && tails < 40, `${tails} of 40 drew the tail`);
    for (let index = 0; index < 40; index++) {
      // Half JSON, half streams: both take one first-token wait, the base plus the tail when drawn.
      const response = await ask(sim, index % 2 === 1);
      assert.equal(response.status, 200);
      await response.text();
      assert.deepEqual(timers.take(), [10 + expected[index]!], `request ${index}`);
    }
    assert.equal((await adminStats(sim)).tailDelayed, tails);
    assert.equal(sim.stats().tailDelayed, tails);
  } finally {
    await sim.close();
  }
});

test('JSON: the latency, a latency fault, the first-token wait and the tail all come before the headers', HANG, async () => {
  const timers = new ManualTimers();
  const sim = await startSimulator({ latencyMs: 5, firstTokenMs: 20, tailRatio: 1, tailMs: 300, timers });
  try {
    const pending = ask(sim, false, 'Hello [sim:fault=latency:7]');
    const answered = settledFlag(pending);
    const sleep = await timers.next();
    assert.equal(sleep.milliseconds, 5 + 7 + 20 + 300);
    assert.equal((await adminStats(sim)).tailDelayed, 1);
    assert.equal(answered.settled, false, 'no headers while the wait is pending');
    sleep.release();
    const response = await pending;
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content, 'Simulated answer to: Hello');
    assert.equal(timers.unclaimed, 0);
  } finally {
    await sim.close();
  }
});

test('stream: the headers come first, then the first-token wait, the tail and a slow-first-token fault, then the first chunk', HANG, async () => {
  const timers = new ManualTimers();
  const sim = await startSimulator({ latencyMs: 5, firstTokenMs: 20, tailRatio: 1, tailMs: 300, timers });
  try {
    sim.inject({ kind: 'latency', delayMs: 7 });
    const pending = ask(sim, true, 'Hello [sim:fault=slow-first-token:9]');
    const answered = settledFlag(pending);
    const beforeHeaders = await timers.next();
    assert.equal(beforeHeaders.milliseconds, 5 + 7);
    await adminStats(sim);
    assert.equal(answered.settled, false, 'no headers during the latency');
    beforeHeaders.release();

    const firstToken = await timers.next();
    assert.equal(firstToken.milliseconds, 20 + 300 + 9);
    // The headers arrive while the first-token wait is still pending.
    const response = await pending;
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = response.body!.getReader();
    const firstRead = reader.read();
    const chunkArrived = settledFlag(firstRead);
    assert.equal((await adminStats(sim)).tailDelayed, 1);
    assert.equal(chunkArrived.settled, false, 'no chunk while the wait is pending');
    firstToken.release();
    const first = new TextDecoder().decode((await firstRead).value);
    assert.match(first, /^data: \{.*"role":"assistant"/);

    let all = first;
    for (let read = await reader.read(); !read.done; read = await reader.read()) all += new TextDecoder().decode(read.value);
    assert.match(all, /data: \[DONE\]\n\n$/);
    assert.equal(timers.unclaimed, 0, 'the tail delays the first chunk only');
  } finally {
    await sim.close();
  }
});

test('without a first-token wait or a tail no timer is asked for and nothing is drawn', async () => {
  const timers = new RecordingTimers();
  const sim = await startSimulator({ tailRatio: 0.5, seed: 1, timers });
  try {
    for (const stream of [false, true]) await (await ask(sim, stream)).text();
    assert.deepEqual(timers.slept, []);
    assert.equal((await adminStats(sim)).tailDelayed, 0);
  } finally {
    await sim.close();
  }
});

test('the CLI flags and --help; a ratio out of range refused by the CLI and in process', async () => {
  const parsed = parseCliOptions(['--first-token-ms', '50', '--tail-ratio', '0.05', '--tail-ms', '400', '--seed', '7']);
  assert.deepEqual(
    { firstTokenMs: parsed.firstTokenMs, tailRatio: parsed.tailRatio, tailMs: parsed.tailMs, seed: parsed.seed },
    { firstTokenMs: 50, tailRatio: 0.05, tailMs: 400, seed: 7 },
  );
  assert.throws(() => parseCliOptions(['--tail-ratio', '1.5']), /--tail-ratio must be between 0 and 1/);
  assert.throws(() => parseCliOptions(['--seed', '1.5']), /--seed must be a non-negative integer/);
  await assert.rejects(startSimulator({ tailRatio: -0.1, tailMs: 10 }), /tailRatio must be between 0 and 1/);
  assert.equal(wantsHelp(['--port', '1', '--help']), true);
  assert.equal(wantsHelp(['--port', '1']), false);
  for (const flag of ['--first-token-ms', '--tail-ratio', '--tail-ms', '--seed', 'tailDelayed']) assert.ok(HELP.includes(flag), flag);
});
