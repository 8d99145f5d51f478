// Neutral stream parts → streamGenerateContent chunks, read back with the Gemini provider's own stream parser:
// the parts a Gemini client decodes are the parts the upstream produced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamPart, Usage } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import type { SseEvent } from '../../../src/providers/shared/sse.js';
import { transformGeminiStream } from '../../../src/providers/gemini/gemini-stream-transform.js';
import { GeminiStreamEncoder, type GeminiStreamFraming } from '../../../src/surfaces/gemini/gemini-stream-encoder.js';

const identity = { modelVersion: 'gpt-4o-mini', responseId: 'req-1' };
const usage: Usage = { input: { total: 12, cacheRead: 4, cacheWrite: 0 }, output: { total: 9, reasoning: 3 } };

function encodeAll(parts: StreamPart[], framing: GeminiStreamFraming = 'sse', includeThoughts = false): string {
  const encoder = new GeminiStreamEncoder(identity, framing, includeThoughts);
  return parts.map((part) => encoder.encode(part)).join('') + encoder.end();
}

/** SSE text → the JSON chunks, split as @google/genai splits them (blank-line delimited `data:` events). */
function sseChunks(text: string): Array<Record<string, any>> {
  assert.ok(text.endsWith('\r\n\r\n'));
  return text
    .split('\r\n\r\n')
    .filter((event) => event !== '')
    .map((event) => {
      assert.ok(event.startsWith('data: '), event);
      return JSON.parse(event.slice('data: '.length));
    });
}

async function decodeWithProvider(text: string): Promise<StreamPart[]> {
  async function* events(): AsyncGenerator<SseEvent> {
    for (const chunk of sseChunks(text)) yield { event: undefined, data: JSON.stringify(chunk) };
  }
  const parts: StreamPart[] = [];
  for await (const part of transformGeminiStream('gemini', events())) parts.push(part);
  return parts;
}

test('text deltas go out as they come; the last chunk has finishReason and usage', async () => {
  const text = encodeAll([
    { type: 'start', id: 'x', model: 'gpt-4o-mini' },
    { type: 'text-delta', text: 'Hello' },
    { type: 'text-delta', text: '' },
    { type: 'text-delta', text: ' world' },
    { type: 'finish', reason: { unified: 'stop', raw: 'stop' } },
    { type: 'usage', usage },
  ]);
  const chunks = sseChunks(text);
  assert.equal(chunks.length, 3);
  assert.deepEqual(chunks[0], {
    candidates: [{ content: { parts: [{ text: 'Hello' }], role: 'model' }, index: 0 }],
    modelVersion: 'gpt-4o-mini',
    responseId: 'req-1',
  });
  assert.deepEqual(chunks[2]!.candidates, [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }]);
  assert.deepEqual(chunks[2]!.usageMetadata, {
    promptTokenCount: 12, candidatesTokenCount: 6, totalTokenCount: 21, cachedContentTokenCount: 4, thoughtsTokenCount: 3,
  });
  assert.deepEqual(await decodeWithProvider(text), [
    { type: 'start', id: 'req-1', model: 'gpt-4o-mini' },
    { type: 'text-delta', text: 'Hello' },
    { type: 'text-delta', text: ' world' },
    { type: 'usage', usage },
    { type: 'finish', reason: { unified: 'stop', raw: 'STOP' } },
  ]);
});

