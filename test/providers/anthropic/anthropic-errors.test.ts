import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, StreamPart } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { sseHeaders } from '../../helpers/replay-server.js';
import { callContext, collect } from '../adapter-calls.js';
import { chunksToSse, fixture, startTestUpstream, type TestUpstream } from './anthropic-test-server.js';

async function withUpstream(run: (upstream: TestUpstream) => Promise<void>): Promise<void> {
  const upstream = await startTestUpstream();
  try {
    await run(upstream);
  } finally {
    await upstream.close();
  }
}

const request = (stream = false): ChatRequest => ({
  model: 'claude-sonnet-4-5',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  stream,
});

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

test('a 401 from Anthropic is our credential: 502 upstream_auth, for chat and stream alike', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ status: 401, body: fixture('anthropic-error-authentication.json') });
    for (const call of [
      () => upstream.adapter.chat(request(), callContext()),
      () => upstream.adapter.streamChat(request(true), callContext()),
    ]) {
      const error = await failure(call());
      assert.equal(error.code, 'upstream_auth');
      assert.equal(error.status, 502);
      assert.equal(error.provider, 'anthropic');
      // The provider's text is left out (providers quote the key they refused); the message names what to check.
      assert.doesNotMatch(error.message, /invalid x-api-key/);
      assert.match(error.message, /credential configured for 'anthropic'/);
    }
  }));

test('a 429 keeps its retry-after and the provider message', () =>
  withUpstream(async (upstream) => {
    upstream.reply({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '17' },
      body: fixture('anthropic-error-rate-limit.json'),
    });
    const error = await failure(upstream.adapter.streamChat(request(true), callContext()));
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 17);
    assert.match(error.message, /exceed your account's rate limit/);
  }));

test('a 529 overload becomes a retryable 503', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ status: 529, body: fixture('anthropic-error-overloaded.json') });
    const error = await failure(upstream.adapter.chat(request(), callContext()));
    assert.equal(error.code, 'unavailable');
    assert.equal(error.status, 503);
    assert.equal(error.retryable, true);
    assert.match(error.message, /Overloaded/);
  }));

test('a 400 stays a 400 carrying the provider message; a body that is not JSON is quoted as text', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ status: 400, body: fixture('anthropic-error-invalid-request.json') });
    const invalid = await failure(upstream.adapter.chat(request(), callContext()));
    assert.equal(invalid.code, 'invalid_request');
    assert.equal(invalid.status, 400);
    assert.match(invalid.message, /unexpected `tool_use_id` found in `tool_result` blocks/);

    upstream.reply({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' });
    const html = await failure(upstream.adapter.chat(request(), callContext()));
    assert.equal(html.code, 'upstream_error');
    assert.match(html.message, /<html>Bad gateway<\/html>/);
  }));

test('a 200 body that is not a Messages response is a bad response', () =>
  withUpstream(async (upstream) => {
    upstream.reply({ body: '{"type":"message","content":"not an array"}' });
    const error = await failure(upstream.adapter.chat(request(), callContext()));
    assert.equal(error.code, 'upstream_bad_response');
  }));

test('an in-band error event throws a GatewayError mapped from its type', () =>
  withUpstream(async (upstream) => {
    const start = chunksToSse(fixture('anthropic-text.chunks.txt').split('\n').slice(0, 3).join('\n'));
    upstream.reply({ headers: sseHeaders, body: start + fixture('anthropic-error-event.sse.txt') });
    const stream = await upstream.adapter.streamChat(request(true), callContext());
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const part of stream) seen.push(part.type);
      })(),
    );
    // The usage so far (message_start's input, the output estimated) goes out before the error, to meter it.
    assert.deepEqual(seen, ['start', 'usage']);
    assert.equal(error.code, 'unavailable');
    assert.equal(error.status, 503);
    assert.match(error.message, /overloaded_error.*Overloaded/);

    const rateLimited = 'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}\n\n';
    upstream.reply({ headers: sseHeaders, body: start + rateLimited });
    const second = await failure(collect(await upstream.adapter.streamChat(request(true), callContext())));
    assert.equal(second.code, 'rate_limited');

    const apiError = 'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Internal server error"}}\n\n';
    upstream.reply({ headers: sseHeaders, body: start + apiError });
    const third = await failure(collect(await upstream.adapter.streamChat(request(true), callContext())));
    assert.equal(third.code, 'upstream_error');
    assert.match(third.message, /Internal server error/);
  }));

test('a stream cut before message_stop throws instead of finishing', () =>
  withUpstream(async (upstream) => {
    const lines = fixture('anthropic-text.chunks.txt').split('\n');
    // Everything up to message_delta: no message_stop.
    upstream.reply({ headers: sseHeaders, body: chunksToSse(lines.slice(0, -1).join('\n')) });
    const stream = await upstream.adapter.streamChat(request(true), callContext());
    const seen: StreamPart[] = [];
    const error = await failure(
      (async () => {
        for await (const part of stream) seen.push(part);
      })(),
    );
    assert.equal(error.code, 'upstream_bad_response');
    assert.match(error.message, /ended before message_stop/);
    assert.equal(seen.some((part) => part.type === 'finish'), false);
    // message_delta's counts arrived before the cut: the provider's own usage is handed on, just before the error.
    assert.deepEqual(seen.at(-1), {
      type: 'usage',
      usage: { input: { total: 12, cacheRead: 0, cacheWrite: 0 }, output: { total: 30, reasoning: 0 } },
    });
  }));

test('a stream cut before message_delta keeps message_start input counts and estimates the output', () =>
  withUpstream(async (upstream) => {
    const lines = fixture('anthropic-text.chunks.txt').split('\n');
    // Through the last text delta: message_start's output_tokens (1) is only a placeholder.
    upstream.reply({ headers: sseHeaders, body: chunksToSse(lines.slice(0, 9).join('\n')) });
    const parts: StreamPart[] = [];
    const error = await failure(
      (async () => {
        for await (const part of await upstream.adapter.streamChat(request(true), callContext())) parts.push(part);
      })(),
    );
    assert.equal(error.code, 'upstream_bad_response');
    const usage = parts.at(-1)?.type === 'usage' ? (parts.at(-1) as Extract<StreamPart, { type: 'usage' }>).usage : undefined;
    assert.ok(usage, 'a usage part before the error');
    assert.equal(usage.estimated, true);
    assert.equal(usage.input.total, 12, 'the reported input count is kept');
    // "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?"
    assert.ok(usage.output.total > 20 && usage.output.total < 35, `output estimated from the streamed text: ${usage.output.total}`);
  }));

test('a malformed event is a bad response', () =>
  withUpstream(async (upstream) => {
    const lines = fixture('anthropic-text.chunks.txt').split('\n');
    const broken = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n';
    // The rest of the stream is intact, so only the broken event can fail it.
    upstream.reply({
      headers: sseHeaders,
      body: chunksToSse(lines.slice(0, 3).join('\n')) + broken + chunksToSse(lines.slice(3).join('\n')),
    });
    const error = await failure(collect(await upstream.adapter.streamChat(request(true), callContext())));
    assert.equal(error.code, 'upstream_bad_response');
    assert.match(error.message, /malformed stream event/);
  }));
