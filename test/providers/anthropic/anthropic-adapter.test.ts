import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, StreamPart } from '../../../src/core/chat.js';
import { sseHeaders } from '../../helpers/replay-server.js';
import { callContext, collect } from '../adapter-calls.js';
import { chunksToSse, fixture, startTestUpstream, type TestUpstream } from './anthropic-test-server.js';

async function withUpstream(run: (upstream: TestUpstream) => Promise<void>, adapterHeaders?: Record<string, string>): Promise<void> {
  const upstream = await startTestUpstream(adapterHeaders);
  try {
    await run(upstream);
  } finally {
    await upstream.close();
  }
}

const request = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude-sonnet-4-5',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, how are you?' }] }],
  stream: false,
  ...overrides,
});

const usage = (input: number, cacheRead: number, cacheWrite: number, output: number, reasoning = 0) => ({
  input: { total: input + cacheRead + cacheWrite, cacheRead, cacheWrite },
  output: { total: output, reasoning },
});

test('chat posts to /v1/messages with Anthropic headers and translates a text answer', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ body: fixture('anthropic-text.json') });
    const result = await upstream.adapter.chat(
      request({ messages: [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: [{ type: 'text', text: 'Hello' }] }] }),
      callContext(undefined, { 'anthropic-beta': 'files-api-2025-04-14' }),
    );

    const sent = upstream.requests[0];
    assert.equal(sent?.method, 'POST');
    assert.equal(sent?.path, '/v1/messages');
    assert.equal(sent?.headers['x-api-key'], 'test-key');
    assert.equal(sent?.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent?.headers['content-type'], 'application/json');
    assert.equal(sent?.headers['x-team'], 'blue');
    assert.equal(sent?.headers['anthropic-beta'], 'files-api-2025-04-14');
    assert.deepEqual(sent?.body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be nice.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });

    assert.deepEqual(result, {
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: {
            content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
          },
          finish: { unified: 'stop', raw: 'end_turn' },
        },
      ],
      usage: usage(12, 0, 0, 29),
    });
  }, { 'x-team': 'blue' }));

test('chat sends a multi-turn tool conversation and returns parallel tool calls', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ body: fixture('anthropic-tool-use.json') });
    const tools = [{ name: 'test_tool', description: 'A test tool', parameters: { type: 'object', properties: { count: { type: 'number' } } } }];
    const result = await upstream.adapter.chat(
      request({
        tools,
        toolChoice: 'required',
        parallelToolCalls: false,
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Count twice' }] },
          {
            role: 'assistant',
            content: [],
            toolCalls: [
              { id: 'toolu_a', name: 'test_tool', arguments: '{"count":1}' },
              { id: 'toolu_b', name: 'test_tool', arguments: '{"count":2}' },
            ],
          },
          { role: 'tool', toolCallId: 'toolu_a', content: [{ type: 'text', text: 'Called with 1' }] },
          { role: 'tool', toolCallId: 'toolu_b', content: [{ type: 'text', text: 'Called with 2' }] },
          { role: 'user', content: [{ type: 'text', text: 'Again' }] },
        ],
      }),
      callContext(),
    );
    assert.deepEqual(upstream.requests[0]?.body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Count twice' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_a', name: 'test_tool', input: { count: 1 } },
            { type: 'tool_use', id: 'toolu_b', name: 'test_tool', input: { count: 2 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_a', content: 'Called with 1' },
            { type: 'tool_result', tool_use_id: 'toolu_b', content: 'Called with 2' },
            { type: 'text', text: 'Again' },
          ],
        },
      ],
      tools: [{ name: 'test_tool', description: 'A test tool', input_schema: tools[0]?.parameters }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    assert.deepEqual(result.choices, [
      {
        index: 0,
        message: {
          content: "I'll use the test_tool twice as requested, first with count 1 and then with count 2.",
          toolCalls: [
            { id: 'toolu_0179r6ofLHbaispTuUAqMJfr', name: 'test_tool', arguments: '{"count":1}' },
            { id: 'toolu_012uz9XtyrRxAoELvYgkQnxi', name: 'test_tool', arguments: '{"count":2}' },
          ],
        },
        finish: { unified: 'tool_calls', raw: 'tool_use' },
      },
    ]);
    assert.deepEqual(result.usage, usage(418, 0, 0, 114));
  }));

