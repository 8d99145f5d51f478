import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { jsonHeaders, sseHeaders } from '../../helpers/replay-server.js';
import { callContext, collect, joined } from '../adapter-calls.js';
import { chunkLines, fixture, startTestUpstream, toSse, type TestUpstream } from './openai-test-server.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startTestUpstream();
});
after(() => upstream.close());

const richRequest: ChatRequest = {
  model: 'gpt-4o-2024-08-06',
  stream: false,
  messages: [
    { role: 'system', content: 'Be brief.' },
    {
      role: 'user',
      name: 'ada',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', url: 'https://example.com/cat.png', detail: 'low' },
        { type: 'audio', data: 'UklGRg==', format: 'wav' },
        { type: 'file', data: 'JVBERi0=', mediaType: 'application/pdf', filename: 'a.pdf' },
        { type: 'file', fileId: 'file-abc' },
      ],
    },
    {
      role: 'assistant',
      content: [],
      toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    },
    { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: '18C' }] },
    { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
  ],
  maxTokens: 100,
  temperature: 0.2,
  topP: 0.9,
  topK: 40,
  stop: ['END'],
  n: 2,
  seed: 7,
  presencePenalty: 0.1,
  frequencyPenalty: 0.3,
  logprobs: true,
  topLogprobs: 2,
  logitBias: { '50256': -100 },
  user: 'user-1',
  reasoningEffort: 'low',
  tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true }],
  toolChoice: { name: 'get_weather' },
  parallelToolCalls: false,
  responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
};

test('chat sends the Chat Completions body, path and headers', async () => {
  upstream.reply({ body: fixture('openai-text.json'), headers: jsonHeaders });
  const adapter = upstream.adapter({ headers: { 'OpenAI-Organization': 'org-test' } });
  await adapter.chat(richRequest, callContext(undefined, { 'X-Request-Tag': 'abc' }));
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.path, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, 'Bearer test-key');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.equal(sent.headers['openai-organization'], 'org-test');
  assert.equal(sent.headers['x-request-tag'], 'abc');
  assert.deepEqual(sent.body, {
    model: 'gpt-4o-2024-08-06',
    messages: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        name: 'ada',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          { type: 'file', file: { file_id: 'file-abc' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      { role: 'user', content: 'Thanks' },
    ],
    // OpenAI itself: the field reasoning models accept, and no `top_k` (not an OpenAI parameter).
    max_completion_tokens: 100,
    temperature: 0.2,
    top_p: 0.9,
    stop: ['END'],
    n: 2,
    seed: 7,
    presence_penalty: 0.1,
    frequency_penalty: 0.3,
    logprobs: true,
    top_logprobs: 2,
    logit_bias: { '50256': -100 },
    user: 'user-1',
    reasoning_effort: 'low',
    tools: [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true } },
    ],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
  });
});

