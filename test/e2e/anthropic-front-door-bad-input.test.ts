// Bad input on POST /v1/messages gets Anthropic's error envelope with a message naming the field, never a 500;
// fields we cannot translate but that do not change the answer's meaning are accepted.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, testKeys, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway();
});
afterEach(() => gateway.simulator.reset());
after(async () => {
  await gateway.close();
});

type Envelope = { type: string; error: { type: string; message: string }; request_id: string };

async function post(body: string | object, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': gateway.adminKey, 'anthropic-version': '2023-06-01', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Envelope, response };
}

async function refused(body: string | object, status: number, type: string, message: RegExp | string): Promise<void> {
  const result = await post(body);
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.type, 'error');
  assert.equal(result.body.error.type, type);
  if (typeof message === 'string') assert.equal(result.body.error.message, message);
  else assert.match(result.body.error.message, message);
  assert.equal(result.body.request_id, result.response.headers.get('request-id'));
  assert.equal(result.body.request_id, result.response.headers.get('x-request-id'));
  assert.equal(gateway.simulator.stats().requests, 0, 'nothing reached a provider');
}

const valid = { model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] };
const user = (content: unknown) => ({ ...valid, messages: [{ role: 'user', content }] });

describe('the body itself', () => {
  test('malformed JSON', () => refused('{"model": "gpt-4o-mini", "messages": [', 400, 'invalid_request_error', /not valid JSON/));
  test('a body that is not an object', () => refused('[1,2,3]', 400, 'invalid_request_error', /JSON object/));
  test('an empty body', () => refused('', 400, 'invalid_request_error', /empty/));

  test('an oversized body is 413 request_too_large', async () => {
    const text = 'x'.repeat(1024 * 1024 + 1);
    await refused(user(text), 413, 'request_too_large', /larger than the limit/);
  });

  test('a body that is not JSON by content type', async () => {
    const result = await post('model=gpt-4o-mini', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(result.status, 415);
    assert.equal(result.body.error.type, 'invalid_request_error');
  });
});

describe('fields', () => {
  test('missing model', () => refused({ max_tokens: 5, messages: valid.messages }, 400, 'invalid_request_error', 'model: Field required'));
  test('missing max_tokens', () => refused({ model: 'gpt-4o-mini', messages: valid.messages }, 400, 'invalid_request_error', 'max_tokens: Field required'));
  test('missing messages', () => refused({ model: 'gpt-4o-mini', max_tokens: 5 }, 400, 'invalid_request_error', 'messages: Field required'));
  test('max_tokens of the wrong type', () => refused({ ...valid, max_tokens: 'ten' }, 400, 'invalid_request_error', /^max_tokens: .*expected number/));
  test('an empty messages list', () => refused({ ...valid, messages: [] }, 400, 'invalid_request_error', /^messages: /));
  test('a temperature above 1', () => refused({ ...valid, temperature: 1.5 }, 400, 'invalid_request_error', /^temperature: /));
  test('a system role in messages', () =>
    refused({ ...valid, messages: [{ role: 'system', content: 'x' }] }, 400, 'invalid_request_error', /^messages\.0\.role: /));
  test('content of the wrong type', () =>
    refused(user(42), 400, 'invalid_request_error', 'messages.0.content: Input should be of type string or array'));

  test('an unknown block type names its path', () =>
    refused(
      { ...valid, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [{ type: 'video', url: 'x' }] }] },
      400,
      'invalid_request_error',
      /^messages\.1\.content\.0\.type: Input tag "video" found using 'type' does not match any of the expected tags: 'text', 'tool_use'/,
    ));

  test('a tool_use block from the user', () =>
    refused(user([{ type: 'tool_use', id: 'toolu_1', name: 'x', input: {} }]), 400, 'invalid_request_error', /^messages\.0\.content\.0\.type: Input tag "tool_use"/));

  test('a text block without text', () =>
    refused(user([{ type: 'text' }]), 400, 'invalid_request_error', 'messages.0.content.0.text: Field required'));

  test('an image with an unsupported source', () =>
    refused(
      user([{ type: 'image', source: { type: 'file', file_id: 'file_1' } }]),
      400,
      'invalid_request_error',
      /^messages\.0\.content\.0\.source\.type: Input tag "file"/,
    ));

  test('a tool_result that answers no tool_use of the previous message', () =>
    refused(
      { ...valid, model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_x', content: 'y' }] }] },
      400,
      'invalid_request_error',
      /^messages\.0\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: call_x\./,
    ));

  test('a tool_use left without its tool_result', () =>
    refused(
      {
        ...valid,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }] },
          { role: 'user', content: 'Never mind' },
        ],
      },
      400,
      'invalid_request_error',
      /^messages\.2: `tool_use` ids were found without `tool_result` blocks immediately after: call_1\./,
    ));

  test('a custom tool without input_schema', () =>
    refused({ ...valid, tools: [{ name: 'get_weather' }] }, 400, 'invalid_request_error', 'tools.0.input_schema: Field required'));

  test('a tool_choice of an unknown type', () =>
    refused({ ...valid, tool_choice: { type: 'sometimes' } }, 400, 'invalid_request_error', /^tool_choice\.type: /));

  test('server tools on a non-Anthropic model are refused by name', () =>
    refused(
      { ...valid, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] },
      400,
      'invalid_request_error',
      /^tools\.0: server tools 'web_search' \(web_search_20250305\) .*served by 'openai'/,
    ));

  test('server tools on a Gemini model are refused by name too', () =>
    refused(
      { ...valid, model: 'gemini-2.5-flash', tools: [{ type: 'code_execution_20250825', name: 'code_execution' }] },
      400,
      'invalid_request_error',
      /^tools\.0: server tools 'code_execution' \(code_execution_20250825\) .*served by 'gemini'/,
    ));

  test('an Anthropic model is held to the same schema (it is checked before routing)', () =>
    refused({ ...valid, model: 'claude-haiku-4-5', max_tokens: 'ten' }, 400, 'invalid_request_error', /^max_tokens: .*expected number/));
});