test('chat counts cache reads and writes into the input total', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ body: fixture('anthropic-cache-usage.json') });
    const result = await upstream.adapter.chat(request(), callContext());
    assert.deepEqual(result.usage, { input: { total: 3 + 1111 + 403, cacheRead: 1111, cacheWrite: 403 }, output: { total: 33, reasoning: 0 } });
  }));

test('chat turns the json tool input into the answer text with finish stop', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ body: fixture('anthropic-json-tool.json') });
    const schema = { type: 'object', properties: { elements: { type: 'array' } } };
    const result = await upstream.adapter.chat(
      request({ responseFormat: { type: 'json_schema', name: 'weather', schema } }),
      callContext(),
    );
    const body = upstream.requests[0]?.body as { tools: unknown; tool_choice: unknown };
    assert.deepEqual(body.tools, [{ name: 'json', description: 'Respond with a JSON object.', input_schema: schema }]);
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'json' });
    const choice = result.choices[0];
    assert.equal(choice?.message.toolCalls, undefined);
    assert.deepEqual(JSON.parse(choice?.message.content ?? ''), {
      elements: [
        { location: 'San Francisco', temperature: -5, condition: 'snowy' },
        { location: 'London', temperature: 0, condition: 'snowy' },
        { location: 'Paris', temperature: 23, condition: 'cloudy' },
        { location: 'Berlin', temperature: -9, condition: 'snowy' },
      ],
    });
    assert.deepEqual(choice?.finish, { unified: 'stop', raw: 'tool_use' });
  }));

test('chat returns thinking as reasoning and thinking tokens as reasoning usage', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ body: fixture('anthropic-thinking-tool-use.json') });
    const result = await upstream.adapter.chat(
      request({ reasoningEffort: 'low', tools: [{ name: 'checkSandboxErrors' }] }),
      callContext(),
    );
    const body = upstream.requests[0]?.body as { thinking: unknown; max_tokens: number };
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 1024 });
    assert.equal(body.max_tokens, 4096);
    assert.deepEqual(result.choices[0]?.message, {
      content: null,
      toolCalls: [{ id: 'toolu_017R7ACrx7NF7sLDDtvdQ1u9', name: 'checkSandboxErrors', arguments: '{}' }],
      reasoning: 'The user wants me to call checkSandboxErrors immediately.',
    });
    assert.deepEqual(result.usage, usage(599, 0, 0, 59, 18));
  }));

test('streams a text answer: start, deltas, one usage part, then finish', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ headers: sseHeaders, body: chunksToSse(fixture('anthropic-text.chunks.txt')) });
    const stream = await upstream.adapter.streamChat(request({ stream: true, stop: ['\n\nHuman:'] }), callContext());
    const parts = await collect(stream);
    assert.deepEqual(upstream.requests[0]?.body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, how are you?' }] }],
      stop_sequences: ['\n\nHuman:'],
      stream: true,
    });
    assert.deepEqual(parts, [
      { type: 'start', id: 'msg_01QC4g3HwBThD4BaNtBckFDJ', model: 'claude-sonnet-4-5-20250929' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: '! I' },
      { type: 'text-delta', text: "'m doing well, thank you for asking" },
      { type: 'text-delta', text: '. How are you doing today?' },
      { type: 'text-delta', text: ' Is' },
      { type: 'text-delta', text: ' there anything I can help you with?' },
      { type: 'usage', usage: usage(12, 0, 0, 30) },
      { type: 'finish', reason: { unified: 'stop', raw: 'end_turn' } },
    ]);
  }));