test('tool-call deltas are gathered and each call goes out whole, in index order', async () => {
  const text = encodeAll([
    { type: 'text-delta', text: 'Let me check.' },
    { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
    { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
    { type: 'tool-call-delta', index: 1, argumentsDelta: '' },
    { type: 'usage', usage },
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
  ]);
  const chunks = sseChunks(text);
  assert.equal(chunks.length, 2);
  assert.deepEqual(chunks[1]!.candidates[0].content.parts, [
    { functionCall: { id: 'call_a', name: 'get_weather', args: { city: 'Paris' } } },
    { functionCall: { id: 'call_b', name: 'get_time', args: {} } },
  ]);
  assert.equal(chunks[1]!.candidates[0].finishReason, 'STOP');
  const decoded = await decodeWithProvider(text);
  assert.deepEqual(decoded.filter((part) => part.type.startsWith('tool-call')), [
    { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
    { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
    { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
  ]);
  assert.deepEqual(decoded.at(-1), { type: 'finish', reason: { unified: 'tool_calls', raw: 'STOP' } });
});

test('a call followed by text goes out before that text', () => {
  const chunks = sseChunks(
    encodeAll([
      { type: 'tool-call-start', index: 0, id: 'c', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
      { type: 'text-delta', text: 'after' },
      { type: 'finish', reason: { unified: 'tool_calls', raw: null } },
    ]),
  );
  assert.deepEqual(chunks[0]!.candidates[0].content.parts, [{ functionCall: { id: 'c', name: 'f', args: {} } }, { text: 'after' }]);
  assert.deepEqual(chunks[1]!.candidates[0].content.parts, [{ text: '' }]);
  assert.equal(chunks[1]!.usageMetadata, undefined, 'no usage part, no usageMetadata');
});

test('reasoning goes out as thought parts only when includeThoughts was asked for', () => {
  const parts: StreamPart[] = [
    { type: 'reasoning-delta', text: 'hmm' },
    { type: 'text-delta', text: 'A' },
    { type: 'finish', reason: { unified: 'stop', raw: null } },
  ];
  assert.deepEqual(sseChunks(encodeAll(parts, 'sse', true))[0]!.candidates[0].content.parts, [{ text: 'hmm', thought: true }]);
  assert.deepEqual(sseChunks(encodeAll(parts, 'sse', false))[0]!.candidates[0].content.parts, [{ text: 'A' }]);
});

test('several candidates each get their index and finishReason', () => {
  const chunks = sseChunks(
    encodeAll([
      { type: 'text-delta', text: 'one' },
      { type: 'text-delta', text: 'two', choice: 1 },
      { type: 'finish', reason: { unified: 'stop', raw: null } },
      { type: 'finish', reason: { unified: 'length', raw: 'length' }, choice: 1 },
    ]),
  );
  assert.deepEqual(chunks[1]!.candidates[0].index, 1);
  assert.deepEqual(
    chunks.at(-1)!.candidates.map((candidate: { index: number; finishReason: string }) => [candidate.index, candidate.finishReason]),
    [[0, 'STOP'], [1, 'MAX_TOKENS']],
  );
});

test('a malformed call is left out and the stream ends MALFORMED_FUNCTION_CALL', () => {
  const chunks = sseChunks(
    encodeAll([
      { type: 'tool-call-start', index: 0, id: 'c', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a": tru' },
      { type: 'finish', reason: { unified: 'tool_calls', raw: null } },
    ]),
  );
  assert.equal(chunks.length, 1);
  assert.deepEqual(chunks[0]!.candidates[0].content.parts, [{ text: '' }]);
  assert.equal(chunks[0]!.candidates[0].finishReason, 'MALFORMED_FUNCTION_CALL');
});

test('without alt=sse the chunks form one JSON array, also when it ends with an error', () => {
  const parts: StreamPart[] = [
    { type: 'text-delta', text: 'a' },
    { type: 'text-delta', text: 'b' },
    { type: 'finish', reason: { unified: 'stop', raw: null } },
  ];
  const array = JSON.parse(encodeAll(parts, 'json-array')) as Array<Record<string, any>>;
  assert.equal(array.length, 3);
  assert.equal(array[2]!.candidates[0].finishReason, 'STOP');

  const encoder = new GeminiStreamEncoder(identity, 'json-array', false);
  const broken = encoder.encode({ type: 'text-delta', text: 'a' }) + encoder.error({ error: { code: 503 } });
  assert.deepEqual((JSON.parse(broken) as unknown[]).at(-1), { error: { code: 503 } });
  const early = new GeminiStreamEncoder(identity, 'json-array', false);
  assert.deepEqual(JSON.parse(early.error({ error: { code: 502 } })), [{ error: { code: 502 } }]);
});

test('the SSE error chunk is what the provider parser (and the SDK) raise on', async () => {
  const encoder = new GeminiStreamEncoder(identity, 'sse', false);
  const text = encoder.encode({ type: 'text-delta', text: 'a' }) + encoder.error({ error: { code: 503, message: 'down', status: 'UNAVAILABLE' } });
  await assert.rejects(decodeWithProvider(text), (error: unknown) => error instanceof GatewayError && error.status === 503);
});
