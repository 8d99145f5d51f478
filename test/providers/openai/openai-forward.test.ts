import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/core/errors.js';
import { presets, type PresetId } from '../../../src/providers/compatible/presets.js';
import { eventEnd, mayCarryUsage } from '../../../src/providers/openai/openai-forward.js';
import type { ForwardedResponse, ForwardedStream, ForwardRequest } from '../../../src/providers/spec.js';
import { jsonHeaders, sseHeaders } from '../../helpers/replay-server.js';
import { callContext } from '../adapter-calls.js';
import { chunkLines, fixture, startTestUpstream, toSse, type TestUpstream } from './openai-test-server.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startTestUpstream();
});
after(() => upstream.close());

const textUsage = { input: { total: 16, cacheRead: 0, cacheWrite: 0 }, output: { total: 300, reasoning: 0 } };
const textLines = chunkLines(fixture('openai-text.chunks.txt'));
const recorded = toSse(textLines);
/** The recorded stream without its usage-only chunk (the last line of the recording). */
const recordedWithoutUsage = toSse(textLines.slice(0, -1));
assert.match(textLines.at(-1)!, /"choices":\[\],"usage":\{/);

function asStream(response: ForwardedResponse): ForwardedStream {
  assert.equal(response.kind, 'stream');
  return response as ForwardedStream;
}

/** Splits text into pieces of `size` bytes, cutting events (and lines) anywhere. */
function pieces(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

async function drain(body: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; error: unknown }> {
  const received: Buffer[] = [];
  try {
    for await (const chunk of body) received.push(chunk);
  } catch (error) {
    return { bytes: Buffer.concat(received), error };
  }
  return { bytes: Buffer.concat(received), error: undefined };
}

function streamRequest(includeUsage: boolean, bodyText?: string): ForwardRequest {
  const body = { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true, temperature: 0 };
  return { path: '/chat/completions', body, stream: true, includeUsage, ...(bodyText ? { bodyText } : {}) };
}

test('non-stream: the client bytes go up verbatim and the upstream bytes come back unchanged, metered', async () => {
  const upstreamBytes = fixture('openai-text.json');
  upstream.reply({ headers: jsonHeaders, body: upstreamBytes });
  const bodyText = '{"model":"gpt-4.1-nano",  "messages":[{"role":"user","content":"hi"}],"x_unknown":1}';
  const response = await upstream.adapter().forward!(
    { path: '/chat/completions', body: JSON.parse(bodyText) as Record<string, unknown>, bodyText, stream: false, includeUsage: false },
    callContext(),
  );
  assert.equal(upstream.requests.at(-1)!.text, bodyText);
  assert.equal(upstream.requests.at(-1)!.path, '/v1/chat/completions');
  assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer test-key');
  assert.equal(response.kind, 'json');
  assert.equal(response.status, 200);
  assert.equal(response.contentType, 'application/json');
  assert.ok(response.kind === 'json' && response.body.equals(Buffer.from(upstreamBytes)));
  assert.deepEqual(response.usage, { input: { total: 16, cacheRead: 0, cacheWrite: 0 }, output: { total: 363, reasoning: 0 } });
});

test('non-stream embeddings are metered from prompt_tokens', async () => {
  upstream.reply({ headers: jsonHeaders, body: fixture('openai-embedding-base64.json') });
  const response = await upstream.adapter().forward!(
    { path: '/embeddings', body: { model: 'text-embedding-3-large', input: 'h' }, stream: false, includeUsage: false },
    callContext(),
  );
  assert.deepEqual(response.kind === 'json' && response.usage, { input: { total: 1, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } });
});

// The timeout only keeps a regression (bytes held back) from stalling the suite: it would deadlock.
test('stream the client asked usage for: relayed byte for byte, each event as soon as it is complete', { timeout: 20_000 }, async () => {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chunks = pieces(recorded, 1000);
  upstream.reply({ headers: sseHeaders, chunks: [chunks[0]!, held, ...chunks.slice(1)] });
  const bodyText = JSON.stringify({ ...streamRequest(true).body, stream_options: { include_usage: true } });
  const response = asStream(await upstream.adapter().forward!(streamRequest(true, bodyText), callContext()));
  assert.equal(upstream.requests.at(-1)!.text, bodyText);
  assert.equal(upstream.requests.at(-1)!.headers.accept, 'text/event-stream');
  assert.equal(response.contentType, 'text/event-stream; charset=utf-8');
  const iterator = response.body[Symbol.asyncIterator]();
  // The upstream holds everything after its first write until that write's events are through: no deadlock
  // only if each complete event is relayed as soon as it arrives.
  const firstEvents = chunks[0]!.subarray(0, chunks[0]!.lastIndexOf('\n\n') + 2);
  assert.ok(firstEvents.length > 0);
  const received: Buffer[] = [];
  while (Buffer.concat(received).length < firstEvents.length) {
    const next = await iterator.next();
    assert.ok(!next.done);
    received.push(next.value);
  }
  assert.ok(Buffer.concat(received).equals(firstEvents));
  release();
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) received.push(next.value);
  assert.ok(Buffer.concat(received).equals(Buffer.from(recorded)));
  assert.deepEqual(response.usage(), textUsage);
});

test('stream the client did not ask usage for: usage is asked upstream, metered, and its chunk cut', async () => {
  const toolLines = chunkLines(fixture('openai-parallel-tool-calls.chunks.txt'));
  const toolUsage = { input: { total: 149, cacheRead: 0, cacheWrite: 0 }, output: { total: 60, reasoning: 0 } };
  const cases = [
    { lines: textLines, size: 13, usage: textUsage },
    { lines: textLines, size: 100, usage: textUsage },
    { lines: textLines, size: 4096, usage: textUsage },
    { lines: toolLines, size: 1, usage: toolUsage },
  ];
  for (const { lines, size, usage } of cases) {
    upstream.reply({ headers: sseHeaders, chunks: pieces(toSse(lines), size) });
    const request = streamRequest(false, 'ignored: usage has to be added');
    const response = asStream(await upstream.adapter().forward!(request, callContext()));
    assert.deepEqual(upstream.requests.at(-1)!.body, { ...request.body, stream_options: { include_usage: true } });
    const { bytes, error } = await drain(response.body);
    assert.equal(error, undefined);
    // Both recordings end with the usage-only chunk: everything but that line is relayed.
    assert.equal(bytes.toString('utf8'), toSse(lines.slice(0, -1)), `pieces of ${size} bytes`);
    assert.deepEqual(response.usage(), usage);
  }
});

test('CRLF-framed streams are cut at the right bytes too', async () => {
  const crlf = recorded.replaceAll('\n', '\r\n');
  upstream.reply({ headers: sseHeaders, chunks: pieces(crlf, 33) });
  const response = asStream(await upstream.adapter().forward!(streamRequest(false), callContext()));
  const { bytes, error } = await drain(response.body);
  assert.equal(error, undefined);
  assert.equal(bytes.toString('utf8'), recordedWithoutUsage.replaceAll('\n', '\r\n'));
  assert.deepEqual(response.usage(), textUsage);
});

test('a stream cut before [DONE] relays what came, then throws upstream_bad_response', async () => {
  for (const includeUsage of [true, false]) {
    const cut = toSse(textLines.slice(0, 4), false);
    upstream.reply({ headers: sseHeaders, chunks: pieces(cut, 50) });
    const response = asStream(await upstream.adapter().forward!(streamRequest(includeUsage), callContext()));
    const { bytes, error } = await drain(response.body);
    assert.equal(bytes.toString('utf8'), cut);
    assert.ok(error instanceof GatewayError && error.code === 'upstream_bad_response', String(error));
    // No usage came: the prompt ("hi") and the text relayed ("**Holiday Name") are counted, marked estimated.
    const usage = response.usage();
    assert.equal(usage?.estimated, true);
    assert.ok(usage.input.total > 0 && usage.input.total < 12, `input ${usage.input.total}`);
    assert.ok(usage.output.total >= 2 && usage.output.total <= 5, `output ${usage.output.total}`);
  }
});

test('a malformed event is not relayed: the events before it are, then upstream_bad_response', async () => {
  for (const includeUsage of [true, false]) {
    const good = toSse(textLines.slice(0, 3), false);
    const broken = `${good}data: {"id":"chatcmpl-x","choices":[{"index":0,"delta":{"content":"\n\n${toSse(textLines.slice(3))}`;
    upstream.reply({ headers: sseHeaders, chunks: pieces(broken, 40) });
    const response = asStream(await upstream.adapter().forward!(streamRequest(includeUsage), callContext()));
    const { bytes, error } = await drain(response.body);
    assert.equal(bytes.toString('utf8'), good);
    assert.ok(error instanceof GatewayError && error.code === 'upstream_bad_response', String(error));
  }
});

test('an error event on a 200 stream is relayed, then thrown as the mapped error', async () => {
  // OpenRouter's documented mid-stream error shape (https://openrouter.ai/docs/api-reference/streaming).
  const errorEvent = JSON.stringify({
    id: 'cmpl-abc123',
    object: 'chat.completion.chunk',
    created: 1234567890,
    model: 'gpt-3.5-turbo',
    provider: 'openai',
    error: { code: 'server_error', message: 'Provider disconnected unexpectedly' },
    choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
  });
  const sent = `: OPENROUTER PROCESSING\n\n${toSse([...textLines.slice(0, 2), errorEvent], false)}`;
  upstream.reply({ headers: sseHeaders, body: sent });
  const response = asStream(await upstream.adapter({ preset: presets.openrouter, id: 'openrouter' }).forward!(streamRequest(false), callContext()));
  const { bytes, error } = await drain(response.body);
  assert.equal(bytes.toString('utf8'), sent);
  assert.ok(error instanceof GatewayError);
  assert.equal(error.code, 'upstream_error');
  assert.match(error.message, /Provider disconnected unexpectedly/);
});

test('non-2xx answers are thrown as mapped errors, not forwarded', async () => {
  upstream.reply({ status: 400, headers: jsonHeaders, body: fixture('openai-error-unsupported-parameter.json') });
  await assert.rejects(
    upstream.adapter().forward!(streamRequest(true), callContext()),
    (error: unknown) => error instanceof GatewayError && error.code === 'invalid_request' && error.param === 'max_tokens',
  );
  upstream.reply({ status: 401, headers: jsonHeaders, body: '{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}' });
  await assert.rejects(
    upstream.adapter().forward!({ path: '/chat/completions', body: {}, stream: false, includeUsage: false }, callContext()),
    (error: unknown) => error instanceof GatewayError && error.code === 'upstream_auth' && error.status === 502,
  );
});

test('a client disconnect during a forwarded stream aborts the upstream call', { timeout: 20_000 }, async () => {
  const own = await startTestUpstream();
  try {
    own.reply({ headers: sseHeaders, chunks: [toSse(textLines.slice(0, 3), false)], keepOpen: true });
    const controller = new AbortController();
    const response = asStream(await own.adapter().forward!(streamRequest(true), callContext(controller.signal)));
    const iterator = response.body[Symbol.asyncIterator]();
    assert.ok(!(await iterator.next()).done);
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

test('only OpenAI and passthrough presets can forward', () => {
  assert.equal(typeof upstream.adapter().forward, 'function');
  for (const id of Object.keys(presets) as PresetId[]) {
    const adapter = upstream.adapter({ preset: presets[id], id });
    assert.equal(typeof adapter.forward === 'function', presets[id].passthrough, id);
  }
});

test('mayCarryUsage finds usage objects only', () => {
  assert.equal(mayCarryUsage('{"choices":[],"usage":null}'), false);
  assert.equal(mayCarryUsage('{"choices":[],"usage":{"prompt_tokens":1}}'), true);
  assert.equal(mayCarryUsage('{"choices":[], "usage" : \n {"prompt_tokens":1}}'), true);
  assert.equal(mayCarryUsage('{"choices":[{"delta":{"content":"\\"usage\\": {"}}],"usage":null}'), false);
});

test('eventEnd finds the blank line that ends an event, in every line-ending style', () => {
  assert.equal(eventEnd(Buffer.from('data: a\n\ndata: b'), 0), 9);
  assert.equal(eventEnd(Buffer.from('data: a\r\n\r\nx'), 0), 11);
  assert.equal(eventEnd(Buffer.from('data: a\r\rx'), 0), 9);
  assert.equal(eventEnd(Buffer.from('data: a\ndata: b\n'), 0), -1);
  // A trailing CR may be the first half of CRLF: wait for the next byte.
  assert.equal(eventEnd(Buffer.from('data: a\r\n\r'), 0), -1);
});
