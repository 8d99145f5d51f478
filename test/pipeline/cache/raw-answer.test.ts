// Relayed provider bytes → the neutral result the response cache stores, on the recorded transcripts of each
// dialect (JSON, SSE, Gemini's JSON array); error bodies, in-band error events and cut streams give undefined.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatResult, EmbedResult, Usage } from '../../../src/core/chat.js';
import { decodeRawAnswer, type RawAnswer } from '../../../src/pipeline/cache/raw-answer.js';
import * as anthropic from '../../providers/anthropic/anthropic-test-server.js';
import * as gemini from '../../providers/gemini/gemini-test-server.js';
import * as openai from '../../providers/openai/openai-test-server.js';

const sseType = 'text/event-stream; charset=utf-8';
const jsonType = 'application/json';

type Dialect = RawAnswer['dialect'];

const jsonAnswer = (dialect: Dialect, body: string, more: Partial<RawAnswer> = {}): RawAnswer => ({
  dialect,
  kind: 'chat',
  provider: dialect,
  contentType: jsonType,
  body: Buffer.from(body),
  stream: false,
  ...more,
});

const sseAnswer = (dialect: Dialect, body: string, more: Partial<RawAnswer> = {}): RawAnswer =>
  jsonAnswer(dialect, body, { contentType: sseType, stream: true, ...more });

async function chat(raw: RawAnswer): Promise<ChatResult> {
  const decoded = await decodeRawAnswer(raw);
  assert.equal(decoded?.kind, 'chat');
  return decoded.result as ChatResult;
}

async function embed(raw: RawAnswer): Promise<EmbedResult> {
  const decoded = await decodeRawAnswer(raw);
  assert.equal(decoded?.kind, 'embed');
  return decoded.result as EmbedResult;
}

const usage = (input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number): Usage => ({
  input: { total: input, cacheRead, cacheWrite },
  output: { total: output, reasoning },
});

