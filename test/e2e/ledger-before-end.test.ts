// The ledger row of a call is recorded (journaled) before the client can see the end of its answer: a client
// that stops at `data: [DONE]` or `event: message_stop`, or has a JSON answer, has nothing the ledger lacks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

// A provider that sends its terminal event and then keeps the connection open a while before ending: without
// the hold-back, a client would see the terminal event long before the call could be metered.
const lingerMs = 400;
const openaiEvents = [
  '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"one two"},"finish_reason":null}]}',
  '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}',
].map((data) => `data: ${data}\n\n`).join('') + 'data: [DONE]\n\n';
const anthropicEvents = [
  ['message_start', '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}'],
  ['content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'],
  ['content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"one two"}}'],
  ['content_block_stop', '{"type":"content_block_stop","index":0}'],
  ['message_delta', '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}'],
  ['message_stop', '{"type":"message_stop"}'],
].map(([event, data]) => `event: ${event}\ndata: ${data}\n\n`).join('');

const openaiJson = JSON.stringify({
  id: 'c2', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'one two' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
});
const anthropicJson = JSON.stringify({
  id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'one two' }],
  stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 9, output_tokens: 2 },
});

let upstream: Server;
let upstreamUrl: string;
before(async () => {
  upstream = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      if (!text.includes('"stream":true')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(request.url?.includes('/messages') ? anthropicJson : openaiJson);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(request.url?.includes('/messages') ? anthropicEvents : openaiEvents);
      setTimeout(() => response.end(), lingerMs);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(() => upstream.close());

const lingering = () => ({
  providers: { openai: { apiKey: 'sk-test', baseURL: `${upstreamUrl}/v1` }, anthropic: { apiKey: 'test-key', baseURL: upstreamUrl } },
});

const slowJournalMs = 150;

/**
 * Watches the request log: the ids of rows recorded so far. A batched row counts once its journal write has
 * resolved, and that write is slowed down, so an answer that did not wait for it arrives before it counts.
 */
function watchRows(gateway: TestGateway) {
  const recorded = new Set<string>();
  const log = gateway.store.requestLog;
  const record = log.record.bind(log);
  const recordBatched = log.recordBatched.bind(log);
  // recordBatched() without a journal goes through record(): that is not a row recorded yet.
  let batching = false;
  log.record = (entry) => {
    record(entry);
    if (!batching) recorded.add(entry.id);
  };
  log.recordBatched = async (entry) => {
    batching = true;
    let written: Promise<void>;
    try {
      written = recordBatched(entry);
    } finally {
      batching = false;
    }
    await written;
    await new Promise((resolve) => setTimeout(resolve, slowJournalMs));
    recorded.add(entry.id);
  };
  return {
    recorded,
    restore() {
      log.record = record;
      log.recordBatched = recordBatched;
    },
  };
}

function post(gateway: TestGateway, path: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Reads the raw stream until `marker` shows, and says whether the call's row had been recorded by then. */
async function recordedBeforeMarker(gateway: TestGateway, path: string, headers: Record<string, string>, body: unknown, marker: string) {
  const rows = watchRows(gateway);
  try {
    const response = await post(gateway, path, headers, body);
    assert.equal(response.status, 200);
    const requestId = response.headers.get('x-request-id')!;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended without ${marker}`);
      text += decoder.decode(value, { stream: true });
    }
    const seenFirst = rows.recorded.has(requestId);
    await reader.cancel();
    return seenFirst;
  } finally {
    rows.restore();
  }
}

test('OpenAI pass-through: the row is recorded before data: [DONE] reaches the client', async () => {
  const gateway = await startTestGateway({ config: lingering() });
  try {
    const body = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'count to five' }] };
    const headers = { authorization: `Bearer ${gateway.adminKey}` };
    assert.equal(await recordedBeforeMarker(gateway, '/openai/v1/chat/completions', headers, body, 'data: [DONE]'), true);
    assert.equal(await recordedBeforeMarker(gateway, '/v1/chat/completions', headers, body, 'data: [DONE]'), true);
  } finally {
    await gateway.close();
  }
});

test('Anthropic relay and front door: the row is recorded before event: message_stop reaches the client', async () => {
  const gateway = await startTestGateway({ config: lingering() });
  try {
    const body = { model: 'claude-haiku-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'count to five' }] };
    const headers = { 'x-api-key': gateway.adminKey, 'anthropic-version': '2023-06-01' };
    assert.equal(await recordedBeforeMarker(gateway, '/anthropic/v1/messages', headers, body, 'event: message_stop'), true);
    assert.equal(await recordedBeforeMarker(gateway, '/v1/messages', headers, body, 'event: message_stop'), true);
  } finally {
    await gateway.close();
  }
});

/** Sends a JSON call and says whether its row had been recorded when the answer's headers arrived. */
async function recordedBeforeAnswer(gateway: TestGateway, path: string, headers: Record<string, string>, body: unknown) {
  const rows = watchRows(gateway);
  try {
    const response = await post(gateway, path, headers, body);
    const seen = rows.recorded.has(response.headers.get('x-request-id')!);
    assert.equal(response.status, 200, await response.text());
    return seen;
  } finally {
    rows.restore();
  }
}

test('JSON answers on every surface go out only after their row is journaled', async () => {
  const gateway = await startTestGateway({ config: lingering() });
  try {
    const openai = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count to five' }] };
    const claude = { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'count to five' }] };
    const bearer = { authorization: `Bearer ${gateway.adminKey}` };
    const anthropic = { 'x-api-key': gateway.adminKey, 'anthropic-version': '2023-06-01' };
    assert.equal(await recordedBeforeAnswer(gateway, '/openai/v1/chat/completions', bearer, openai), true, 'native relay');
    assert.equal(await recordedBeforeAnswer(gateway, '/v1/chat/completions', bearer, openai), true, 'OpenAI pass-through');
    assert.equal(await recordedBeforeAnswer(gateway, '/v1/chat/completions', bearer, claude), true, 'OpenAI surface, translated');
    assert.equal(await recordedBeforeAnswer(gateway, '/v1/messages', anthropic, claude), true, 'Anthropic front door');
    assert.equal(await recordedBeforeAnswer(gateway, '/v1/messages', anthropic, { ...openai, max_tokens: 50 }), true, 'Anthropic surface, translated');
    assert.equal(await recordedBeforeAnswer(gateway, '/ai/chat', bearer, openai), true, 'simple surface');
  } finally {
    await gateway.close();
  }
});
