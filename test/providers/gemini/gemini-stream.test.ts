// Streamed answers: recorded streamGenerateContent transcripts → StreamPart sequences; broken streams; abort.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, StreamPart } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { callContext, collect } from '../adapter-calls.js';
import { fixture, sse, sseFromLines, startGemini, type GeminiHarness } from './gemini-test-server.js';

let gemini: GeminiHarness;
before(async () => {
  gemini = await startGemini();
});
after(() => gemini.close());

const request: ChatRequest = {
  model: 'gemini-3-pro-preview',
  stream: true,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};

async function streamOf(chunks: string[]): Promise<StreamPart[]> {
  gemini.reply(sse(chunks));
  return collect(await gemini.adapter.streamChat(request, callContext()));
}

/** Replaces synthesised ids (checked for their shape) by a placeholder so sequences compare exactly. */
function withoutSynthesisedIds(parts: StreamPart[]): StreamPart[] {
  return parts.map((part) => {
    if (part.type !== 'tool-call-start' || !part.id.startsWith('call_')) return part;
    assert.match(part.id, /^call_[0-9a-f]{24}$/);
    return { ...part, id: '<synthesised>' };
  });
}

const usage = (input: number, output: number, reasoning: number, cacheRead = 0): StreamPart => ({
  type: 'usage',
  usage: { input: { total: input, cacheRead, cacheWrite: 0 }, output: { total: output, reasoning } },
});

test('text stream: start, text deltas (empty last part skipped), the last usage, then finish', async () => {
  const parts = await streamOf(sseFromLines(fixture('google-text.chunks.txt')));
  assert.deepEqual(parts, [
    { type: 'start', id: 'bH6LaZW8Fp_3nsEPqtaSwQ4', model: 'gemini-3-pro-preview' },
    { type: 'text-delta', text: 'There are **3**' },
    { type: 'text-delta', text: ' "r"s in strawberry.\n\nst**r**awbe**rr**y' },
    usage(9, 23 + 185, 185),
    { type: 'finish', reason: { unified: 'stop', raw: 'STOP' } },
  ]);
});

test('tool-call stream: the whole call in one start + one delta, STOP becomes tool_calls', async () => {
  const parts = await streamOf(sseFromLines(fixture('google-tool-call.chunks.txt'), '\n\n'));
  assert.deepEqual(withoutSynthesisedIds(parts), [
    { type: 'start', id: 'b36LacjwM668nsEP2tbsgQQ', model: 'gemini-3-pro-preview' },
    { type: 'tool-call-start', index: 0, id: '<synthesised>', name: 'weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"location":"San Francisco"}' },
    usage(29, 15 + 45, 45),
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'STOP' } },
  ]);
});

test('text then a call carrying its own id (kept), from raw SSE bytes too', async () => {
  const parts = await streamOf(sseFromLines(fixture('issue-10781.1.chunks.txt')));
  assert.deepEqual(parts, [
    { type: 'start', id: '7uVgavK_CL7yxN8P-aGnkAY', model: 'gemini-3.1-pro-preview' },
    { type: 'text-delta', text: 'Let me check.' },
    { type: 'tool-call-start', index: 0, id: 'g1bmv6il', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"San Francisco"}' },
    usage(83, 21 + 178, 178),
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'STOP' } },
  ]);
  // The recorded bytes, split mid-event to exercise the SSE parser's buffering.
  const raw = fixture('google-recursive-tool-call.chunks.txt');
  const split = await streamOf([raw.slice(0, 100), raw.slice(100, 401), raw.slice(401)]);
  assert.deepEqual(split, [
    { type: 'start', id: '<redacted>', model: 'gemini-3.7-flash' },
    { type: 'tool-call-start', index: 0, id: 'call_345658', name: 'search' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"condition":{"or":[{"term":"x"},{"term":"y"}]}}' },
    usage(694, 26 + 205, 205),
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'STOP' } },
  ]);
});