test('a call header replaces the configured one of the same name, whatever its case', async () => {
  upstream.reply({ body: fixture('openai-text.json'), headers: jsonHeaders });
  const adapter = upstream.adapter();
  await adapter.chat(
    { model: 'm', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
    callContext(undefined, { Authorization: 'Bearer byok-key' }),
  );
  assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer byok-key');
});

test('chat decodes a recorded text answer', async () => {
  upstream.reply({ body: fixture('openai-text.json'), headers: jsonHeaders });
  const result = await upstream.adapter().chat(
    { model: 'gpt-4.1-nano', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
    callContext(),
  );
  assert.equal(result.id, 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU');
  assert.equal(result.model, 'gpt-4.1-nano-2025-04-14');
  assert.equal(result.created, 1770933883);
  assert.equal(result.choices.length, 1);
  assert.match(result.choices[0]!.message.content!, /^\*\*Holiday Name:\*\* Galaxy Day/);
  assert.equal(result.choices[0]!.message.refusal, undefined);
  assert.deepEqual(result.choices[0]!.finish, { unified: 'stop', raw: 'stop' });
  assert.deepEqual(result.usage, { input: { total: 16, cacheRead: 0, cacheWrite: 0 }, output: { total: 363, reasoning: 0 } });
});

test('chat decodes recorded parallel tool calls', async () => {
  upstream.reply({ body: fixture('openai-parallel-tool-calls.json'), headers: jsonHeaders });
  const result = await upstream.adapter().chat(
    { model: 'gpt-4o', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
    callContext(),
  );
  const choice = result.choices[0]!;
  assert.equal(choice.message.content, null);
  assert.deepEqual(choice.message.toolCalls, [
    { id: 'call_fdNz3vOBKYgOIpMdWotB9MjY', name: 'GetWeatherArgs', arguments: '{"city": "Edinburgh", "country": "GB", "units": "c"}' },
    { id: 'call_h1DWI1POMJLb0KwIyQHWXD4p', name: 'get_stock_price', arguments: '{"ticker": "AAPL", "exchange": "NASDAQ"}' },
  ]);
  assert.deepEqual(choice.finish, { unified: 'tool_calls', raw: 'tool_calls' });
  assert.deepEqual(result.usage, { input: { total: 149, cacheRead: 0, cacheWrite: 0 }, output: { total: 60, reasoning: 0 } });
});

test('chat keeps every choice of an n > 1 answer at its index', async () => {
  upstream.reply({ body: fixture('openai-multiple-choices.json'), headers: jsonHeaders });
  const result = await upstream.adapter().chat(
    { model: 'gpt-4o', stream: false, n: 3, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
    callContext(),
  );
  assert.deepEqual(result.choices.map((choice) => choice.index), [0, 1, 2]);
  assert.equal(result.choices[2]!.message.content, '{"city":"San Francisco","temperature":63.0,"units":"f"}');
});

test('usage maps cache reads and writes and reasoning tokens', async () => {
  // The recorded answers above have zero cached and reasoning tokens; the detail fields are what counts here.
  const body = JSON.parse(fixture('openai-text.json')) as { usage: Record<string, unknown> };
  body.usage = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, cache_write_tokens: 64 },
    completion_tokens_details: { reasoning_tokens: 192 },
  };
  upstream.reply({ body: JSON.stringify(body), headers: jsonHeaders });
  const result = await upstream.adapter().chat(
    { model: 'o3', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
    callContext(),
  );
  assert.deepEqual(result.usage, { input: { total: 2006, cacheRead: 1920, cacheWrite: 64 }, output: { total: 300, reasoning: 192 } });
});

test('streamChat asks for usage and turns the recorded text stream into parts', async () => {
  const lines = chunkLines(fixture('openai-text.chunks.txt'));
  upstream.reply({ headers: sseHeaders, chunks: [toSse(lines)] });
  const stream = await upstream.adapter().streamChat(
    { model: 'gpt-4.1-nano', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
    callContext(),
  );
  const parts = await collect(stream);
  const sent = upstream.requests.at(-1)!;
  assert.deepEqual(sent.body, {
    model: 'gpt-4.1-nano',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.equal(sent.headers.accept, 'text/event-stream');
  assert.deepEqual(parts[0], { type: 'start', id: 'chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0', model: 'gpt-4.1-nano-2025-04-14' });
  const expectedText = lines
    .map((line) => (JSON.parse(line) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
    .join('');
  assert.equal(joined(parts, 'text-delta'), expectedText);
  assert.ok(expectedText.startsWith('**Holiday Name:** Harmony Day'));
  // The recorded first delta has content "": no empty text part is emitted.
  assert.ok(parts.every((part) => part.type !== 'text-delta' || part.text !== ''));
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', reason: { unified: 'stop', raw: 'stop' } },
    { type: 'usage', usage: { input: { total: 16, cacheRead: 0, cacheWrite: 0 }, output: { total: 300, reasoning: 0 } } },
  ]);
});

test('streamChat follows recorded parallel tool calls by index', async () => {
  const lines = chunkLines(fixture('openai-parallel-tool-calls.chunks.txt'));
  // One event per write: each tool-call fragment crosses the wire on its own.
  upstream.reply({ headers: sseHeaders, chunks: toSse(lines).split(/(?<=\n\n)/) });
  const parts = await collect(
    await upstream.adapter().streamChat(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      callContext(),
    ),
  );
  const starts = parts.filter((part) => part.type === 'tool-call-start');
  assert.deepEqual(starts, [
    { type: 'tool-call-start', index: 0, id: 'call_JMW1whyEaYG438VE1OIflxA2', name: 'GetWeatherArgs' },
    { type: 'tool-call-start', index: 1, id: 'call_DNYTawLBoN8fj3KN6qU9N1Ou', name: 'get_stock_price' },
  ]);
  const argumentsOf = (index: number) =>
    parts.map((part) => (part.type === 'tool-call-delta' && part.index === index ? part.argumentsDelta : '')).join('');
  assert.equal(argumentsOf(0), '{"city": "Edinburgh", "country": "GB", "units": "c"}');
  assert.equal(argumentsOf(1), '{"ticker": "AAPL", "exchange": "NASDAQ"}');
  // Each call starts before its first argument fragment.
  const firstDelta1 = parts.findIndex((part) => part.type === 'tool-call-delta' && part.index === 1);
  assert.ok(parts.indexOf(starts[1]!) < firstDelta1);
  assert.ok(parts.every((part) => part.type !== 'tool-call-delta' || part.argumentsDelta !== ''));
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
    { type: 'usage', usage: { input: { total: 149, cacheRead: 0, cacheWrite: 0 }, output: { total: 60, reasoning: 0 } } },
  ]);
});

test('streamChat tags parts of other choices with their index', async () => {
  const chunk = (index: number, delta: object, finish: string | null) =>
    JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index, delta, finish_reason: finish }] });
  upstream.reply({
    headers: sseHeaders,
    body: toSse([chunk(0, { content: 'a' }, null), chunk(1, { content: 'b' }, null), chunk(1, {}, 'length'), chunk(0, {}, 'stop')]),
  });
  const parts = await collect(
    await upstream.adapter().streamChat({ model: 'm', stream: true, n: 2, messages: [] }, callContext()),
  );
  assert.deepEqual(parts.slice(1, -1), [
    { type: 'text-delta', text: 'a' },
    { type: 'text-delta', text: 'b', choice: 1 },
    { type: 'finish', reason: { unified: 'length', raw: 'length' }, choice: 1 },
    { type: 'finish', reason: { unified: 'stop', raw: 'stop' } },
  ]);
  // This upstream sent no usage: the gateway's estimate closes the stream, both choices' text counted.
  const last = parts.at(-1);
  assert.equal(last?.type, 'usage');
  assert.equal(last?.type === 'usage' && last.usage.estimated, true);
  assert.equal(last?.type === 'usage' && last.usage.output.total > 0, true);
});

test('a stream cut before [DONE] yields what came, then throws upstream_bad_response', async () => {
  const lines = chunkLines(fixture('openai-text.chunks.txt')).slice(0, 5);
  upstream.reply({ headers: sseHeaders, body: toSse(lines, false) });
  const stream = await upstream.adapter().streamChat({ model: 'm', stream: true, messages: [] }, callContext());
  const parts: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of stream) parts.push(part.type);
    })(),
    (error: unknown) => error instanceof GatewayError && error.code === 'upstream_bad_response',
  );
  // The estimated usage of what came goes out just before the error.
  assert.deepEqual(parts, ['start', 'text-delta', 'text-delta', 'text-delta', 'text-delta', 'usage']);
});

