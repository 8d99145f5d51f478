// When the provider reports no usage (a server that ignores include_usage, `[sim:usage=none]`), only part of it
// (`[sim:usage=prompt]`), or a stream breaks off before its final counts, the ledger row is still filled: the
// missing counts are taken from the request's text and the text produced (o200k tokenizer) and the row is
// marked estimated. Counts the provider did report are kept exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { countTextTokens } from '../../src/core/usage-estimate.js';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { expectedCost, ledgerModels, replayLastRequest, rowFor, sseData, startLedgerGateway } from './usage-ledger-helpers.js';

let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  gateway = await startLedgerGateway();
  client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
});
after(async () => {
  await gateway.close();
});

const question = 'Which trains run overnight between Paris and Vienna?';

/** The row is marked estimated, its cost follows its counts, and the prompt count is near the question's own. */
function assertEstimated(row: RequestLogEntry, prompt: number): void {
  assert.equal(row.usageEstimated, true);
  assert.ok(row.promptTokens >= prompt && row.promptTokens <= prompt + 12, `prompt ${row.promptTokens}, question ${prompt}`);
  const counts = { prompt: row.promptTokens, cached: row.cachedTokens, cacheWrite: row.cacheWriteTokens, completion: row.completionTokens, reasoning: row.reasoningTokens };
  assert.equal(row.costMicroUsd, expectedCost(counts));
}

describe('no usage from the provider', () => {
  const asked = `${question} [sim:usage=none]`;
  const promptTokens = countTextTokens(asked);

  for (const model of [ledgerModels.sim, ledgerModels.groq, ledgerModels.anthropic]) {
    test(`${model}: JSON, counted from the question and the answer`, async () => {
      const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: asked }] }).withResponse();
      const answer = data.choices[0]!.message.content ?? '';
      assert.match(answer, /Which trains run overnight/);
      const row = await rowFor(gateway, response.headers.get('x-request-id'));
      assertEstimated(row, promptTokens);
      assert.equal(row.completionTokens, countTextTokens(answer));
    });

    test(`${model}: a stream whose upstream ignored include_usage, counted from the streamed text`, async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: asked }] })
        .withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      const row = await rowFor(gateway, response.headers.get('x-request-id'));
      assertEstimated(row, promptTokens);
      assert.equal(row.completionTokens, countTextTokens(text));
    });
  }

  test('native /google stream without usageMetadata: counted from the relayed chunks', async () => {
    const ai = new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl: `${gateway.url}/google` } });
    let requestId: string | undefined;
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({ model: ledgerModels.gemini, contents: asked })) {
      requestId ??= chunk.sdkHttpResponse?.headers?.['x-request-id'];
      text += chunk.text ?? '';
    }
    const row = await rowFor(gateway, requestId);
    assertEstimated(row, promptTokens);
    assert.equal(row.completionTokens, countTextTokens(text));
  });

  test('embeddings from a Gemini model (its batchEmbedContents reports no tokens): the input counted', async () => {
    const input = ['Night trains cross the Alps.', 'They stop in Munich.'];
    const { response } = await client.embeddings.create({ model: ledgerModels.gemini, input }).withResponse();
    const row = await rowFor(gateway, response.headers.get('x-request-id'));
    assert.equal(row.usageEstimated, true);
    assert.equal(row.promptTokens, countTextTokens(input.join('\n')));
    assert.equal(row.costMicroUsd, Math.floor((row.promptTokens * 4 + 1) / 2));
  });
});