test('thoughts are reasoning; calls across chunks count up; a call without args is {}; streamed args are rebuilt', async () => {
  const parts = await streamOf(sseFromLines(fixture('google-stream-no-args-tool-call.chunks.txt')));
  assert.deepEqual(withoutSynthesisedIds(parts), [
    { type: 'start', id: '_vr4aYiWEJnYodAPkujX0QM', model: 'gemini-3-flash-preview' },
    {
      type: 'reasoning-delta',
      text:
        "**Processing User Requests**\n\nI've started by understanding the user's instructions. Currently, I'm focusing on the initial steps: reading the specified theme using the appropriate tool. Next, I plan to tackle reading the screens, beginning with screen \"A,\" then proceeding with \"B\" and \"C\" in parallel as instructed.\n\n\n",
    },
    { type: 'tool-call-start', index: 0, id: '<synthesised>', name: 'read_theme' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
    { type: 'tool-call-start', index: 1, id: '<synthesised>', name: 'read_screen' },
    { type: 'tool-call-delta', index: 1, argumentsDelta: '{"id":"A"}' },
    { type: 'tool-call-start', index: 2, id: '<synthesised>', name: 'read_screen' },
    { type: 'tool-call-delta', index: 2, argumentsDelta: '{"id":"B"}' },
    { type: 'tool-call-start', index: 3, id: '<synthesised>', name: 'read_screen' },
    { type: 'tool-call-delta', index: 3, argumentsDelta: '{"id":"C"}' },
    usage(249, 58 + 183, 183),
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'STOP' } },
  ]);
  const ids = parts.flatMap((part) => (part.type === 'tool-call-start' ? [part.id] : []));
  assert.equal(new Set(ids).size, 4, 'distinct ids');
});

test('streamed array arguments closed by a fragment without willContinue', async () => {
  const parts = await streamOf(
    sseFromLines(fixture('google-stream-tool-call-array-arguments-missing-terminal-function-call.chunks.txt')),
  );
  const deltas = parts.filter((part) => part.type === 'tool-call-delta');
  assert.equal(deltas.length, 1);
  assert.deepEqual(JSON.parse((deltas[0] as { argumentsDelta: string }).argumentsDelta), {
    operations: [
      { action: 'add', description: 'Fresh red apple', itemid: 'apple_001', price: 0.5 },
      { action: 'add', description: 'Ripe yellow banana', itemid: 'banana_001', price: 0.3 },
    ],
  });
  assert.deepEqual(parts.at(-1), { type: 'finish', reason: { unified: 'tool_calls', raw: 'STOP' } });
});

test('a blocked prompt streams start, usage and a content_filter finish', async () => {
  assert.deepEqual(await streamOf(sseFromLines(fixture('issue-19758-prompt-block.chunks.txt'))), [
    { type: 'start', id: 'EXCPatOAKMrQjMcPteHVmQo', model: 'gemini-3.7-flash' },
    usage(9, 0, 0),
    { type: 'finish', reason: { unified: 'content_filter', raw: 'PROHIBITED_CONTENT' } },
  ]);
});

test('several candidates: parts and finishes carry their choice, tool indices count per choice', async () => {
  // Constructed in the recorded chunk shape (no recorded multi-candidate stream was found).
  const chunk = (candidates: unknown[], usageMetadata?: unknown) => JSON.stringify({ candidates, usageMetadata, responseId: 'r1' });
  const parts = await streamOf(
    sseFromLines(
      [
        chunk([
          { content: { parts: [{ text: 'zero' }] }, index: 0 },
          { content: { parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] }, index: 1 },
        ]),
        chunk(
          [
            { content: { parts: [{ functionCall: { name: 'g', args: {} } }] }, finishReason: 'STOP', index: 0 },
            { content: { parts: [{ text: '' }] }, finishReason: 'SAFETY', index: 1 },
          ],
          { promptTokenCount: 3, candidatesTokenCount: 4, cachedContentTokenCount: 2 },
        ),
      ].join('\n'),
    ),
  );
  assert.deepEqual(withoutSynthesisedIds(parts), [
    { type: 'start', id: 'r1' },
    { type: 'text-delta', text: 'zero' },
    { type: 'tool-call-start', index: 0, id: '<synthesised>', name: 'f', choice: 1 },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":1}', choice: 1 },
    { type: 'tool-call-start', index: 0, id: '<synthesised>', name: 'g' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
    usage(3, 4, 0, 2),
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'STOP' } },
    { type: 'finish', reason: { unified: 'content_filter', raw: 'SAFETY' }, choice: 1 },
  ]);
});

