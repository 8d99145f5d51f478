import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import { ANTHROPIC_HEADERS, postJson, postSse } from './helpers.js';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const TIME_TOOL = { name: 'get_time', input_schema: { type: 'object', properties: {} } };

describe('simulator: Anthropic messages', () => {
  let sim: SimulatorHandle;
  let url: string;
  before(async () => {
    sim = await startSimulator();
    url = `${sim.url}/v1/messages`;
  });
  after(() => sim.close());

  it('answers with a message, end_turn and Anthropic usage', async () => {
    const { status, headers, json } = await postJson(
      url,
      { model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be terse.', messages: [{ role: 'user', content: 'What is 2+2?' }] },
      ANTHROPIC_HEADERS,
    );
    assert.equal(status, 200);
    const requestId = headers.get('request-id');
    assert.match(requestId ?? '', /^req_/);
    assert.equal(json.type, 'message');
    assert.equal(json.role, 'assistant');
    assert.match(json.id, /^msg_/);
    assert.deepEqual(json.content, [{ type: 'text', text: 'Simulated answer to: What is 2+2?' }]);
    assert.equal(json.stop_reason, 'end_turn');
    assert.equal(json.stop_sequence, null);
    assert.equal(json.usage.input_tokens, 6);
    assert.equal(json.usage.output_tokens, 9);
  });

  it('keeps cache tokens out of input_tokens and thinking inside output_tokens', async () => {
    const text = 'abcd [sim:cached=100] [sim:cache_write=20] [sim:reasoning=50]';
    const { json } = await postJson(url, { model: 'claude', max_tokens: 1000, messages: [{ role: 'user', content: text }] }, ANTHROPIC_HEADERS);
    assert.equal(json.usage.input_tokens, Math.ceil(text.length / 4));
    assert.equal(json.usage.cache_read_input_tokens, 100);
    assert.equal(json.usage.cache_creation_input_tokens, 20);
    assert.equal(json.usage.output_tokens, Math.ceil('Simulated answer to: abcd'.length / 4) + 50);
  });

  it('stops at stop sequences with stop_sequence set, and at max_tokens', async () => {
    const stopped = await postJson(
      url,
      { model: 'claude', max_tokens: 100, stop_sequences: ['answer'], messages: [{ role: 'user', content: 'hi' }] },
      ANTHROPIC_HEADERS,
    );
    assert.equal(stopped.json.content[0].text, 'Simulated ');
    assert.equal(stopped.json.stop_reason, 'stop_sequence');
    assert.equal(stopped.json.stop_sequence, 'answer');
    const cut = await postJson(url, { model: 'claude', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }, ANTHROPIC_HEADERS);
    assert.equal(cut.json.content[0].text, 'Simulate');
    assert.equal(cut.json.stop_reason, 'max_tokens');
    assert.equal(cut.json.usage.output_tokens, 2);
  });

  it('calls tools with toolu_ ids and object input; honours tool_choice', async () => {
    const body = { model: 'claude', max_tokens: 100, tools: [WEATHER_TOOL, TIME_TOOL], messages: [{ role: 'user', content: 'Weather?' }] };
    const { json } = await postJson(url, body, ANTHROPIC_HEADERS);
    assert.equal(json.stop_reason, 'tool_use');
    assert.equal(json.content.length, 1);
    assert.match(json.content[0].id, /^toolu_/);
    assert.deepEqual(json.content[0], { type: 'tool_use', id: json.content[0].id, name: 'get_weather', input: { location: 'Paris' } });
    const named = await postJson(url, { ...body, tool_choice: { type: 'tool', name: 'get_time' } }, ANTHROPIC_HEADERS);
    assert.equal(named.json.content[0].name, 'get_time');
    const none = await postJson(url, { ...body, tool_choice: { type: 'none' } }, ANTHROPIC_HEADERS);
    assert.equal(none.json.stop_reason, 'end_turn');
    const parallel = await postJson(url, { ...body, messages: [{ role: 'user', content: 'both [sim:parallel]' }] }, ANTHROPIC_HEADERS);
    assert.deepEqual(
      parallel.json.content.map((block: { name: string }) => block.name),
      ['get_weather', 'get_time'],
    );
    const single = await postJson(
      url,
      { ...body, tool_choice: { type: 'auto', disable_parallel_tool_use: true }, messages: [{ role: 'user', content: 'both [sim:parallel]' }] },
      ANTHROPIC_HEADERS,
    );
    assert.equal(single.json.content.length, 1);
  });

  it('quotes tool results from the last user turn', async () => {
    const { json } = await postJson(
      url,
      {
        model: 'claude',
        max_tokens: 100,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18C' }] }] },
        ],
      },
      ANTHROPIC_HEADERS,
    );
    assert.deepEqual(json.content, [{ type: 'text', text: 'Tool results: 18C' }]);
  });

  it('mentions attached images', async () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
    const { json } = await postJson(
      url,
      { model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: [image, { type: 'text', text: 'What is this?' }] }] },
      ANTHROPIC_HEADERS,
    );
    assert.equal(json.content[0].text, 'Simulated answer to: What is this? (1 image)');
  });

  it('returns a thinking block when thinking is enabled', async () => {
    const { json } = await postJson(
      url,
      { model: 'claude', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'hi' }] },
      ANTHROPIC_HEADERS,
    );
    assert.equal(json.content[0].type, 'thinking');
    assert.equal(typeof json.content[0].signature, 'string');
    assert.equal(json.content[1].type, 'text');
  });

  it('streams with event names: message_start, blocks, ping, cumulative message_delta, message_stop', async () => {
    const { headers, events } = await postSse(
      url,
      { model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hello there [sim:cached=7]' }] },
      ANTHROPIC_HEADERS,
    );
    assert.match(headers.get('content-type') ?? '', /^text\/event-stream/);
    const names = events.map((event) => event.event);
    assert.deepEqual(names, [
      'message_start',
      'content_block_start',
      'ping',
      ...Array(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const payloads = events.map((event) => JSON.parse(event.data) as Record<string, any>);
    payloads.forEach((payload, index) => assert.equal(payload.type, names[index]));
    const start = payloads[0]!.message;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.equal(start.usage.output_tokens, 1);
    assert.equal(start.usage.cache_read_input_tokens, 7);
    const text = payloads.filter((payload) => payload.type === 'content_block_delta').map((payload) => payload.delta.text).join('');
    assert.equal(text, 'Simulated answer to: Hello there');
    const delta = payloads.at(-2)!;
    assert.deepEqual(delta.delta, { stop_reason: 'end_turn', stop_sequence: null });
    assert.equal(delta.usage.output_tokens, Math.ceil(text.length / 4));
    assert.equal(delta.usage.input_tokens, start.usage.input_tokens);
    assert.equal(delta.usage.cache_read_input_tokens, 7);
  });

  it('streams tool input as input_json_delta fragments after an empty one', async () => {
    const { events } = await postSse(
      url,
      { model: 'claude', max_tokens: 100, stream: true, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather?' }] },
      ANTHROPIC_HEADERS,
    );
    const payloads = events.map((event) => JSON.parse(event.data) as Record<string, any>);
    const start = payloads.find((payload) => payload.type === 'content_block_start')!;
    assert.deepEqual(start.content_block, { type: 'tool_use', id: start.content_block.id, name: 'get_weather', input: {} });
    const fragments = payloads.filter((payload) => payload.type === 'content_block_delta').map((payload) => payload.delta);
    assert.ok(fragments.every((delta) => delta.type === 'input_json_delta'));
    assert.equal(fragments[0].partial_json, '');
    assert.ok(fragments.length >= 3);
    assert.deepEqual(JSON.parse(fragments.map((delta) => delta.partial_json).join('')), { location: 'Paris' });
    assert.equal(payloads.find((payload) => payload.type === 'message_delta')!.delta.stop_reason, 'tool_use');
  });

  it('streams a thinking block with thinking and signature deltas', async () => {
    const { events } = await postSse(
      url,
      { model: 'claude', max_tokens: 2000, stream: true, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'hi' }] },
      ANTHROPIC_HEADERS,
    );
    const payloads = events.map((event) => JSON.parse(event.data) as Record<string, any>);
    const deltaTypes = payloads.filter((payload) => payload.index === 0 && payload.type === 'content_block_delta').map((payload) => payload.delta.type);
    assert.deepEqual(deltaTypes, ['thinking_delta', 'signature_delta']);
  });

  it('counts tokens', async () => {
    const { json } = await postJson(
      `${url}/count_tokens`,
      { model: 'claude', system: 'abcd', messages: [{ role: 'user', content: 'efgh' }] },
      ANTHROPIC_HEADERS,
    );
    assert.deepEqual(json, { input_tokens: 2 });
  });

  it('lists and retrieves models when anthropic-version is sent', async () => {
    const list = (await (await fetch(`${sim.url}/v1/models`, { headers: ANTHROPIC_HEADERS })).json()) as Record<string, any>;
    assert.equal(list.has_more, false);
    assert.equal(list.data[0].type, 'model');
    assert.equal(list.first_id, list.data[0].id);
    const one = (await (await fetch(`${sim.url}/v1/models/claude-x`, { headers: ANTHROPIC_HEADERS })).json()) as Record<string, any>;
    assert.equal(one.id, 'claude-x');
    assert.equal(one.type, 'model');
  });

  it('refuses bad keys with 401 authentication_error and a missing version with 400', async () => {
    const body = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    const bad = await postJson(url, body, { ...ANTHROPIC_HEADERS, 'x-api-key': 'bad-key' });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.type, 'error');
    assert.equal(bad.json.error.type, 'authentication_error');
    assert.equal(bad.json.request_id, bad.headers.get('request-id'));
    const bearer = await postJson(url, body, { 'content-type': 'application/json', authorization: 'Bearer test-key', 'anthropic-version': '2023-06-01' });
    assert.equal(bearer.status, 200);
    const noVersion = await postJson(url, body, { 'content-type': 'application/json', 'x-api-key': 'test-key' });
    assert.equal(noVersion.status, 400);
    assert.equal(noVersion.json.error.type, 'invalid_request_error');
    assert.match(noVersion.json.error.message, /anthropic-version/);
  });

  it('answers 400 to malformed JSON and a missing max_tokens, 404 to missing models', async () => {
    const malformed = await postJson(url, '{', ANTHROPIC_HEADERS);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.type, 'invalid_request_error');
    const noMax = await postJson(url, { model: 'claude', messages: [] }, ANTHROPIC_HEADERS);
    assert.equal(noMax.status, 400);
    assert.equal(noMax.json.error.message, 'max_tokens: Field required');
    const missing = await postJson(url, { model: 'missing-claude', max_tokens: 5, messages: [] }, ANTHROPIC_HEADERS);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.type, 'not_found_error');
  });
});