describe('part of the usage from the provider', () => {
  test('Gemini reports the prompt only: the prompt count kept exactly, the output counted', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: ledgerModels.gemini, messages: [{ role: 'user', content: `${question} [sim:usage=prompt]` }] })
      .withResponse();
    const row = await rowFor(gateway, response.headers.get('x-request-id'));
    const { events } = await replayLastRequest(gateway);
    assert.equal(events[0]!.usageMetadata.candidatesTokenCount, undefined);
    assert.equal(row.promptTokens, events[0]!.usageMetadata.promptTokenCount);
    assert.equal(row.completionTokens, countTextTokens(data.choices[0]!.message.content ?? ''));
    assert.equal(row.usageEstimated, true);
  });

  test('an Anthropic stream cut after message_start: its input counts kept, the output counted from the relayed text', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: ledgerModels.anthropic,
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: `${question} [sim:cached=40] [sim:fault=cut-stream:3]` }],
      }),
    });
    const events = sseData(await response.text());
    const start = events.find((event) => event.type === 'message_start')!.message.usage;
    const relayed = events.filter((event) => event.delta?.type === 'text_delta').map((event) => event.delta.text as string).join('');
    assert.equal(events.at(-1)!.type, 'error', 'the cut stream ends with the error event');
    const row = await rowFor(gateway, response.headers.get('x-request-id'));
    assert.notEqual(row.errorCode, null);
    assert.equal(row.usageEstimated, true);
    assert.equal(row.promptTokens, start.input_tokens + start.cache_read_input_tokens + start.cache_creation_input_tokens);
    assert.equal(row.cachedTokens, 40);
    assert.equal(row.completionTokens, countTextTokens(relayed));
    assert.ok(row.completionTokens > 1, 'more than message_start placeholder of 1');
  });
});

describe('a stream that breaks', () => {
  test('cut mid-way on the pass-through: metered as failed, from the prompt and the text that got through', async () => {
    const asked = `${question} [sim:fault=cut-stream:4]`;
    const { data: stream, response } = await client.chat.completions
      .create({ model: ledgerModels.sim, stream: true, messages: [{ role: 'user', content: asked }] })
      .withResponse();
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    });
    assert.ok(text.length > 0);
    const row = await rowFor(gateway, response.headers.get('x-request-id'));
    assert.notEqual(row.status, 200);
    assertEstimated(row, countTextTokens(asked));
    assert.equal(row.completionTokens, countTextTokens(text));
  });

  test('an error event after some output (Gemini, translated): its running counts kept, marked estimated', async () => {
    const asked = `${question} [sim:fault=stream-error:3]`;
    const { data: stream, response } = await client.chat.completions
      .create({ model: ledgerModels.gemini, stream: true, messages: [{ role: 'user', content: asked }] })
      .withResponse();
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    });
    const row = await rowFor(gateway, response.headers.get('x-request-id'));
    assert.notEqual(row.errorCode, null);
    assert.equal(row.usageEstimated, true);
    assert.ok(row.promptTokens > 0 && row.completionTokens > 0);
  });

  test('the Anthropic SDK sees its own usage on a complete stream; no estimate when the provider reported', async () => {
    const anthropic = new Anthropic({ authToken: gateway.adminKey, baseURL: gateway.url, maxRetries: 0 });
    const { response } = await anthropic.messages
      .create({ model: ledgerModels.anthropic, max_tokens: 200, messages: [{ role: 'user', content: question }] })
      .withResponse();
    const row = await rowFor(gateway, response.headers.get('x-request-id'));
    assert.equal(row.usageEstimated, false);
  });
});

test('a client that stops reading a translated stream: the call is metered 499 with the usage so far, estimated', async () => {
  const gateway = await startTestGateway({ simulator: { chunkDelayMs: 30, chunks: 40 } });
  try {
    const controller = new AbortController();
    const response = await fetch(`${gateway.v1}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', stream: true, messages: [{ role: 'user', content: 'tell me a long story' }] }),
      signal: controller.signal,
    });
    const requestId = response.headers.get('x-request-id')!;
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('"content":"')) received += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const deadline = Date.now() + 5_000;
    let row;
    while (row === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await gateway.store.requestLog.flush();
      row = await gateway.store.requestLog.get(requestId);
    }
    assert.equal(row?.status, 499);
    assert.ok(row!.promptTokens > 0, `prompt tokens ${row!.promptTokens}`);
    assert.ok(row!.completionTokens > 0, `completion tokens ${row!.completionTokens}`);
    assert.equal(row!.usageEstimated, true);
    assert.ok(row!.costMicroUsd > 0);
  } finally {
    await gateway.close();
  }
});