/** The text an OpenAI `.chunks.txt` streams, read independently of the decoder. */
const streamedText = (lines: string[]): string =>
  lines.map((line) => (JSON.parse(line) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '').join('');

describe('OpenAI dialect', () => {
  test('JSON chat: text, id, model, created, usage', async () => {
    const body = openai.fixture('openai-text.json');
    const result = await chat(jsonAnswer('openai', body));
    const recorded = JSON.parse(body) as { choices: Array<{ message: { content: string } }> };
    assert.equal(result.choices[0]?.message.content, recorded.choices[0]?.message.content);
    assert.equal(result.id, 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU');
    assert.equal(result.created, 1770933883);
    assert.deepEqual(result.choices[0]?.finish, { unified: 'stop', raw: 'stop' });
    assert.deepEqual(result.usage, usage(16, 0, 0, 363, 0));
  });

  test('JSON chat: parallel tool calls, several choices, reasoning tokens', async () => {
    const tools = await chat(jsonAnswer('openai', openai.fixture('openai-parallel-tool-calls.json')));
    assert.equal(tools.choices[0]?.message.content, null);
    assert.deepEqual(tools.choices[0]?.message.toolCalls?.map((call) => [call.name, JSON.parse(call.arguments)]), [
      ['GetWeatherArgs', { city: 'Edinburgh', country: 'GB', units: 'c' }],
      ['get_stock_price', { ticker: 'AAPL', exchange: 'NASDAQ' }],
    ]);
    assert.equal(tools.choices[0]?.finish.unified, 'tool_calls');
    const multiple = await chat(jsonAnswer('openai', openai.fixture('openai-multiple-choices.json')));
    assert.deepEqual(multiple.choices.map((choice) => choice.index), [0, 1, 2]);
    assert.deepEqual((await chat(jsonAnswer('openai', openai.fixture('openai-reasoning.json')))).usage, usage(13, 0, 0, 238, 192));
  });

  test('SSE chat: the streamed text, finish and the usage chunk', async () => {
    const lines = openai.chunkLines(openai.fixture('openai-text.chunks.txt'));
    const result = await chat(sseAnswer('openai', openai.toSse(lines)));
    assert.equal(result.choices[0]?.message.content, streamedText(lines));
    assert.equal(result.model, 'gpt-4.1-nano-2025-04-14');
    assert.deepEqual(result.choices[0]?.finish, { unified: 'stop', raw: 'stop' });
    assert.deepEqual(result.usage, usage(16, 0, 0, 300, 0));
  });

  test('SSE chat: parallel tool calls assembled from their fragments', async () => {
    const result = await chat(sseAnswer('openai', openai.toSse(openai.chunkLines(openai.fixture('openai-parallel-tool-calls.chunks.txt')))));
    assert.equal(result.choices[0]?.message.content, null);
    assert.deepEqual(result.choices[0]?.message.toolCalls, [
      { id: 'call_JMW1whyEaYG438VE1OIflxA2', name: 'GetWeatherArgs', arguments: '{"city": "Edinburgh", "country": "GB", "units": "c"}' },
      { id: 'call_DNYTawLBoN8fj3KN6qU9N1Ou', name: 'get_stock_price', arguments: '{"ticker": "AAPL", "exchange": "NASDAQ"}' },
    ]);
    assert.deepEqual(result.usage, usage(149, 0, 0, 60, 0));
  });

  test('SSE chat: reasoning tokens in the usage chunk (Azure)', async () => {
    const result = await chat(sseAnswer('openai', openai.toSse(openai.chunkLines(openai.fixture('azure-model-router.chunks.txt')))));
    assert.deepEqual(result.usage, usage(15, 0, 0, 78, 64));
  });

  test('presets by provider id: DeepSeek reasoning and cache hits, Groq usage in x_groq', async () => {
    const deepseekLines = openai.chunkLines(openai.fixture('deepseek-tool-call.chunks.txt', 'compatible'));
    const deepseek = await chat(sseAnswer('openai', openai.toSse(deepseekLines), { provider: 'deepseek' }));
    assert.match(deepseek.choices[0]?.message.reasoning ?? '', /weather in San Francisco/);
    assert.deepEqual(deepseek.choices[0]?.message.toolCalls?.map((call) => [call.name, JSON.parse(call.arguments)]), [['weather', { location: 'San Francisco' }]]);
    assert.deepEqual(deepseek.usage, usage(339, 320, 0, 83, 39));
    // Without the preset the reasoning field is not read.
    const plain = await chat(sseAnswer('openai', openai.toSse(deepseekLines), { provider: 'openai' }));
    assert.equal(plain.choices[0]?.message.reasoning, undefined);
    const groq = await chat(sseAnswer('openai', openai.toSse(openai.chunkLines(openai.fixture('groq-tool-call.chunks.txt', 'compatible'))), { provider: 'groq' }));
    assert.deepEqual(groq.usage, usage(210, 0, 0, 15, 0));
    assert.equal(groq.choices[0]?.message.toolCalls?.[0]?.name, 'weather');
  });

  test('legacy completions, JSON and SSE', async () => {
    const json = await chat(jsonAnswer('openai', openai.fixture('openai-completion-text.json'), { kind: 'completion' }));
    assert.match(json.choices[0]?.message.content ?? '', /^The new holiday is called "Gratitude Day"/);
    assert.deepEqual(json.choices[0]?.finish, { unified: 'length', raw: 'length' });
    const lines = openai.chunkLines(openai.fixture('openai-completion-text.chunks.txt'));
    const streamed = await chat(sseAnswer('openai', openai.toSse(lines), { kind: 'completion' }));
    const text = lines.map((line) => (JSON.parse(line) as { choices: Array<{ text?: string }> }).choices[0]?.text ?? '').join('');
    assert.equal(streamed.choices[0]?.message.content, text);
    assert.deepEqual(streamed.usage, usage(14, 0, 0, 16, 0));
  });

  test('embeddings: base64 and float give the same vector and the prompt count', async () => {
    const base64 = await embed(jsonAnswer('openai', openai.fixture('openai-embedding-base64.json'), { kind: 'embeddings' }));
    const float = await embed(jsonAnswer('openai', openai.fixture('openai-embedding-float.json'), { kind: 'embeddings' }));
    assert.equal(base64.model, 'text-embedding-3-large');
    assert.equal(base64.embeddings[0]?.length, 256);
    base64.embeddings[0]!.forEach((value, at) => assert.ok(Math.abs(value - float.embeddings[0]![at]!) < 1e-6));
    assert.deepEqual(base64.usage, { input: 1 });
  });

  test('a stream whose usage chunk was cut for the client: the metered usage, or undefined without it', async () => {
    const lines = openai.chunkLines(openai.fixture('openai-text.chunks.txt'));
    const withoutUsage = openai.toSse(lines.slice(0, -1));
    assert.equal(await decodeRawAnswer(sseAnswer('openai', withoutUsage)), undefined);
    const metered = usage(16, 0, 0, 300, 0);
    assert.deepEqual((await chat(sseAnswer('openai', withoutUsage, { usage: metered }))).usage, metered);
  });

  test('not a complete answer: undefined', async () => {
    const lines = openai.chunkLines(openai.fixture('openai-parallel-tool-calls.chunks.txt'));
    const full = openai.toSse(lines);
    const cases: Array<[string, RawAnswer]> = [
      ['no [DONE]', sseAnswer('openai', openai.toSse(lines, false))],
      ['cut mid-event', sseAnswer('openai', full.slice(0, full.length / 2))],
      ['error event', sseAnswer('openai', openai.toSse([...lines.slice(0, 3), JSON.stringify({ error: JSON.parse(openai.fixture('openai-error-unsupported-parameter.json')).error })]))],
      ['error body', jsonAnswer('openai', openai.fixture('openai-error-unsupported-parameter.json'))],
      ['Mistral error body', jsonAnswer('openai', openai.fixture('mistral-error.json', 'compatible'), { provider: 'mistral' })],
      ['error body for embeddings', jsonAnswer('openai', openai.fixture('openai-error-unsupported-parameter.json'), { kind: 'embeddings' })],
      ['invalid JSON', jsonAnswer('openai', openai.fixture('openai-text.json').slice(0, 200))],
      ['bad JSON in an event', sseAnswer('openai', 'data: {"id":\n\ndata: [DONE]\n\n')],
    ];
    for (const [name, raw] of cases) assert.equal(await decodeRawAnswer(raw), undefined, name);
  });
});

describe('Anthropic dialect', () => {
  test('JSON: text and two parallel tool_use blocks', async () => {
    const result = await chat(jsonAnswer('anthropic', anthropic.fixture('anthropic-tool-use.json')));
    assert.equal(result.id, 'msg_019TRvczheYztAPERcbH1sWv');
    assert.equal(result.choices[0]?.message.content, "I'll use the test_tool twice as requested, first with count 1 and then with count 2.");
    assert.deepEqual(result.choices[0]?.message.toolCalls, [
      { id: 'toolu_0179r6ofLHbaispTuUAqMJfr', name: 'test_tool', arguments: '{"count":1}' },
      { id: 'toolu_012uz9XtyrRxAoELvYgkQnxi', name: 'test_tool', arguments: '{"count":2}' },
    ]);
    assert.deepEqual(result.choices[0]?.finish, { unified: 'tool_calls', raw: 'tool_use' });
    assert.deepEqual(result.usage, usage(418, 0, 0, 114, 0));
  });

  test('JSON: cache read and write counted into the input', async () => {
    const result = await chat(jsonAnswer('anthropic', anthropic.fixture('anthropic-cache-usage.json')));
    assert.deepEqual(result.usage, usage(3 + 1111 + 403, 1111, 403, 33, 0));
  });

  test('SSE with event lines: text then a tool call from input_json_delta fragments', async () => {
    const result = await chat(sseAnswer('anthropic', anthropic.fixture('anthropic-tool-use.sse.txt')));
    assert.equal(result.choices[0]?.message.content, "I'll check the current weather in Paris for you.");
    assert.deepEqual(result.choices[0]?.message.toolCalls, [{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', arguments: '{"location": "Paris"}' }]);
    assert.deepEqual(result.usage, usage(377, 0, 0, 65, 0));
  });

  test('SSE: prompt-cache usage from message_delta, thinking as reasoning', async () => {
    const cached = await chat(sseAnswer('anthropic', anthropic.chunksToSse(anthropic.fixture('anthropic-prompt-cache.chunks.txt'))));
    assert.deepEqual(cached.usage, usage(6 + 6289 + 3337, 6289, 3337, 198, 0));
    assert.equal(cached.choices[0]?.message.content, 'The sum of the squares of the numbers 1 through 12 is **650**.');
    const thinking = await chat(sseAnswer('anthropic', anthropic.chunksToSse(anthropic.fixture('anthropic-thinking.chunks.txt'))));
    assert.match(thinking.choices[0]?.message.reasoning ?? '', /^The previous result was 925/);
    assert.equal(thinking.choices[0]?.message.content, '925 ÷ 5 = 185');
  });

  test('not a complete answer: undefined', async () => {
    const sse = anthropic.fixture('anthropic-tool-use.sse.txt');
    const cases: Array<[string, RawAnswer]> = [
      ['cut before message_stop', sseAnswer('anthropic', sse.slice(0, sse.indexOf('event: message_stop')))],
      // The rest of the stream after it, message_stop included, does not make it an answer.
      ['error event after the 200', sseAnswer('anthropic', sse.replace('event: message_delta', `${anthropic.fixture('anthropic-error-event.sse.txt').trim()}\n\nevent: message_delta`))],
      ['error event alone', sseAnswer('anthropic', anthropic.fixture('anthropic-error-event.sse.txt'))],
      ['overloaded body', jsonAnswer('anthropic', anthropic.fixture('anthropic-error-overloaded.json'))],
      ['invalid request body', jsonAnswer('anthropic', anthropic.fixture('anthropic-error-invalid-request.json'))],
      ['no legacy completions', jsonAnswer('anthropic', anthropic.fixture('anthropic-text.json'), { kind: 'completion' })],
      ['no embeddings', jsonAnswer('anthropic', anthropic.fixture('anthropic-text.json'), { kind: 'embeddings' })],
    ];
    for (const [name, raw] of cases) assert.equal(await decodeRawAnswer(raw), undefined, name);
  });
});

describe('Gemini dialect', () => {
  const textLines = () => gemini.fixture('google-text.chunks.txt').trim().split('\n');
  const expectedText = 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y';

  test('JSON: a function call, and the complete usage (cached, tool-use prompt, thoughts)', async () => {
    const tool = await chat(jsonAnswer('gemini', gemini.fixture('google-tool-call.json')));
    assert.equal(tool.choices[0]?.message.content, null);
    assert.deepEqual(tool.choices[0]?.message.toolCalls?.map((call) => [call.name, JSON.parse(call.arguments)]), [['weather', { location: 'San Francisco' }]]);
    assert.equal(tool.choices[0]?.finish.unified, 'tool_calls');
    const complete = await chat(jsonAnswer('gemini', gemini.fixture('issue-19822-complete-usage.json')));
    assert.equal(complete.choices[0]?.message.content, '42');
    assert.deepEqual(complete.usage, usage(19 + 63, 3, 0, 4 + 56, 56));
  });

  test('SSE and the JSON array (no alt=sse) decode to the same answer', async () => {
    const sse = await chat(sseAnswer('gemini', gemini.sseFromLines(gemini.fixture('google-text.chunks.txt')).join('')));
    const array = await chat(sseAnswer('gemini', `[${textLines().join(',\r\n')}]`, { contentType: 'application/json; charset=UTF-8' }));
    assert.equal(sse.choices[0]?.message.content, expectedText);
    assert.deepEqual(sse.choices[0]?.finish, { unified: 'stop', raw: 'STOP' });
    assert.deepEqual(sse.usage, usage(9, 0, 0, 23 + 185, 185));
    assert.deepEqual(array, sse);
  });

  test('SSE: function calls, whole and nested (raw SSE bytes)', async () => {
    const tool = await chat(sseAnswer('gemini', gemini.sseFromLines(gemini.fixture('google-tool-call.chunks.txt')).join('')));
    assert.deepEqual(tool.choices[0]?.message.toolCalls?.map((call) => [call.name, JSON.parse(call.arguments)]), [['weather', { location: 'San Francisco' }]]);
    assert.equal(tool.choices[0]?.finish.unified, 'tool_calls');
    const nested = await chat(sseAnswer('gemini', gemini.fixture('google-recursive-tool-call.chunks.txt')));
    assert.deepEqual(nested.choices[0]?.message.toolCalls, [
      { id: 'call_345658', name: 'search', arguments: '{"condition":{"or":[{"term":"x"},{"term":"y"}]}}' },
    ]);
  });

  test('embeddings: batchEmbedContents with and without a count, and embedContent', async () => {
    const counted = await embed(jsonAnswer('gemini', gemini.fixture('google-embedding-2-multimodal-batch.json'), { kind: 'embeddings' }));
    assert.deepEqual(counted.embeddings, [
      [0.5138951, 0.857853],
      [-0.5045317, -0.8633931],
    ]);
    assert.deepEqual(counted.usage, { input: 12 });
    const uncounted = await embed(jsonAnswer('gemini', gemini.fixture('gemini-batch-embed-no-usage.json'), { kind: 'embeddings' }));
    assert.equal(uncounted.embeddings.length, 2);
    assert.deepEqual(uncounted.usage, { input: 0, estimated: true });
    const single = await embed(jsonAnswer('gemini', '{"embedding":{"values":[0.25,-0.5]}}', { kind: 'embeddings' }));
    assert.deepEqual(single.embeddings, [[0.25, -0.5]]);
  });

  test('not a complete answer: undefined', async () => {
    const lines = textLines();
    const errorChunk = gemini.fixture('gemini-503-overloaded.json').replace(/\s*\n\s*/g, ' ');
    const cases: Array<[string, RawAnswer]> = [
      ['SSE without a finishReason', sseAnswer('gemini', gemini.sseFromLines(lines.slice(0, -1).join('\n')).join(''))],
      ['JSON array without its end', sseAnswer('gemini', `[${lines.join(',\r\n')}`, { contentType: jsonType })],
      ['JSON array cut before the finishReason', sseAnswer('gemini', `[${lines.slice(0, -1).join(',\r\n')}]`, { contentType: jsonType })],
      ['error chunk after the 200', sseAnswer('gemini', gemini.sseFromLines([...lines, errorChunk].join('\n')).join(''))],
      ['429 body', jsonAnswer('gemini', gemini.fixture('google-429-retry-info.json'))],
      ['400 body', jsonAnswer('gemini', gemini.fixture('gemini-400-api-key-invalid.json'))],
      ['error body for embeddings', jsonAnswer('gemini', gemini.fixture('gemini-503-overloaded.json'), { kind: 'embeddings' })],
      ['no legacy completions', jsonAnswer('gemini', gemini.fixture('google-text.json'), { kind: 'completion' })],
    ];
    for (const [name, raw] of cases) assert.equal(await decodeRawAnswer(raw), undefined, name);
  });
});
