// The simulator's long tail (tailRatio, tailMs, seed): which requests draw it is repeatable from the seed, the
// stats count them, and the delay comes before a JSON answer and before a stream's first chunk (after its headers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { parseCliOptions } from '../../src/simulator/cli-options.js';
import { mulberry32, startSimulator } from '../../src/simulator/simulator.js';
import { OPENAI_HEADERS, post } from './helpers.js';

const chat = (stream: boolean) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], ...(stream ? { stream: true } : {}) });

test('a seeded tail: the requests that draw it are the ones the generator predicts, and the stats count them', async () => {
  const sim = await startSimulator({ tailRatio: 0.5, tailMs: 30, seed: 42 });
  try {
    const draws = mulberry32(42);
    const expected = Array.from({ length: 40 }, () => draws() < 0.5);
    const slow: boolean[] = [];
    for (let index = 0; index < 40; index++) {
      const started = performance.now();
      const response = await post(`${sim.url}/v1/chat/completions`, chat(false), OPENAI_HEADERS);
      await response.json();
      slow.push(performance.now() - started >= 30);
    }
    // Every predicted tail request waited at least the tail (a lower bound: never flaky).
    expected.forEach((tail, index) => {
      if (tail) assert.ok(slow[index], `request ${index} drew the tail`);
    });
    assert.equal(sim.stats().tailDelayed, expected.filter(Boolean).length);
    assert.ok(sim.stats().tailDelayed > 5 && sim.stats().tailDelayed < 35);
  } finally {
    await sim.close();
  }
});

test('on a stream the tail comes after the headers, before the first chunk', async () => {
  const sim = await startSimulator({ tailRatio: 1, tailMs: 60 });
  try {
    const started = performance.now();
    const response = await post(`${sim.url}/v1/chat/completions`, chat(true), OPENAI_HEADERS);
    const headersAt = performance.now() - started;
    const reader = response.body!.getReader();
    await reader.read();
    const firstChunkAt = performance.now() - started;
    while (!(await reader.read()).done) {
      // drain
    }
    assert.ok(firstChunkAt >= 60, `first chunk after ${firstChunkAt} ms`);
    assert.ok(firstChunkAt - headersAt >= 50, 'the headers came before the wait');
    assert.equal(sim.stats().tailDelayed, 1);
  } finally {
    await sim.close();
  }
});

test('the CLI flags, and a ratio out of range refused', () => {
  assert.deepEqual(
    (({ tailRatio, tailMs, seed }) => ({ tailRatio, tailMs, seed }))(parseCliOptions(['--tail-ratio', '0.05', '--tail-ms', '400', '--seed', '7'])),
    { tailRatio: 0.05, tailMs: 400, seed: 7 },
  );
  assert.throws(() => parseCliOptions(['--tail-ratio', '1.5']), /--tail-ratio must be between 0 and 1/);
});
