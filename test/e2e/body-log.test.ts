// The optional body log: off by default; when on, request and response bodies of model calls land in their
// own table (never in the ledger), cut at maxBytes, and are pruned by age.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway } from '../helpers/gateway.js';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'remember the word tangerine' }] };

test('off by default: no bodies are kept', async () => {
  const gateway = await startTestGateway();
  try {
    const sdk = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
    const { response } = await sdk.chat.completions.create(chat).withResponse();
    await gateway.store.requestLog.flush();
    await gateway.store.bodies.flush();
    const id = response.headers.get('x-request-id')!;
    assert.ok(await gateway.store.requestLog.get(id));
    assert.equal(await gateway.store.bodies.get(id), undefined);
  } finally {
    await gateway.close();
  }
});

test('on: the request and the response as the client got them, JSON and streamed, cut at maxBytes; pruned by age', async () => {
  const gateway = await startTestGateway({ config: { logging: { bodies: { enabled: true, maxBytes: 2_000 } } } });
  try {
    const sdk = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
    const json = await sdk.chat.completions.create(chat).withResponse();
    const streamed = await sdk.chat.completions.create({ ...chat, stream: true }).withResponse();
    for await (const _chunk of streamed.data) {
      // drain
    }
    const long = await sdk.chat.completions.create({ ...chat, messages: [{ role: 'user', content: 'x'.repeat(5_000) }] }).withResponse();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await gateway.store.bodies.flush();

    const jsonRow = await gateway.store.bodies.get(json.response.headers.get('x-request-id')!);
    assert.equal(JSON.parse(jsonRow!.request!).messages[0].content, 'remember the word tangerine');
    assert.equal(JSON.parse(jsonRow!.response!).choices[0].message.content, json.data.choices[0]!.message.content);
    assert.equal(jsonRow!.organizationId, gateway.operatorOrganizationId);

    const streamRow = await gateway.store.bodies.get(streamed.response.headers.get('x-request-id')!);
    assert.match(streamRow!.response!, /^data: \{/);
    assert.match(streamRow!.response!, /chat\.completion\.chunk/);

    const longRow = await gateway.store.bodies.get(long.response.headers.get('x-request-id')!);
    assert.equal(Buffer.byteLength(longRow!.request!), 2_000);

    assert.equal(await gateway.store.bodies.prune(new Date(Date.now() - 60_000)), 0);
    assert.equal(await gateway.store.bodies.prune(new Date(Date.now() + 60_000)), 3);
    assert.equal(await gateway.store.bodies.get(json.response.headers.get('x-request-id')!), undefined);
  } finally {
    await gateway.close();
  }
});
