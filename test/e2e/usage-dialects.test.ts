// The ledger row of calls through the Anthropic and Gemini front doors (their same-dialect fast path and
// translation) and through the native pass-through (/{provider}/…) holds exactly the provider's usage and cost,
// cached, cache-write and reasoning tokens included, streamed or not, with the official SDKs as clients.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
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

before(async () => {
  gateway = await startLedgerGateway();
});
after(async () => {
  await gateway.close();
});

const question = `Tell me about trains ${cacheAndReasoning}`;
type Family = 'openai' | 'anthropic' | 'gemini';

async function assertLedger(requestId: string | null | undefined, family: Family, stream: boolean) {
  const row = await rowFor(gateway, requestId);
  const counts = await providerCounts(gateway);
  assertRichCounts(counts, family, stream);
  assertExactRow(row, counts);
  return counts;
}

function anthropicAt(base: string): Anthropic {
  return new Anthropic({ authToken: gateway.adminKey, baseURL: base, maxRetries: 0 });
}

async function anthropicCalls(client: Anthropic, model: string, family: Family): Promise<void> {
  const { data: message, response } = await client.messages
    .create({ model, max_tokens: 500, messages: [{ role: 'user', content: question }] })
    .withResponse();
  const counts = await assertLedger(response.headers.get('x-request-id'), family, false);
  assert.equal(message.usage.output_tokens, counts.completion);

  const { data: stream, response: streamed } = await client.messages
    .create({ model, max_tokens: 500, stream: true, messages: [{ role: 'user', content: question }] })
    .withResponse();
  let outputTokens = 0;
  for await (const event of stream) if (event.type === 'message_delta') outputTokens = event.usage.output_tokens;
  const streamCounts = await assertLedger(streamed.headers.get('x-request-id'), family, true);
  assert.equal(outputTokens, streamCounts.completion, 'Anthropic clients always get their usage');
}

async function geminiCalls(ai: GoogleGenAI, model: string, family: Family): Promise<void> {
  const reply = await ai.models.generateContent({ model, contents: question });
  const counts = await assertLedger(reply.sdkHttpResponse?.headers?.['x-request-id'], family, false);
  assert.equal(reply.usageMetadata?.promptTokenCount, counts.prompt);

  let requestId: string | undefined;
  let last;
  for await (const chunk of await ai.models.generateContentStream({ model, contents: question })) {
    requestId ??= chunk.sdkHttpResponse?.headers?.['x-request-id'];
    last = chunk;
  }
  const streamCounts = await assertLedger(requestId, family, true);
  assert.equal(last?.usageMetadata?.promptTokenCount, streamCounts.prompt, 'Gemini clients always get their usage');
}

describe('Anthropic front door (POST /v1/messages)', () => {
  const targets = [
    { model: ledgerModels.anthropic, family: 'anthropic', path: 'fast path' },
    { model: ledgerModels.openai, family: 'openai', path: 'translated' },
    { model: ledgerModels.gemini, family: 'gemini', path: 'translated' },
  ] as const;
  for (const target of targets) {
    test(`${target.model} (${target.path}): JSON and streamed`, () => anthropicCalls(anthropicAt(gateway.url), target.model, target.family));
  }
});

describe('Gemini front door (generateContent, streamGenerateContent)', () => {
  const targets = [
    { model: ledgerModels.gemini, family: 'gemini', path: 'fast path' },
    { model: ledgerModels.anthropic, family: 'anthropic', path: 'translated' },
    { model: ledgerModels.sim, family: 'openai', path: 'translated' },
  ] as const;
  for (const target of targets) {
    test(`${target.model} (${target.path}): JSON and streamed`, () =>
      geminiCalls(new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl: gateway.url } }), target.model, target.family));
  }
});

describe('native pass-through', () => {
  for (const [prefix, model] of [
    ['/openai', ledgerModels.openai],
    ['/groq', ledgerModels.groq],
  ] as const) {
    test(`${prefix} with the openai SDK: JSON, and a stream without include_usage (no usage chunk relayed)`, async () => {
      const client = new OpenAI({ apiKey: gateway.adminKey, baseURL: `${gateway.url}${prefix}`, maxRetries: 0 });
      const { response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: question }] }).withResponse();
      await assertLedger(response.headers.get('x-request-id'), 'openai', false);

      const { data: stream, response: streamed } = await client.chat.completions
        .create({ model, stream: true, messages: [{ role: 'user', content: question }] })
        .withResponse();
      for await (const chunk of stream) assert.ok(chunk.choices.length > 0 && !chunk.usage, 'no usage chunk for a client that did not ask');
      assert.equal((gateway.simulator.lastRequest()!.body as any).stream_options?.include_usage, true, 'usage asked upstream');
      await assertLedger(streamed.headers.get('x-request-id'), 'openai', true);
    });
  }

  test('/anthropic with the Anthropic SDK: message_start and message_delta read once each', () =>
    anthropicCalls(anthropicAt(`${gateway.url}/anthropic`), ledgerModels.anthropic, 'anthropic'));

  test('/google with @google/genai: the last usageMetadata of the stream', () =>
    geminiCalls(new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl: `${gateway.url}/google` } }), ledgerModels.gemini, 'gemini'));
});