test('streams a tool call from raw SSE split across writes: start then argument fragments', () =>
  withUpstream(async (upstream) => {
    const raw = fixture('anthropic-tool-use.sse.txt');
    // Split mid-event to exercise the SSE parser's buffering.
    const chunks = [raw.slice(0, 100), raw.slice(100, 777), raw.slice(777)];
    upstream.reply({ headers: sseHeaders, chunks });
    const parts = await collect(await upstream.adapter.streamChat(request({ stream: true }), callContext()));
    assert.deepEqual(parts, [
      { type: 'start', id: 'msg_019Q1hrJbZG26Fb9BQhrkHEr', model: 'claude-opus-4-8' },
      { type: 'text-delta', text: 'I' },
      { type: 'text-delta', text: "'ll check the current weather in Paris for you." },
      { type: 'tool-call-start', index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"locati' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'on": "P' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'ar' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'is"}' },
      { type: 'usage', usage: usage(377, 0, 0, 65) },
      { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_use' } },
    ]);
  }));

test('streams `{}` for a tool whose arguments never arrived', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ headers: sseHeaders, body: chunksToSse(fixture('anthropic-tool-no-args.chunks.txt')) });
    const parts = await collect(await upstream.adapter.streamChat(request({ stream: true }), callContext()));
    const toolParts = parts.filter((part) => part.type.startsWith('tool-call'));
    assert.deepEqual(toolParts, [
      { type: 'tool-call-start', index: 0, id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
    ]);
    assert.deepEqual(parts.at(-1), { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_use' } });
  }));

test('streams the json tool input as text with finish stop', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ headers: sseHeaders, body: chunksToSse(fixture('anthropic-json-tool.chunks.txt')) });
    const parts = await collect(
      await upstream.adapter.streamChat(request({ stream: true, responseFormat: { type: 'json_object' } }), callContext()),
    );
    assert.deepEqual(parts, [
      { type: 'start', id: 'msg_01K2JbSUMYhez5RHoK9ZCj9U', model: 'claude-haiku-4-5-20251001' },
      { type: 'text-delta', text: '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]' },
      { type: 'text-delta', text: '}' },
      { type: 'usage', usage: usage(849, 0, 0, 47) },
      { type: 'finish', reason: { unified: 'stop', raw: 'tool_use' } },
    ]);
  }));

test('streams thinking as reasoning deltas before the text', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ headers: sseHeaders, body: chunksToSse(fixture('anthropic-thinking.chunks.txt')) });
    const parts = await collect(await upstream.adapter.streamChat(request({ stream: true, reasoningEffort: 'low' }), callContext()));
    const text = (type: StreamPart['type']) =>
      parts.map((part) => (part.type === type && 'text' in part ? part.text : '')).join('');
    assert.equal(text('reasoning-delta'), 'The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
    assert.equal(text('text-delta'), '925 ÷ 5 = 185');
    const firstText = parts.findIndex((part) => part.type === 'text-delta');
    const lastReasoning = parts.map((part) => part.type).lastIndexOf('reasoning-delta');
    assert.ok(lastReasoning < firstText);
    assert.equal(parts.some((part) => part.type === 'reasoning-delta' && part.text === ''), false);
  }));

test('stream usage is overwritten by message_delta totals and server-tool blocks are skipped', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ headers: sseHeaders, body: chunksToSse(fixture('anthropic-prompt-cache.chunks.txt')) });
    const parts = await collect(await upstream.adapter.streamChat(request({ stream: true }), callContext()));
    assert.equal(parts.some((part) => part.type.startsWith('tool-call')), false);
    assert.deepEqual(parts.filter((part) => part.type === 'usage'), [
      // message_start said 2 / write 3068 / read 0; message_delta's cumulative totals replace them.
      { type: 'usage', usage: usage(6, 6289, 3337, 198) },
    ]);
    assert.deepEqual(parts.at(-1), { type: 'finish', reason: { unified: 'stop', raw: 'end_turn' } });
  }));

// A connection left open would hang `clientClosed()`: the timeout only stops a broken build from stalling the suite.
test('aborting the call context ends the upstream request', { timeout: 20_000 }, () =>
  withUpstream(async (upstream) => {
    const events = chunksToSse(fixture('anthropic-text.chunks.txt')).split('\n\n');
    // Headers and the first two events, then the upstream stalls.
    upstream.reply({ headers: sseHeaders, chunks: [`${events[0]}\n\n${events[1]}\n\n`], keepOpen: true });
    const controller = new AbortController();
    const stream = await upstream.adapter.streamChat(request({ stream: true }), callContext(controller.signal));
    const iterator = stream[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'start');
    const pending = iterator.next();
    controller.abort();
    // The usage so far comes first (for the meter), then the abort.
    const usage = await pending;
    assert.equal(usage.value?.type === 'usage' && usage.value.usage.estimated, true);
    await assert.rejects(iterator.next(), { name: 'GatewayError', code: 'client_closed' });
    await upstream.clientClosed();
  }));
