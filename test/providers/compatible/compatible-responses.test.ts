import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, StreamPart } from '../../../src/core/chat.js';
import { presets, type PresetId } from '../../../src/providers/compatible/presets.js';
import { jsonHeaders, sseHeaders } from '../../helpers/replay-server.js';
import { callContext, collect, joined } from '../adapter-calls.js';
import { chunkLines, fixture, startTestUpstream, toSse, type TestUpstream } from '../openai/openai-test-server.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startTestUpstream();
});
after(() => upstream.close());

const request: ChatRequest = { model: 'm', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };

async function streamed(id: PresetId, lines: string[]): Promise<StreamPart[]> {
  upstream.reply({ headers: sseHeaders, body: toSse(lines) });
  return collect(await upstream.adapter({ preset: presets[id], id }).streamChat(request, callContext()));
}

async function answered(id: PresetId, body: unknown) {
  upstream.reply({ headers: jsonHeaders, body: JSON.stringify(body) });
  return upstream.adapter({ preset: presets[id], id }).chat({ ...request, stream: false }, callContext());
}

const compatible = (name: string) => fixture(name, 'compatible');

test('Groq: a recorded tool call that arrives whole, usage read from the finish chunk', async () => {
  const parts = await streamed('groq', chunkLines(compatible('groq-tool-call.chunks.txt')));
  assert.deepEqual(parts, [
    { type: 'start', id: 'chatcmpl-b610d559-f156-4aca-8827-24b4fe6af54f', model: 'llama-3.3-70b-versatile' },
    { type: 'tool-call-start', index: 0, id: 'tk85n1k4m', name: 'weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
    { type: 'usage', usage: { input: { total: 210, cacheRead: 0, cacheWrite: 0 }, output: { total: 15, reasoning: 0 } } },
  ]);
});

test('Groq: usage only in x_groq.usage is still metered', async () => {
  // The same recording with the top-level copy removed, as older Groq responses sent it.
  const lines = chunkLines(compatible('groq-tool-call.chunks.txt')).map((line) => {
    const chunk = JSON.parse(line) as Record<string, unknown>;
    delete chunk.usage;
    return JSON.stringify(chunk);
  });
  const parts = await streamed('groq', lines);
  assert.deepEqual(parts.at(-1), {
    type: 'usage',
    usage: { input: { total: 210, cacheRead: 0, cacheWrite: 0 }, output: { total: 15, reasoning: 0 } },
  });
  // OpenAI itself has no such field: x_groq is not read there, and the usage is the gateway's estimate.
  upstream.reply({ headers: sseHeaders, body: toSse(lines) });
  const plain = await collect(await upstream.adapter().streamChat(request, callContext()));
  const usage = plain.filter((part) => part.type === 'usage');
  assert.equal(usage.length, 1);
  assert.equal(usage[0]!.type === 'usage' && usage[0]!.usage.estimated, true);
  assert.notEqual(usage[0]!.type === 'usage' && usage[0]!.usage.input.total, 210);
});

test('DeepSeek: recorded reasoning_content, tool call and cache-hit usage', async () => {
  const lines = chunkLines(compatible('deepseek-tool-call.chunks.txt'));
  const parts = await streamed('deepseek', lines);
  const reasoning = lines
    .map((line) => (JSON.parse(line) as { choices: Array<{ delta: { reasoning_content?: string | null } }> }).choices[0]?.delta.reasoning_content ?? '')
    .join('');
  assert.ok(reasoning.startsWith('The user is asking'));
  assert.equal(joined(parts, 'reasoning-delta'), reasoning);
  assert.deepEqual(
    parts.filter((part) => part.type === 'tool-call-start'),
    [{ type: 'tool-call-start', index: 0, id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', name: 'weather' }],
  );
  const args = parts.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : '')).join('');
  assert.deepEqual(JSON.parse(args), { location: 'San Francisco' });
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
    { type: 'usage', usage: { input: { total: 339, cacheRead: 320, cacheWrite: 0 }, output: { total: 83, reasoning: 39 } } },
  ]);
});

