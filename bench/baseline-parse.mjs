#!/usr/bin/env node
// Baseline (b): the minimum real work of a gateway on top of baseline-proxy.mjs. It JSON.parses
// the request body and reads `usage` from every response: a buffered JSON body is parsed once,
// a stream is forwarded chunk by chunk as it arrives while a real SSE parser (eventsource-parser)
// taps it and JSON.parses each event. Same command line as baseline-proxy.mjs.
import http from 'node:http';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createParser } from 'eventsource-parser';
import { Pool } from 'undici';
import { forwardedRequestHeaders, forwardedResponseHeaders } from './lib/proxy-headers.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    upstream: { type: 'string' },
  },
});
if (!values.upstream) throw new Error('--upstream URL is required');
const pool = new Pool(values.upstream);
// Totals keep the parsing observable, as a gateway's meter would.
const metered = { requests: 0, inputTokens: 0, outputTokens: 0 };

// OpenAI: usage.{prompt,completion}_tokens; Anthropic: usage.{input,output}_tokens, in
// message_start.message.usage and (cumulative) message_delta.usage when streamed.
function meter(payload) {
  const usage = payload?.usage ?? payload?.message?.usage;
  if (!usage) return;
  metered.inputTokens += usage.prompt_tokens ?? usage.input_tokens ?? 0;
  metered.outputTokens += usage.completion_tokens ?? usage.output_tokens ?? 0;
}

function bufferedJsonSink(response) {
  const parts = [];
  return new Writable({
    write(chunk, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
    final(callback) {
      const body = Buffer.concat(parts);
      try {
        meter(JSON.parse(body.toString('utf8')));
      } catch {
        // a non-JSON upstream body is forwarded unmetered
      }
      response.end(body);
      callback();
    },
  });
}

function tappedStreamSink(response) {
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') return;
      try {
        meter(JSON.parse(event.data));
      } catch {
        // an event that is not JSON is forwarded unmetered
      }
    },
  });
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (response.write(chunk)) callback();
      else response.once('drain', callback);
    },
    final(callback) {
      response.end();
      callback();
    },
  });
  response.once('close', () => sink.destroy());
  return sink;
}

function fail(response, error) {
  if (response.headersSent) {
    response.destroy(error);
    return;
  }
  response.writeHead(502, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message: String(error?.message ?? error), type: 'upstream_error' } }));
}

function proxy(request, response, body) {
  let model;
  try {
    model = JSON.parse(body.toString('utf8')).model;
  } catch {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: 'request body is not JSON', type: 'invalid_request_error' } }));
    return;
  }
  if (typeof model === 'string') metered.requests += 1;
  pool.stream(
    { path: request.url, method: request.method, headers: forwardedRequestHeaders(request.headers), body },
    ({ statusCode, headers }) => {
      response.writeHead(statusCode, forwardedResponseHeaders(headers));
      const isStream = String(headers['content-type'] ?? '').startsWith('text/event-stream');
      return isStream ? tappedStreamSink(response) : bufferedJsonSink(response);
    },
  ).catch((error) => fail(response, error));
}

const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(metered));
    return;
  }
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => proxy(request, response, Buffer.concat(parts)));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), values.host, () => {
  console.log(`baseline-parse listening on http://${values.host}:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close();
    pool.destroy().finally(() => process.exit(0));
  });
}
