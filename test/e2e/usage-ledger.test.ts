// The ledger row of every call through the OpenAI surface (/v1) and the simple surface (/ai) holds exactly the
// provider's usage, cached, cache-write and reasoning tokens included, and its exact cost; streamed or not,
// whether the client asked for the usage chunk or not (it then gets none). Upstream: the simulator, each family.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { TestGateway } from '../helpers/gateway.js';
import {
  assertExactRow,
  assertRichCounts,
  cacheAndReasoning,
  ledgerModels,
  providerCounts,
  rowFor,
  startLedgerGateway,
} from './usage-ledger-helpers.js';

let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  gateway = await startLedgerGateway();
  client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
});
after(async () => {
  await gateway.close();
});

const targets = [
  { model: ledgerModels.sim, family: 'openai', path: 'pass-through' },
  { model: ledgerModels.openai, family: 'openai', path: 'pass-through' },
  { model: ledgerModels.groq, family: 'openai', path: 'translated (preset)' },
  { model: ledgerModels.anthropic, family: 'anthropic', path: 'translated' },
  { model: ledgerModels.gemini, family: 'gemini', path: 'translated' },
] as const;

const question = `Tell me about trains ${cacheAndReasoning}`;

describe('POST /v1/chat/completions', () => {
  for (const target of targets) {
    test(`${target.model} (${target.family}, ${target.path}), JSON`, async () => {
      const { data, response } = await client.chat.completions
        .create({ model: target.model, messages: [{ role: 'user', content: question }] })
        .withResponse();
      const row = await rowFor(gateway, response.headers.get('x-request-id'));
      const counts = await providerCounts(gateway);
      assertRichCounts(counts, target.family, false);
      assertExactRow(row, counts);
      assert.equal(data.usage?.prompt_tokens, counts.prompt);
      assert.equal(data.usage?.completion_tokens, counts.completion);
    });

    test(`${target.model} (${target.family}, ${target.path}), streamed with include_usage: the usage chunk and the row agree`, async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: target.model, messages: [{ role: 'user', content: question }], stream: true, stream_options: { include_usage: true } })
        .withResponse();
      const usageChunks = [];
      for await (const chunk of stream) if (chunk.usage) usageChunks.push(chunk);
      const row = await rowFor(gateway, response.headers.get('x-request-id'));
      const counts = await providerCounts(gateway);
      assertRichCounts(counts, target.family, true);
      assertExactRow(row, counts);
      assert.equal(usageChunks.length, 1);
      assert.deepEqual(usageChunks[0]!.choices, []);
      assert.equal(usageChunks[0]!.usage?.prompt_tokens, counts.prompt);
      assert.equal(usageChunks[0]!.usage?.completion_tokens, counts.completion);
    });

    test(`${target.model} (${target.family}, ${target.path}), streamed without include_usage: no usage chunk, the row still exact`, async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: target.model, messages: [{ role: 'user', content: question }], stream: true })
        .withResponse();
      let text = '';
      for await (const chunk of stream) {
        assert.ok(chunk.usage === undefined || chunk.usage === null, 'no usage reaches a client that did not ask');
        assert.ok(chunk.choices.length > 0, 'no usage-only chunk');
        text += chunk.choices[0]?.delta.content ?? '';
      }
      assert.match(text, /Tell me about trains/);
      // The upstream was asked for usage anyway (OpenAI-style upstreams; the others always report it).
      if (target.family === 'openai') assert.equal((gateway.simulator.lastRequest()!.body as any).stream_options?.include_usage, true);
      const row = await rowFor(gateway, response.headers.get('x-request-id'));
      const counts = await providerCounts(gateway);
      assertRichCounts(counts, target.family, true);
      assertExactRow(row, counts);
    });
  }
});

describe('POST /v1/completions', () => {
  for (const target of [targets[0], targets[3]]) {
    for (const stream of [false, true]) {
      test(`${target.model} (${target.path}), ${stream ? 'streamed without include_usage' : 'JSON'}`, async () => {
        const request = { model: target.model, prompt: `Once upon a time ${cacheAndReasoning}`, max_tokens: 50 };
        const { response } = stream
          ? await client.completions.create({ ...request, stream: true }).withResponse()
          : await client.completions.create(request).withResponse();
        if (stream) await response.text();
        const row = await rowFor(gateway, response.headers.get('x-request-id'));
        const counts = await providerCounts(gateway);
        assert.ok(counts.prompt > 0 && counts.completion > 0);
        assertExactRow(row, counts);
      });
    }
  }
});

describe('POST /v1/embeddings', () => {
  test(`${ledgerModels.sim} (pass-through): the reported prompt tokens`, async () => {
    const { response } = await client.embeddings.create({ model: ledgerModels.sim, input: ['one text', 'and another one'] }).withResponse();
    const row = await rowFor(gateway, response.headers.get('x-request-id'));
    const counts = await providerCounts(gateway);
    assert.ok(counts.prompt > 0);
    assertExactRow(row, counts);
  });
});

describe('POST /ai/chat', () => {
  for (const target of [targets[2], targets[3], targets[4]]) {
    for (const stream of [false, true]) {
      test(`${target.model} (${target.family}), ${stream ? 'streamed' : 'JSON'}`, async () => {
        const response = await fetch(`${gateway.url}/ai/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: target.model, stream, messages: [{ role: 'user', content: question }] }),
        });
        assert.equal(response.status, 200);
        const text = await response.text();
        const row = await rowFor(gateway, response.headers.get('x-request-id'));
        const counts = await providerCounts(gateway);
        assertRichCounts(counts, target.family, stream);
        assertExactRow(row, counts);
        // The simple surface always reports usage, in its own shape.
        assert.match(text, new RegExp(`"prompt_tokens":${counts.prompt}\\b`));
      });
    }
  }
});
