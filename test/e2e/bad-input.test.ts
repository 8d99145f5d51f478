// Bad input on every endpoint gets a clear OpenAI-envelope error naming what is wrong: never a 500.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway();
});
after(async () => {
  await gateway.close();
});

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as ErrorBody, response };
}

function assertEnvelope(body: ErrorBody) {
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.type, 'string');
  assert.ok('param' in body.error && 'code' in body.error, 'all four envelope keys are present');
}

const endpoints = [
  { path: '/v1/chat/completions', valid: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, wrongType: { messages: 'hi' }, wrongParam: 'messages' },
  { path: '/v1/completions', valid: { model: 'gpt-3.5-turbo-instruct', prompt: 'hi' }, wrongType: { prompt: { text: 'hi' } }, wrongParam: 'prompt' },
  { path: '/v1/embeddings', valid: { model: 'text-embedding-3-small', input: 'hi' }, wrongType: { input: 42 }, wrongParam: 'input' },
];

for (const endpoint of endpoints) {
  describe(`POST ${endpoint.path}`, () => {
    test('malformed JSON is a 400 that says so', async () => {
      const { status, body } = await post(endpoint.path, '{"model": "gpt-4o-mini", "messages": [');
      assert.equal(status, 400);
      assertEnvelope(body);
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, /not valid JSON/);
    });

    test('a body that is not an object is a 400', async () => {
      const { status, body } = await post(endpoint.path, '[1,2,3]');
      assert.equal(status, 400);
      assert.match(body.error.message, /JSON object/);
    });

    test('an empty body is a 400', async () => {
      const { status, body } = await post(endpoint.path, '');
      assert.equal(status, 400);
      assert.match(body.error.message, /empty/);
    });

    test('a wrong type names the field', async () => {
      const { status, body } = await post(endpoint.path, { ...endpoint.valid, ...endpoint.wrongType });
      assert.equal(status, 400);
      assertEnvelope(body);
      assert.equal(body.error.param?.split(/[.[]/)[0], endpoint.wrongParam);
      assert.match(body.error.message, new RegExp(endpoint.wrongParam));
    });

    test('a missing model names the field', async () => {
      const { model: _model, ...rest } = endpoint.valid;
      const { status, body } = await post(endpoint.path, rest);
      assert.equal(status, 400);
      assert.equal(body.error.param, 'model');
    });

    test('a missing required input names the field', async () => {
      const { status, body } = await post(endpoint.path, { model: endpoint.valid.model });
      assert.equal(status, 400);
      assert.equal(body.error.param, endpoint.wrongParam);
    });

    test('an oversized body is a 413 with the limit', async () => {
      const huge = { ...endpoint.valid, padding: 'x'.repeat(1024 * 1024 + 10) };
      const { status, body } = await post(endpoint.path, huge);
      assert.equal(status, 413);
      assertEnvelope(body);
      assert.match(body.error.message, /limit of 1048576 bytes/);
    });

    test('an unknown model is a 404 model_not_found', async () => {
      const { status, body } = await post(endpoint.path, { ...endpoint.valid, model: 'made-up-model-9000' });
      assert.equal(status, 404);
      assert.equal(body.error.code, 'model_not_found');
      assert.equal(body.error.param, 'model');
    });

    test('a wrong content type is a 415', async () => {
      const { status, body } = await post(endpoint.path, JSON.stringify(endpoint.valid), { 'content-type': 'text/plain' });
      assert.equal(status, 415);
      assertEnvelope(body);
    });

    test('every error carries the request id in the body and the header', async () => {
      const { body, response } = await post(endpoint.path, '{');
      const id = response.headers.get('x-request-id');
      assert.ok(id);
      assert.equal((body.error as unknown as { request_id: string }).request_id, id);
    });
  });
}

describe('chat-specific validation', () => {
  const cases: Array<[string, object, string]> = [
    ['an empty messages array', { messages: [] }, 'messages'],
    ['an unknown role', { messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
    ['a temperature out of range', { temperature: 3 }, 'temperature'],
    ['a non-integer max_tokens', { max_tokens: 1.5 }, 'max_tokens'],
    ['too many stop sequences', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    ['a tool without a function name', { tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name'],
    ['a tool message without tool_call_id', { messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    ['stream as a string', { stream: 'yes' }, 'stream'],
  ];
  for (const [name, patch, param] of cases) {
    test(`${name} is a 400 naming ${param}`, async () => {
      const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...patch };
      const result = await post('/v1/chat/completions', body);
      assert.equal(result.status, 400, JSON.stringify(result.body));
      assert.ok(result.body.error.param?.startsWith(param.split('[')[0]!), `param ${result.body.error.param} should name ${param}`);
      assert.match(result.body.error.message, new RegExp(param.split('[')[0]!));
    });
  }

  test('invalid tool-call arguments in history are a 400 for translated providers', async () => {
    const result = await post('/v1/chat/completions', {
      model: 'anthropic/claude-haiku-4-5',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{not json' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'x' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    assert.equal(result.status, 400);
    assert.match(result.body.error.message + (result.body.error.param ?? ''), /arguments/);
  });
});

describe('routes', () => {
  test('an unknown path is a 404 in the OpenAI envelope', async () => {
    const response = await fetch(`${gateway.url}/v3/nothing-here`);
    assert.equal(response.status, 404);
    const body = (await response.json()) as ErrorBody;
    assertEnvelope(body);
    assert.match(body.error.message, /\/v1\/models/);
  });

  test('a wrong method is a 405', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    assert.equal(response.status, 405);
    assertEnvelope((await response.json()) as ErrorBody);
  });

  test('GET /v1/models/{id} with an unknown id is a 404', async () => {
    const response = await fetch(`${gateway.url}/v1/models/does-not-exist`, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as ErrorBody).error.code, 'model_not_found');
  });
});
