// Google's error envelope and the `{model}:{method}` path segment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/core/errors.js';
import { parseTarget, wantsSse } from '../../../src/surfaces/gemini/gemini-call.js';
import { geminiErrorBody, rpcStatus } from '../../../src/surfaces/gemini/gemini-error-envelope.js';

test('HTTP statuses map to the RPC status names Google uses', () => {
  const cases: Array<[number, string]> = [
    [400, 'INVALID_ARGUMENT'], [401, 'UNAUTHENTICATED'], [402, 'RESOURCE_EXHAUSTED'], [403, 'PERMISSION_DENIED'],
    [404, 'NOT_FOUND'], [413, 'INVALID_ARGUMENT'], [415, 'INVALID_ARGUMENT'], [429, 'RESOURCE_EXHAUSTED'],
    [500, 'INTERNAL'], [502, 'UNAVAILABLE'], [503, 'UNAVAILABLE'], [504, 'DEADLINE_EXCEEDED'], [501, 'INTERNAL'],
  ];
  for (const [status, name] of cases) assert.equal(rpcStatus(status), name, String(status));
});

test('the envelope: code, message, status, and an ErrorInfo with our code, the request id and the field', () => {
  const error = new GatewayError('invalid_request', "Invalid value for 'contents'", { param: 'contents', publicCode: 'invalid_value' });
  assert.deepEqual(geminiErrorBody(error, 'req-1'), {
    error: {
      code: 400,
      message: "Invalid value for 'contents'",
      status: 'INVALID_ARGUMENT',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'INVALID_VALUE',
          domain: 'switchyard',
          metadata: { requestId: 'req-1', field: 'contents' },
        },
      ],
    },
  });
});

test('a retry delay travels as RetryInfo, as Gemini sends it', () => {
  const error = new GatewayError('rate_limited', 'Slow down.', { retryAfter: 7 });
  const body = geminiErrorBody(error, 'req-2');
  assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
  assert.deepEqual(body.error.details[1], { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' });
});

test('the path segment: model (with / or :) and method; anything else is a 404 naming the methods', () => {
  assert.deepEqual(parseTarget('gemini-2.5-flash:generateContent'), { model: 'gemini-2.5-flash', method: 'generateContent' });
  assert.deepEqual(parseTarget('anthropic/claude-haiku-4-5:streamGenerateContent'), {
    model: 'anthropic/claude-haiku-4-5',
    method: 'streamGenerateContent',
  });
  assert.deepEqual(parseTarget('ollama/llama3:8b:countTokens'), { model: 'ollama/llama3:8b', method: 'countTokens' });
  for (const segment of ['gemini-2.5-flash:predict', 'gemini-2.5-flash', ':generateContent', undefined]) {
    assert.throws(
      () => parseTarget(segment),
      (error: unknown) =>
        error instanceof GatewayError && error.status === 404 && /generateContent, :streamGenerateContent, :countTokens/.test(error.message),
    );
  }
});

test('alt=sse is read from the query string', () => {
  assert.equal(wantsSse('/v1beta/models/m:streamGenerateContent?alt=sse'), true);
  assert.equal(wantsSse('/v1beta/models/m:streamGenerateContent?key=x&alt=sse'), true);
  assert.equal(wantsSse('/v1beta/models/m:streamGenerateContent'), false);
  assert.equal(wantsSse('/v1beta/models/m:streamGenerateContent?alt=json'), false);
});