test('an error event mid-stream throws the mapped error', async () => {
  const lines = chunkLines(fixture('openai-text.chunks.txt')).slice(0, 3);
  const error = JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', param: null, code: 'server_error' } });
  upstream.reply({ headers: sseHeaders, body: toSse([...lines, error], false) });
  const stream = await upstream.adapter().streamChat({ model: 'm', stream: true, messages: [] }, callContext());
  await assert.rejects(collect(stream), (thrown: unknown) => {
    assert.ok(thrown instanceof GatewayError);
    assert.equal(thrown.code, 'upstream_error');
    assert.equal(thrown.publicCode, 'server_error');
    assert.match(thrown.message, /The server had an error/);
    return true;
  });
});

test('a malformed event throws upstream_bad_response', async () => {
  upstream.reply({ headers: sseHeaders, body: 'data: {"id":"x","choices":[\n\ndata: [DONE]\n\n' });
  const stream = await upstream.adapter().streamChat({ model: 'm', stream: true, messages: [] }, callContext());
  await assert.rejects(collect(stream), (error: unknown) => error instanceof GatewayError && error.code === 'upstream_bad_response');
});

test('a JSON error on a 200 stream answer is thrown before the stream is handed out', async () => {
  upstream.reply({ headers: jsonHeaders, body: fixture('openai-error-unsupported-parameter.json') });
  await assert.rejects(
    upstream.adapter().streamChat({ model: 'm', stream: true, messages: [] }, callContext()),
    (error: unknown) => error instanceof GatewayError && error.code === 'upstream_error' && /max_tokens/.test(error.message),
  );
});

// A hang would mean the upstream was never told: the timeouts below only stop a broken build from stalling the suite.
test('aborting the call context stops the upstream stream', { timeout: 20_000 }, async () => {
  const own = await startTestUpstream();
  try {
    const lines = chunkLines(fixture('openai-text.chunks.txt')).slice(0, 2);
    own.reply({ headers: sseHeaders, chunks: [toSse(lines, false)], keepOpen: true });
    const controller = new AbortController();
    const stream = await own.adapter().streamChat({ model: 'm', stream: true, messages: [] }, callContext(controller.signal));
    const iterator = stream[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'start');
    controller.abort();
    await assert.rejects(
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })(),
      (error: unknown) => error instanceof GatewayError && error.code === 'client_closed',
    );
    await own.clientClosed();
  } finally {
    await own.close();
  }
});

test('giving up a stream before reading it frees the upstream connection', { timeout: 20_000 }, async () => {
  const own = await startTestUpstream();
  try {
    own.reply({ headers: sseHeaders, chunks: [toSse(chunkLines(fixture('openai-text.chunks.txt')).slice(0, 2), false)], keepOpen: true });
    const stream = await own.adapter().streamChat({ model: 'm', stream: true, messages: [] }, callContext());
    await stream[Symbol.asyncIterator]().return?.();
    await own.clientClosed();
  } finally {
    await own.close();
  }
});

test('Azure: a recorded stream opening with an empty prompt-filter chunk starts at the real id', async () => {
  upstream.reply({ headers: sseHeaders, body: toSse(chunkLines(fixture('azure-model-router.chunks.txt'))) });
  const parts = await collect(await upstream.adapter().streamChat({ model: 'm', stream: true, messages: [] }, callContext()));
  assert.deepEqual(parts[0], { type: 'start', id: 'chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt', model: 'gpt-5-nano-2025-08-07' });
  assert.equal(parts.filter((part) => part.type === 'start').length, 1);
  assert.match(joined(parts, 'text-delta'), /^Capital of/);
  assert.deepEqual(parts.at(-1), {
    type: 'usage',
    usage: { input: { total: 15, cacheRead: 0, cacheWrite: 0 }, output: { total: 78, reasoning: 64 } },
  });
});