describe('routing and access', () => {
  test('an unknown model is 404 not_found_error', () => refused({ ...valid, model: 'no-such-model' }, 404, 'not_found_error', /no-such-model/));

  test('no key is 401 authentication_error', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
    const body = (await response.json()) as Envelope;
    assert.equal(response.status, 401);
    assert.equal(body.error.type, 'authentication_error');
  });
});

describe('tolerated fields', () => {
  test('the ?beta=true query Claude Code adds is accepted', async () => {
    const response = await fetch(`${gateway.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}`, 'anthropic-beta': 'interleaved-thinking-2025-05-14' },
      body: JSON.stringify(valid),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { type: string }).type, 'message');
  });

  test('metadata, service_tier, cache_control, betas and earlier thinking are accepted; only what translates travels', async () => {
    const result = await post({
      ...valid,
      metadata: { user_id: 'user-42' },
      service_tier: 'auto',
      betas: ['prompt-caching-2024-07-31'],
      cache_control: { type: 'ephemeral' },
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'First', cache_control: { type: 'ephemeral', ttl: '5m' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature: 'c2ln' },
            { type: 'redacted_thinking', data: 'abc' },
            { type: 'text', text: 'Answer' },
          ],
        },
        { role: 'user', content: 'Second' },
      ],
    });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    const upstream = gateway.simulator.lastRequest()?.body as { messages: { role: string; content: unknown }[]; user?: string };
    assert.deepEqual(upstream.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'First' },
      { role: 'assistant', content: 'Answer' },
      { role: 'user', content: 'Second' },
    ]);
    assert.equal(upstream.user, 'user-42');
    for (const field of ['service_tier', 'betas', 'cache_control', 'metadata']) assert.ok(!(field in upstream), `${field} is not forwarded`);
  });

  test('an Anthropic model receives the body as written, unknown fields and all, only the model renamed', async () => {
    const sent = {
      model: 'claude-haiku-4-5-20251001',
      max_tokens: 50,
      metadata: { user_id: 'user-42' },
      service_tier: 'auto',
      container: 'container_1',
      some_future_field: { nested: [1, 'two', null] },
      cache_control: { type: 'ephemeral' },
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      tools: [
        { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
        { name: 'get_weather', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'First', cache_control: { type: 'ephemeral', ttl: '5m' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature: 'c2ln' },
            { type: 'redacted_thinking', data: 'abc' },
            { type: 'text', text: 'Answer' },
          ],
        },
        { role: 'user', content: 'Second' },
      ],
    };
    const result = await post(sent, { 'anthropic-beta': 'prompt-caching-2024-07-31' });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    const answer = result.body as unknown as { id: string; model: string; type: string };
    assert.equal(answer.type, 'message');
    assert.match(answer.id, /^msg_sim/, "the provider's id, relayed");
    const upstream = gateway.simulator.lastRequest();
    assert.equal(upstream?.family, 'anthropic');
    assert.equal(upstream?.path, '/v1/messages');
    // The alias became the catalogue's upstream id; nothing else changed.
    assert.deepEqual(upstream?.body, { ...sent, model: 'claude-haiku-4-5' });
    assert.equal(upstream?.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
    assert.equal(upstream?.headers['anthropic-version'], '2023-06-01');
    // The provider sees the gateway's credential, never the client's gateway key.
    assert.equal(upstream?.headers['x-api-key'], testKeys.anthropic);
  });

  test('an Anthropic model judges tool pairing itself: an unanswered tool_use reaches it', async () => {
    const sent = {
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: 'Never mind' },
      ],
    };
    const result = await post(sent);
    assert.equal(gateway.simulator.stats().requests, 1, 'the provider was asked');
    assert.deepEqual(gateway.simulator.lastRequest()?.body, sent);
    // The simulator does not enforce pairing, so its answer comes back as it is.
    assert.equal(result.status, 200, JSON.stringify(result.body));
  });
});