test('DeepSeek: the recorded JSON answer, and prompt_cache_hit_tokens alone', async () => {
  const recorded = JSON.parse(compatible('deepseek-tool-call.json')) as { usage: Record<string, unknown> };
  const result = await answered('deepseek', recorded);
  assert.equal(result.choices[0]!.message.reasoning?.startsWith('The user is asking for the weather'), true);
  assert.equal(result.choices[0]!.message.content, '');
  assert.deepEqual(result.choices[0]!.message.toolCalls, [
    { id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo', name: 'weather', arguments: '{"location": "San Francisco"}' },
  ]);
  assert.deepEqual(result.usage, { input: { total: 339, cacheRead: 320, cacheWrite: 0 }, output: { total: 92, reasoning: 48 } });
  // Older DeepSeek answers carried only the DeepSeek field.
  delete recorded.usage.prompt_tokens_details;
  assert.equal((await answered('deepseek', recorded)).usage.input.cacheRead, 320);
  assert.equal((await answered('together', recorded)).usage.input.cacheRead, 0);
});

test('Mistral: recorded whole tool calls without an index, usage on the finish chunk', async () => {
  const parts = await streamed('mistral', chunkLines(compatible('mistral-tool-call.chunks.txt')));
  assert.deepEqual(parts, [
    { type: 'start', id: 'b3999b8c93e04e11bcbff7bcab829667', model: 'mistral-small-latest' },
    { type: 'tool-call-start', index: 0, id: 'gSIMJiOkT', name: 'weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"location": "San Francisco"}' },
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
    { type: 'usage', usage: { input: { total: 124, cacheRead: 0, cacheWrite: 0 }, output: { total: 22, reasoning: 0 } } },
  ]);
});

test('Mistral: recorded thinking chunks inside content become reasoning', async () => {
  const parts = await streamed('mistral', chunkLines(compatible('mistral-reasoning.chunks.txt')));
  assert.equal(joined(parts, 'reasoning-delta'), 'The user is asking for 2+2. This is basic arithmetic. 2+2=4.');
  assert.equal(joined(parts, 'text-delta'), '2 + 2 = 4');
});

test('xAI: recorded completion_tokens exclude reasoning; they are added back', async () => {
  const parts = await streamed('xai', chunkLines(compatible('xai-text.chunks.txt')));
  assert.equal(joined(parts, 'reasoning-delta').startsWith('First, the user said'), true);
  assert.equal(joined(parts, 'text-delta'), 'Hello');
  assert.deepEqual(parts.at(-1), {
    type: 'usage',
    usage: { input: { total: 12, cacheRead: 11, cacheWrite: 0 }, output: { total: 291, reasoning: 290 } },
  });
});

test('Perplexity: usage repeated on every recorded chunk is reported once, the last', async () => {
  const parts = await streamed('perplexity', chunkLines(compatible('perplexity-text.chunks.txt')));
  assert.equal(parts.filter((part) => part.type === 'usage').length, 1);
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', reason: { unified: 'stop', raw: 'stop' } },
    { type: 'usage', usage: { input: { total: 11, cacheRead: 0, cacheWrite: 0 }, output: { total: 434, reasoning: 0 } } },
  ]);
});

test('preset finish reasons: eos, model_length, insufficient_system_resource, error', async () => {
  const withFinish = (reason: string) => {
    const body = JSON.parse(fixture('openai-text.json')) as { choices: Array<{ finish_reason: string }> };
    body.choices[0]!.finish_reason = reason;
    return body;
  };
  const cases: Array<[PresetId, string, string]> = [
    ['together', 'eos', 'stop'],
    ['mistral', 'model_length', 'length'],
    ['mistral', 'error', 'error'],
    ['deepseek', 'insufficient_system_resource', 'error'],
    ['openrouter', 'error', 'error'],
    // Unknown to that preset: kept raw, unified as other.
    ['groq', 'eos', 'other'],
    ['together', 'constructor', 'other'],
  ];
  for (const [id, raw, unified] of cases) {
    const result = await answered(id, withFinish(raw));
    assert.deepEqual(result.choices[0]!.finish, { unified, raw }, `${id} ${raw}`);
  }
});

test('a stream that ends with [DONE] but no finish_reason gets an "other" finish, never a made-up stop', async () => {
  const lines = chunkLines(compatible('xai-text.chunks.txt')).filter((line) => !line.includes('"finish_reason"'));
  const parts = await streamed('xai', lines);
  assert.deepEqual(parts.at(-2), { type: 'finish', reason: { unified: 'other', raw: null } });
});
