// Upstream error answers (before any stream) → GatewayError.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { type Reply } from '../../helpers/replay-server.js';
import { callContext } from '../adapter-calls.js';
import { fixture, json, startGemini, type GeminiHarness } from './gemini-test-server.js';

let gemini: GeminiHarness;
before(async () => {
  gemini = await startGemini();
});
after(() => gemini.close());

const request: ChatRequest = {
  model: 'gemini-2.5-flash',
  stream: false,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};

/** The error both `chat` and `streamChat` reject with (the stream fails before it is returned). */
async function failure(reply: Reply): Promise<GatewayError> {
  gemini.reply(reply);
  const chatError = await gemini.adapter.chat(request, callContext()).then(
    () => assert.fail('chat should have failed'),
    (error: unknown) => error,
  );
  gemini.reply(reply);
  const streamError = await gemini.adapter.streamChat({ ...request, stream: true }, callContext()).then(
    () => assert.fail('streamChat should have failed before returning'),
    (error: unknown) => error,
  );
  assert.ok(chatError instanceof GatewayError);
  assert.ok(streamError instanceof GatewayError);
  assert.equal(streamError.code, chatError.code);
  assert.equal(streamError.retryAfter, chatError.retryAfter);
  return chatError;
}

test('400 API_KEY_INVALID is our credential: 502 upstream_auth, not the client\'s 400', async () => {
  const error = await failure(json(400, fixture('gemini-400-api-key-invalid.json')));
  assert.equal(error.code, 'upstream_auth');
  assert.equal(error.status, 502);
  assert.equal(error.publicCode, 'provider_auth_error');
  assert.equal(error.retryable, false);
  assert.equal(error.provider, 'gemini');
  assert.doesNotMatch(error.message, /test-key/);
});

test('429 RESOURCE_EXHAUSTED: retryAfter from RetryInfo ("34.4s" → 35), else from the retry-after header', async () => {
  const withInfo = await failure(json(429, fixture('google-429-retry-info.json'), { 'retry-after': '3' }));
  assert.equal(withInfo.code, 'rate_limited');
  assert.equal(withInfo.status, 429);
  assert.equal(withInfo.retryAfter, 35);
  assert.match(withInfo.message, /exceeded your current quota/);
  const headerOnly = await failure(
    json(429, '{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}', {
      'retry-after': '7',
    }),
  );
  assert.equal(headerOnly.retryAfter, 7);
});

test('503 UNAVAILABLE is a retryable unavailable error carrying Google\'s message', async () => {
  const error = await failure(json(503, fixture('gemini-503-overloaded.json')));
  assert.equal(error.code, 'unavailable');
  assert.equal(error.status, 503);
  assert.equal(error.retryable, true);
  assert.match(error.message, /The model is overloaded/);
});

test('a plain INVALID_ARGUMENT stays a 400 the client can fix; FAILED_PRECONDITION is the provider\'s problem', async () => {
  // Message recorded in vercel/ai packages/google/src/__fixtures__/issue-22372-live-errors.json.
  const invalid = await failure(
    json(400, '{"error":{"code":400,"message":"You can only set only one of thinking budget and thinking level.","status":"INVALID_ARGUMENT"}}'),
  );
  assert.equal(invalid.code, 'invalid_request');
  assert.equal(invalid.status, 400);
  assert.match(invalid.message, /only one of thinking budget/);
  const precondition = await failure(
    json(400, '{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}'),
  );
  assert.equal(precondition.code, 'upstream_error');
  assert.equal(precondition.status, 502);
});

test('an error body that is not Google JSON still maps by status and keeps a bounded excerpt', async () => {
  const error = await failure({ status: 500, headers: { 'content-type': 'text/html' }, chunks: ['<html>Internal Server Error</html>'] });
  assert.equal(error.code, 'upstream_error');
  assert.equal(error.status, 502);
  assert.match(error.message, /Internal Server Error/);
  const long = await failure({ status: 502, headers: { 'content-type': 'text/plain' }, chunks: ['x'.repeat(5000)] });
  assert.ok(long.message.length < 1000, `message of ${long.message.length} characters`);
  const wrapped = await failure(json(404, '[{"error":{"code":404,"message":"models/nope is not found","status":"NOT_FOUND"}}]'));
  assert.match(wrapped.message, /models\/nope is not found/);
});
