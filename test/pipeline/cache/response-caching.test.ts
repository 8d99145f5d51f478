// The recorder of the response cache: what an attempt's answer becomes in the store, and what is never kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamPart } from '../../../src/core/chat.js';
import { CacheRecorder, type ResponseCaching } from '../../../src/pipeline/cache/response-caching.js';
import { createMemoryResponseCache } from '../../../src/state/memory/memory-response-cache.js';
import { createLogger } from '../../../src/observability/logger.js';

const origin = { provider: 'openai', model: 'openai/gpt-4o-mini', deployment: 'openai/gpt-4o-mini' };
const spec = { endpoint: 'openai.chat', replay: async () => undefined };

/** The store takes entries up to 64 KiB whatever the recorder's own bound, so each bound is tested alone. */
function caching(maxEntryBytes: number): ResponseCaching {
  return {
    store: createMemoryResponseCache({ maxBytes: 1024 * 1024, maxEntryBytes: 64 * 1024 }),
    ttlMs: 60_000,
    shared: false,
    maxTemperature: 0,
    maxEntryBytes,
    logger: createLogger('silent'),
  };
}

function stream(text: string): StreamPart[] {
  return [
    { type: 'start', id: 'x', model: 'gpt-4o-mini' },
    { type: 'text-delta', text },
    { type: 'finish', reason: { unified: 'stop', raw: 'stop' } },
    { type: 'usage', usage: { input: { total: 3, cacheRead: 0, cacheWrite: 0 }, output: { total: 5, reasoning: 0 } } },
  ];
}

async function drain(parts: AsyncIterable<StreamPart>): Promise<number> {
  let count = 0;
  for await (const _part of parts) count += 1;
  return count;
}

async function* from(parts: StreamPart[]): AsyncGenerator<StreamPart> {
  yield* parts;
}

test('a complete stream is stored as its neutral result, every part passed on', async () => {
  const cache = caching(64 * 1024);
  const recorder = new CacheRecorder(cache, 'k', spec, origin, true);
  assert.equal(await drain(recorder.tapParts(from(stream('Hello there')))), 4);
  const entry = await cache.store.get('k');
  const answer = JSON.parse(entry!.value);
  assert.equal(answer.kind, 'chat');
  assert.equal(answer.result.choices[0].message.content, 'Hello there');
  assert.deepEqual(answer.origin, origin);
});

test('a stream longer than maxEntryBytes is passed on whole and not kept (nor held while it passes)', async () => {
  const cache = caching(1024);
  const recorder = new CacheRecorder(cache, 'k', spec, origin, true);
  assert.equal(await drain(recorder.tapParts(from(stream('x'.repeat(5000))))), 4);
  assert.equal(await cache.store.get('k'), undefined);
});

test('a stream the client left (iteration stopped) is not stored', async () => {
  const cache = caching(64 * 1024);
  const recorder = new CacheRecorder(cache, 'k', spec, origin, true);
  for await (const part of recorder.tapParts(from(stream('Hello')))) if (part.type === 'text-delta') break;
  assert.equal(await cache.store.get('k'), undefined);
});

test('an answer with an error finish is not stored', async () => {
  const cache = caching(64 * 1024);
  const recorder = new CacheRecorder(cache, 'k', spec, origin, false);
  recorder.chat({ model: 'm', choices: [{ index: 0, message: { content: 'x' }, finish: { unified: 'error', raw: null } }], usage: { input: { total: 1, cacheRead: 0, cacheWrite: 0 }, output: { total: 1, reasoning: 0 } } });
  assert.equal(await cache.store.get('k'), undefined);
});
