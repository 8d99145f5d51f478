import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { ChatRequest } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { presets } from '../../../src/providers/compatible/presets.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/openai-adapter.js';
import { parseErrorBody } from '../../../src/providers/openai/openai-errors.js';
import { jsonHeaders, type Reply } from '../../helpers/replay-server.js';
import { callContext } from '../adapter-calls.js';
import { fixture, startTestUpstream, type TestUpstream } from './openai-test-server.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startTestUpstream();
});
after(() => upstream.close());

const request: ChatRequest = { model: 'm', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };

async function failure(reply: Reply, preset?: keyof typeof presets): Promise<GatewayError> {
  upstream.reply(reply);
  const adapter = upstream.adapter(preset ? { preset: presets[preset], id: preset } : {});
  try {
    await adapter.chat(request, callContext());
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  }
  assert.fail('the call should have failed');
}

test('a recorded 400 keeps the status, the param and the provider code', async () => {
  const error = await failure({ status: 400, headers: jsonHeaders, body: fixture('openai-error-unsupported-parameter.json') });
  assert.equal(error.code, 'invalid_request');
  assert.equal(error.status, 400);
  assert.equal(error.param, 'max_tokens');
  assert.equal(error.publicCode, 'unsupported_parameter');
  assert.equal(error.provider, 'openai');
  assert.match(error.message, /answered 400: Unsupported parameter: 'max_tokens' is not supported with this model/);
});

test('401 and 403 are our credential: a 502 that never echoes the key', async () => {
  for (const status of [401, 403]) {
    const body = JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const error = await failure({ status, headers: jsonHeaders, body });
    assert.equal(error.code, 'upstream_auth');
    assert.equal(error.status, 502);
    assert.equal(error.publicCode, 'provider_auth_error');
    assert.doesNotMatch(error.message, /test-key/);
  }
});

test('429 keeps retry-after (seconds, or retry-after-ms)', async () => {
  const body = JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
  const seconds = await failure({ status: 429, headers: { ...jsonHeaders, 'retry-after': '7' }, body });
  assert.equal(seconds.code, 'rate_limited');
  assert.equal(seconds.retryAfter, 7);
  assert.equal(seconds.publicCode, 'rate_limit_exceeded');
  const milliseconds = await failure({ status: 429, headers: { ...jsonHeaders, 'retry-after-ms': '1500' }, body });
  assert.equal(milliseconds.retryAfter, 2);
});

test('429 insufficient_quota is not a rate limit: waiting will not help', async () => {
  const body = JSON.stringify({ error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } });
  const error = await failure({ status: 429, headers: jsonHeaders, body });
  assert.equal(error.code, 'upstream_error');
  assert.equal(error.publicCode, 'insufficient_quota');
});

test('5xx and non-JSON bodies map by status, with the text kept short', async () => {
  const html = `<html><body>${'Bad gateway '.repeat(100)}</body></html>`;
  const gateway = await failure({ status: 502, headers: { 'content-type': 'text/html' }, body: html });
  assert.equal(gateway.code, 'upstream_error');
  assert.ok(gateway.message.length < 400);
  assert.match(gateway.message, /answered 502: <html><body>Bad gateway/);
  const overloaded = await failure({ status: 503, headers: jsonHeaders, body: '' });
  assert.equal(overloaded.code, 'unavailable');
  assert.match(overloaded.message, /answered 503: no body/);
});

test("Mistral's recorded top-level error body is read", async () => {
  const error = await failure({ status: 400, headers: jsonHeaders, body: fixture('mistral-error.json', 'compatible') }, 'mistral');
  assert.equal(error.code, 'invalid_request');
  assert.equal(error.provider, 'mistral');
  assert.match(error.message, /answered 400: Not the same number of function calls and responses$/);
});

test('error bodies are read leniently', () => {
  // Mistral 422: the message is itself an object.
  const validation = parseErrorBody(
    '{"object":"error","message":{"detail":[{"loc":["body","temperature"],"msg":"Input should be less than or equal to 1.5"}]},"type":"invalid_request_error"}',
  );
  assert.match(validation.message, /Input should be less than or equal to 1.5/);
  assert.deepEqual(parseErrorBody('{"error":"missing model"}'), { message: 'missing model', code: null, param: null });
  assert.deepEqual(parseErrorBody('{"detail":"Not Found"}'), { message: 'Not Found', code: null, param: null });
  // OpenRouter: the HTTP status as a numeric code; Mistral: digits as a string. Neither is a code for clients.
  assert.deepEqual(parseErrorBody('{"error":{"code":402,"message":"Insufficient credits"}}'), {
    message: 'Insufficient credits',
    code: null,
    param: null,
    status: 402,
  });
  assert.equal(parseErrorBody('{"object":"error","message":"Rate limit exceeded","type":"rate_limited","code":"1300"}').code, null);
  assert.equal(parseErrorBody('upstream connect error').message, 'upstream connect error');
});

test('an unreachable upstream is a 502 upstream_error', async () => {
  // A port that was just free: nothing listens there any more.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.close();
  await once(server, 'close');
  const pool = new Pool(origin);
  try {
    const adapter = createOpenAIAdapter({ id: 'openai', apiKey: 'test-key', baseURL: `${origin}/v1`, dispatcher: pool });
    await assert.rejects(adapter.chat(request, callContext()), (error: unknown) => error instanceof GatewayError && error.code === 'upstream_error');
  } finally {
    await pool.close();
  }
});
