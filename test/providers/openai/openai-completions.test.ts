import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { presets } from '../../../src/providers/compatible/presets.js';
import { jsonHeaders, sseHeaders } from '../../helpers/replay-server.js';
import { callContext, collect, joined } from '../adapter-calls.js';
import { chunkLines, fixture, startTestUpstream, toSse, type TestUpstream } from './openai-test-server.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startTestUpstream();
});
after(() => upstream.close());

test('complete sends a legacy /completions body and puts the text in the message', async () => {
  upstream.reply({ body: fixture('openai-completion-text.json'), headers: jsonHeaders });
  const adapter = upstream.adapter();
  assert.ok(adapter.complete);
  const result = await adapter.complete(
    { model: 'gpt-3.5-turbo-instruct', prompt: ['Invent a holiday'], stream: false, maxTokens: 16, stop: ['\n'], n: 1 },
    callContext(),
  );
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.path, '/v1/completions');
  assert.deepEqual(sent.body, { model: 'gpt-3.5-turbo-instruct', prompt: 'Invent a holiday', max_tokens: 16, stop: ['\n'], n: 1 });
  assert.equal(result.id, 'cmpl-D8ZFHlGItjM5Nghki1LmZIRscBz2P');
  assert.equal(result.choices[0]!.message.content, 'The new holiday is called "Gratitude Day" and it celebrates the importance of');
  assert.deepEqual(result.choices[0]!.finish, { unified: 'length', raw: 'length' });
  assert.deepEqual(result.usage, { input: { total: 14, cacheRead: 0, cacheWrite: 0 }, output: { total: 16, reasoning: 0 } });
});

test('streamComplete turns the recorded text_completion stream into parts', async () => {
  upstream.reply({ headers: sseHeaders, body: toSse(chunkLines(fixture('openai-completion-text.chunks.txt'))) });
  const adapter = upstream.adapter();
  const parts = await collect(
    await adapter.streamComplete!({ model: 'gpt-3.5-turbo-instruct', prompt: ['a', 'b'], stream: true }, callContext()),
  );
  assert.deepEqual(upstream.requests.at(-1)!.body, {
    model: 'gpt-3.5-turbo-instruct',
    prompt: ['a', 'b'],
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.equal(joined(parts, 'text-delta'), 'The holiday is called "Gratitude Day" and it is a day dedicated to');
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', reason: { unified: 'length', raw: 'length' } },
    { type: 'usage', usage: { input: { total: 14, cacheRead: 0, cacheWrite: 0 }, output: { total: 16, reasoning: 0 } } },
  ]);
});

test('presets without /completions leave complete out, for the pipeline to translate', () => {
  assert.equal(upstream.adapter({ preset: presets.groq }).complete, undefined);
  assert.equal(upstream.adapter({ preset: presets.groq }).streamComplete, undefined);
  assert.equal(typeof upstream.adapter({ preset: presets.together }).complete, 'function');
});