/** Reads until the stream throws; returns what came before and the error. */
async function readUntilError(chunks: string[]): Promise<{ parts: StreamPart[]; error: GatewayError }> {
  gemini.reply(sse(chunks));
  const stream = await gemini.adapter.streamChat(request, callContext());
  const parts: StreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return { parts, error };
  }
  assert.fail('the stream should have failed');
}

test('an error object inside the stream is thrown as the mapped GatewayError, after the parts before it', async () => {
  const lines = sseFromLines(fixture('google-text.chunks.txt'));
  // The real 503 body (gemini-503-overloaded.json) framed as an SSE event.
  const errorEvent = `data: ${JSON.stringify(JSON.parse(fixture('gemini-503-overloaded.json')))}\r\n\r\n`;
  const { parts, error } = await readUntilError([lines[0]!, errorEvent]);
  // The usage so far goes out just before the error, for the meter.
  assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'usage']);
  assert.equal(error.code, 'unavailable');
  assert.equal(error.status, 503);
  assert.match(error.message, /overloaded/);
  const rpcOnly = await readUntilError([`data: {"error":{"message":"Quota","status":"RESOURCE_EXHAUSTED"}}\n\n`]);
  assert.equal(rpcOnly.error.code, 'rate_limited');
  assert.deepEqual(rpcOnly.parts.map((part) => part.type), ['usage']);
});

test('a stream that ends without any finishReason was cut: upstream_bad_response, no finish, the running usage marked estimated', async () => {
  const lines = sseFromLines(fixture('google-text.chunks.txt'));
  const { parts, error } = await readUntilError(lines.slice(0, 2));
  assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'text-delta', 'usage']);
  // The second chunk's running totals (prompt 9, candidates 23, thoughts 185) are not the answer's final ones.
  assert.deepEqual(parts.at(-1), {
    type: 'usage',
    usage: { input: { total: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 208, reasoning: 185 }, estimated: true },
  });
  assert.equal(error.code, 'upstream_bad_response');
  assert.equal(error.status, 502);
});

test('a malformed chunk fails the stream', async () => {
  const lines = sseFromLines(fixture('google-text.chunks.txt'));
  const { parts, error } = await readUntilError([lines[0]!, 'data: {"candidates":[{"content":\r\n\r\n', lines[2]!]);
  assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'usage']);
  assert.equal(error.code, 'upstream_bad_response');
  assert.match(error.message, /malformed/);
});

// A connection left open would hang `clientClosed()`: the timeouts only stop a broken build from stalling the suite.
test('aborting the call context stops the upstream stream (client_closed) and closes the connection', { timeout: 20_000 }, async () => {
  const lines = sseFromLines(fixture('google-text.chunks.txt'));
  gemini.reply({ ...sse([lines[0]!]), keepOpen: true });
  const controller = new AbortController();
  const iterator = (await gemini.adapter.streamChat(request, callContext(controller.signal)))[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).value?.type, 'start');
  assert.equal((await iterator.next()).value?.type, 'text-delta');
  const pending = iterator.next();
  controller.abort();
  // The usage so far comes first (for the meter), then the abort.
  assert.equal((await pending).value?.type, 'usage');
  await assert.rejects(iterator.next(), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'client_closed');
    return true;
  });
  await gemini.clientClosed();
});

test('a consumer that stops reading early releases the upstream connection', { timeout: 20_000 }, async () => {
  const lines = sseFromLines(fixture('google-text.chunks.txt'));
  gemini.reply({ ...sse([lines[0]!]), keepOpen: true });
  for await (const part of await gemini.adapter.streamChat(request, callContext())) {
    if (part.type === 'text-delta') break;
  }
  await gemini.clientClosed();
});
