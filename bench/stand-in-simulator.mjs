#!/usr/bin/env node
// A minimal provider simulator for the benchmark, used only when the project's own
// simulator (dist/src/simulator/cli.js) is not built. Same command line, same start-up
// line, same routes: OpenAI POST /v1/chat/completions, Anthropic POST /v1/messages,
// GET /_sim/stats -> {requests, byRoute}. Wire shapes are OpenAI's and Anthropic's.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    chunks: { type: 'string', default: '20' },
    'chunk-delay-ms': { type: 'string', default: '10' },
  },
});
const chunkCount = Math.max(1, Number(values.chunks));
const chunkDelayMs = Math.max(0, Number(values['chunk-delay-ms']));

const stats = { requests: 0, byRoute: {} };
const words = Array.from({ length: chunkCount }, (_, index) => `word${index} `);
const fullText = words.join('');
const usage = { input: 12, output: chunkCount };

function count(route) {
  stats.requests += 1;
  stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
}

function sendJson(response, status, body) {
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  response.end(bytes);
}

// Writes events[0] at once, then one event per chunk delay, then the tail in one write.
function paceEvents(response, head, paced, tail) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.write(head + (paced[0] ?? ''));
  let next = 1;
  const tick = () => {
    if (response.destroyed) return;
    if (next < paced.length) {
      response.write(paced[next]);
      next += 1;
      setTimeout(tick, chunkDelayMs);
      return;
    }
    response.end(tail);
  };
  if (paced.length <= 1) response.end(tail);
  else setTimeout(tick, chunkDelayMs);
}

function openAiUsage() {
  return {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function openAi(request, response, body) {
  const id = `chatcmpl-sim${stats.requests}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model ?? 'gpt-4o-mini';
  if (!body.stream) {
    sendJson(response, 200, {
      id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message: { role: 'assistant', content: fullText, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: openAiUsage(), service_tier: 'default', system_fingerprint: 'fp_sim',
    });
    return;
  }
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (choices, extra) => `data: ${JSON.stringify({
    id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_sim', choices,
    ...(includeUsage ? { usage: null } : {}), ...extra,
  })}\n\n`;
  const head = chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  const paced = words.map((text) => chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]));
  let tail = chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
  if (includeUsage) tail += chunk([], { usage: openAiUsage() });
  paceEvents(response, head, paced, `${tail}data: [DONE]\n\n`);
}

function anthropicEvent(type, data) {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function anthropic(request, response, body) {
  const id = `msg_sim${stats.requests}`;
  const model = body.model ?? 'claude-haiku-4-5-20251001';
  const fullUsage = { input_tokens: usage.input, output_tokens: usage.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (!body.stream) {
    sendJson(response, 200, {
      id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: fullText }],
      stop_reason: 'end_turn', stop_sequence: null, usage: fullUsage,
    });
    return;
  }
  const head = anthropicEvent('message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...fullUsage, output_tokens: 1 } },
  }) + anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  const paced = words.map((text) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
  const tail = anthropicEvent('content_block_stop', { index: 0 })
    + anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } })
    + anthropicEvent('message_stop', {});
  paceEvents(response, head, paced, tail);
}

const routes = { 'POST /v1/chat/completions': openAi, 'POST /v1/messages': anthropic };

const server = http.createServer((request, response) => {
  const path = request.url.split('?')[0];
  const route = `${request.method} ${path}`;
  if (route === 'GET /_sim/stats') {
    sendJson(response, 200, stats);
    return;
  }
  const handler = routes[route];
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => {
    if (!handler) {
      sendJson(response, 404, { error: { message: `no route ${route}`, type: 'not_found' } });
      return;
    }
    count(route);
    let body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      sendJson(response, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    handler(request, response, body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  console.log(`simulator listening on http://${values.host}:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
