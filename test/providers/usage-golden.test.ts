// Golden usage: recorded provider answers (JSON and SSE, src/providers/*/__fixtures__) through every path that
// meters them (the translating adapters, the OpenAI-style pass-through, the Anthropic/Gemini relay tap) give
// exactly the provider's counts in the neutral Usage, never marked estimated, and an exact micro-USD cost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pricing } from '../../src/core/catalogue.js';
import type { ChatRequest, StreamPart, Usage } from '../../src/core/chat.js';
import { costMicroUsd } from '../../src/core/pricing.js';
import { usageTap } from '../../src/pipeline/usage-tap.js';
import { presets, type PresetId } from '../../src/providers/compatible/presets.js';
import type { ForwardedResponse } from '../../src/providers/spec.js';
import { jsonHeaders, sseHeaders } from '../helpers/replay-server.js';
import { callContext, collect } from './adapter-calls.js';
import * as anthropicServer from './anthropic/anthropic-test-server.js';
import * as geminiServer from './gemini/gemini-test-server.js';
import * as openaiServer from './openai/openai-test-server.js';

/**
 * Prices per million tokens in micro-USD: input $2, output $8, cached input $0.50, cache write $2.50, so a token
 * costs 2, 8, 0.5 and 2.5 micro-USD. `reasoningApart` bills reasoning at $12 (12 micro-USD a token).
 */
const prices: Pricing = { input: 2_000_000, output: 8_000_000, cachedInput: 500_000, cacheWrite: 2_500_000 };
const reasoningApart: Pricing = { ...prices, reasoning: 12_000_000 };

const usage = (input: number, cacheRead: number, cacheWrite: number, output: number, reasoning: number): Usage => ({
  input: { total: input, cacheRead, cacheWrite },
  output: { total: output, reasoning },
});

function assertGolden(actual: Usage | undefined, expected: Usage, cost: number, costWithReasoningApart = cost): void {
  assert.ok(actual, 'usage was captured');
  assert.deepEqual(actual, expected);
  assert.equal(actual.estimated, undefined, 'the provider reported it: not an estimate');
  assert.equal(costMicroUsd(actual, prices), cost);
  assert.equal(costMicroUsd(actual, reasoningApart), costWithReasoningApart);
}

const chat = (stream: boolean): ChatRequest => ({
  model: 'm',
  stream,
  maxTokens: 1024,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
});

const lastUsage = (parts: StreamPart[]): Usage | undefined => {
  const found = parts.filter((part) => part.type === 'usage');
  assert.equal(found.length, 1, 'exactly one usage part');
  return found[0]!.type === 'usage' ? found[0]!.usage : undefined;
};

async function drained(response: ForwardedResponse): Promise<Usage | undefined> {
  if (response.kind === 'json') return response.usage;
  for await (const chunk of response.body) void chunk;
  return response.usage();
}

function tapped(dialect: 'anthropic' | 'gemini', contentType: string, body: string): Usage | undefined {
  const tap = usageTap(dialect, contentType, Buffer.from('{"contents":[{"parts":[{"text":"hi"}]}]}'));
  // Fed in small pieces: events split across chunks must be read whole.
  const bytes = Buffer.from(body);
  for (let at = 0; at < bytes.length; at += 97) tap.feed(bytes.subarray(at, at + 97));
  return tap.end();
}

describe('OpenAI', () => {
  let upstream: openaiServer.TestUpstream;
  before(async () => {
    upstream = await openaiServer.startTestUpstream();
  });
  after(() => upstream.close());

  const forwardJson = async (body: string, preset?: PresetId) => {
    upstream.reply({ headers: jsonHeaders, body });
    const adapter = upstream.adapter(preset ? { preset: presets[preset], id: preset } : {});
    const request = { path: '/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, stream: false, includeUsage: false };
    return drained(await adapter.forwardNative!(request, callContext()));
  };
  const forwardStream = async (sse: string, preset?: PresetId) => {
    upstream.reply({ headers: sseHeaders, body: sse });
    const adapter = upstream.adapter(preset ? { preset: presets[preset], id: preset } : {});
    const request = { path: '/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }, stream: true, includeUsage: false };
    return drained(await adapter.forwardNative!(request, callContext()));
  };
  const translatedJson = async (body: string, preset?: PresetId) => {
    upstream.reply({ headers: jsonHeaders, body });
    return (await upstream.adapter(preset ? { preset: presets[preset], id: preset } : {}).chat(chat(false), callContext())).usage;
  };
  const translatedStream = async (sse: string, preset?: PresetId) => {
    upstream.reply({ headers: sseHeaders, body: sse });
    return lastUsage(await collect(await upstream.adapter(preset ? { preset: presets[preset], id: preset } : {}).streamChat(chat(true), callContext())));
  };

  test('JSON: completion_tokens_details.reasoning_tokens are part of the output, billed apart when priced apart', async () => {
    const body = openaiServer.fixture('openai-reasoning.json');
    // 13 × 2 + 238 × 8 = 1930; apart: 13 × 2 + 46 × 8 + 192 × 12 = 2698.
    for (const path of [translatedJson, forwardJson]) assertGolden(await path(body), usage(13, 0, 0, 238, 192), 1930, 2698);
  });

  test('JSON: prompt_tokens_details.cached_tokens are billed at the cached price, once', async () => {
    // Derived from the recording above: its usage replaced by the example in OpenAI's prompt-caching guide
    // (https://platform.openai.com/docs/guides/prompt-caching): 2006 prompt tokens of which 1920 cached.
    const recorded = JSON.parse(openaiServer.fixture('openai-reasoning.json')) as Record<string, unknown>;
    recorded.usage = {
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    const body = JSON.stringify(recorded);
    // 86 × 2 + 1920 × 0.5 + 300 × 8 = 172 + 960 + 2400.
    for (const path of [translatedJson, forwardJson]) assertGolden(await path(body), usage(2006, 1920, 0, 300, 0), 3532);
  });

  test('SSE: the usage-only chunk, reasoning tokens included (Azure model router)', async () => {
    const sse = openaiServer.toSse(openaiServer.chunkLines(openaiServer.fixture('azure-model-router.chunks.txt')));
    // 15 × 2 + 78 × 8 = 654; apart: 30 + 14 × 8 + 64 × 12 = 910.
    for (const path of [translatedStream, forwardStream]) assertGolden(await path(sse), usage(15, 0, 0, 78, 64), 654, 910);
  });

  test('SSE: a plain text stream', async () => {
    const sse = openaiServer.toSse(openaiServer.chunkLines(openaiServer.fixture('openai-text.chunks.txt')));
    for (const path of [translatedStream, forwardStream]) assertGolden(await path(sse), usage(16, 0, 0, 300, 0), 2432);
  });

  describe('compatible presets', () => {
    const compatible = (name: string) => openaiServer.fixture(name, 'compatible');

    test('DeepSeek: prompt_cache_hit_tokens are the cached part of prompt_tokens (hit + miss)', async () => {
      // 19 × 2 + 320 × 0.5 + 92 × 8 = 934; apart: 38 + 160 + 44 × 8 + 48 × 12 = 1126.
      const body = compatible('deepseek-tool-call.json');
      for (const path of [translatedJson, forwardJson]) assertGolden(await path(body, 'deepseek'), usage(339, 320, 0, 92, 48), 934, 1126);
      // Derived: the same body as older DeepSeek responses sent it, without prompt_tokens_details.
      const older = JSON.parse(body) as { usage: Record<string, unknown> };
      delete older.usage.prompt_tokens_details;
      assertGolden(await translatedJson(JSON.stringify(older), 'deepseek'), usage(339, 320, 0, 92, 48), 934, 1126);
      // Streamed: 19 × 2 + 320 × 0.5 + 83 × 8 = 862; apart: 38 + 160 + 44 × 8 + 39 × 12 = 1018.
      const sse = openaiServer.toSse(openaiServer.chunkLines(compatible('deepseek-tool-call.chunks.txt')));
      for (const path of [translatedStream, forwardStream]) assertGolden(await path(sse, 'deepseek'), usage(339, 320, 0, 83, 39), 862, 1018);
    });

    test('xAI: reasoning_tokens outside completion_tokens are added to the output, cached tokens billed once', async () => {
      const sse = openaiServer.toSse(openaiServer.chunkLines(compatible('xai-text.chunks.txt')));
      // 1 × 2 + 11 × 0.5 + 291 × 8 = 2335.5 → 2336; apart: 2 + 5.5 + 1 × 8 + 290 × 12 = 3495.5 → 3496 (half up).
      for (const path of [translatedStream, forwardStream]) assertGolden(await path(sse, 'xai'), usage(12, 11, 0, 291, 290), 2336, 3496);
    });

    test('Groq: usage in x_groq.usage on the finish chunk', async () => {
      const lines = openaiServer.chunkLines(compatible('groq-tool-call.chunks.txt')).map((line) => {
        const chunk = JSON.parse(line) as Record<string, unknown>;
        delete chunk.usage; // derived: only x_groq.usage, as older Groq responses sent it
        return JSON.stringify(chunk);
      });
      assertGolden(await translatedStream(openaiServer.toSse(lines), 'groq'), usage(210, 0, 0, 15, 0), 540);
      assertGolden(await forwardStream(openaiServer.toSse(lines), 'groq'), usage(210, 0, 0, 15, 0), 540);
    });

    test('Perplexity: cumulative usage on every chunk counts once, the last', async () => {
      const sse = openaiServer.toSse(openaiServer.chunkLines(compatible('perplexity-text.chunks.txt')));
      // 11 × 2 + 434 × 8 = 3494 (not the sum of the running counts).
      for (const path of [translatedStream, forwardStream]) assertGolden(await path(sse, 'perplexity'), usage(11, 0, 0, 434, 0), 3494);
    });

    test('Mistral: usage on the finish chunk, unasked (no stream_options sent)', async () => {
      const sse = openaiServer.toSse(openaiServer.chunkLines(compatible('mistral-tool-call.chunks.txt')));
      for (const path of [translatedStream, forwardStream]) {
        assertGolden(await path(sse, 'mistral'), usage(124, 0, 0, 22, 0), 424);
        const sent = upstream.requests.at(-1)!.body as Record<string, unknown>;
        assert.equal(sent.stream_options, undefined, 'Mistral does not document stream_options');
      }
    });
  });
});

describe('Anthropic', () => {
  let upstream: anthropicServer.TestUpstream;
  before(async () => {
    upstream = await anthropicServer.startTestUpstream();
  });
  after(() => upstream.close());

  const translatedJson = async (body: string) => {
    upstream.reply({ headers: jsonHeaders, body });
    return (await upstream.adapter.chat(chat(false), callContext())).usage;
  };
  const translatedStream = async (sse: string) => {
    upstream.reply({ headers: sseHeaders, body: sse });
    return lastUsage(await collect(await upstream.adapter.streamChat(chat(true), callContext())));
  };
  const relayedJson = async (body: string) => tapped('anthropic', 'application/json', body);
  const relayedStream = async (sse: string) => tapped('anthropic', 'text/event-stream', sse);

  test('JSON: input_tokens excludes the cache; cache reads and writes are added once each (cache_creation is their breakdown)', async () => {
    const body = anthropicServer.fixture('anthropic-cache-usage.json');
    // 3 + 1111 + 403 = 1517 input. 3 × 2 + 1111 × 0.5 + 403 × 2.5 + 33 × 8 = 6 + 555.5 + 1007.5 + 264 = 1833.
    for (const path of [translatedJson, relayedJson]) assertGolden(await path(body), usage(1517, 1111, 403, 33, 0), 1833);
    // Derived: without cache_creation_input_tokens the breakdown stands for it (ephemeral_5m 403 + 1h 0), not on top.
    const split = JSON.parse(body) as { usage: Record<string, unknown> };
    delete split.usage.cache_creation_input_tokens;
    assertGolden(await translatedJson(JSON.stringify(split)), usage(1517, 1111, 403, 33, 0), 1833);
  });

  test('JSON and SSE: one-hour cache writes are counted among the cache writes and billed at their own price', async () => {
    const body = JSON.parse(anthropicServer.fixture('anthropic-cache-usage.json')) as { usage: Record<string, unknown> };
    body.usage.cache_creation = { ephemeral_5m_input_tokens: 103, ephemeral_1h_input_tokens: 300 };
    for (const path of [translatedJson, relayedJson]) {
      const counted = await path(JSON.stringify(body));
      assert.equal(counted?.input.cacheWrite, 403);
      assert.equal(counted?.input.cacheWrite1h, 300);
      // 3 × 2 + 1111 × 0.5 + 103 × 2.5 + 300 × 4 + 33 × 8 = 6 + 555.5 + 257.5 + 1200 + 264 = 2283.
      assert.equal(costMicroUsd(counted!, { ...prices, cacheWrite1h: 4_000_000 }), 2283);
      // Without a one-hour price every write costs the cache-write price: the 1833 of the test above.
      assert.equal(costMicroUsd(counted!, prices), 1833);
    }
  });

  test('JSON: output_tokens include thinking; output_tokens_details.thinking_tokens is the reasoning part', async () => {
    const body = anthropicServer.fixture('anthropic-thinking-tool-use.json');
    // 599 × 2 + 59 × 8 = 1670; apart: 1198 + 41 × 8 + 18 × 12 = 1742.
    for (const path of [translatedJson, relayedJson]) assertGolden(await path(body), usage(599, 0, 0, 59, 18), 1670, 1742);
  });

  test('SSE: message_start and the cumulative message_delta are not added up', async () => {
    // message_start: input 2, cache write 3068, output 1; message_delta: input 6, cache read 6289, cache write 3337,
    // output 198. The last report wins: 6 + 6289 + 3337 = 9632 input.
    const sse = anthropicServer.chunksToSse(anthropicServer.fixture('anthropic-prompt-cache.chunks.txt'));
    // 6 × 2 + 6289 × 0.5 + 3337 × 2.5 + 198 × 8 = 12 + 3144.5 + 8342.5 + 1584 = 13083.
    for (const path of [translatedStream, relayedStream]) assertGolden(await path(sse), usage(9632, 6289, 3337, 198, 0), 13083);
  });

  test('SSE: a text stream (message_delta repeats the input counts)', async () => {
    const sse = anthropicServer.chunksToSse(anthropicServer.fixture('anthropic-text.chunks.txt'));
    for (const path of [translatedStream, relayedStream]) assertGolden(await path(sse), usage(12, 0, 0, 30, 0), 264);
  });
});

describe('Gemini', () => {
  let gemini: geminiServer.GeminiHarness;
  before(async () => {
    gemini = await geminiServer.startGemini();
  });
  after(() => gemini.close());

  const translatedJson = async (body: string) => {
    gemini.reply(geminiServer.json(200, body));
    return (await gemini.adapter.chat(chat(false), callContext())).usage;
  };
  const translatedStream = async (chunks: string[]) => {
    gemini.reply(geminiServer.sse(chunks));
    return lastUsage(await collect(await gemini.adapter.streamChat(chat(true), callContext())));
  };

  test('JSON: promptTokenCount includes cachedContentTokenCount; tool-use prompt tokens are input; thoughts are output', async () => {
    const body = geminiServer.fixture('issue-19822-complete-usage.json');
    // Input 19 + 63 = 82 (3 cached), output 4 + 56 = 60 (56 reasoning); the totalTokenCount 142 = 82 + 60.
    // 79 × 2 + 3 × 0.5 + 60 × 8 = 639.5 → 640; apart: 158 + 1.5 + 4 × 8 + 56 × 12 = 863.5 → 864.
    assertGolden(await translatedJson(body), usage(82, 3, 0, 60, 56), 640, 864);
    assertGolden(tapped('gemini', 'application/json', body), usage(82, 3, 0, 60, 56), 640, 864);
  });

  test('SSE: running usageMetadata, the last one counts (candidates 23 + thoughts 185)', async () => {
    const chunks = geminiServer.sseFromLines(geminiServer.fixture('google-text.chunks.txt'));
    // 9 × 2 + 208 × 8 = 1682; apart: 18 + 23 × 8 + 185 × 12 = 2422.
    assertGolden(await translatedStream(chunks), usage(9, 0, 0, 208, 185), 1682, 2422);
    assertGolden(tapped('gemini', 'text/event-stream', chunks.join('')), usage(9, 0, 0, 208, 185), 1682, 2422);
    // Without alt=sse the same chunks are one JSON array, read whole.
    const array = `[${geminiServer.fixture('google-text.chunks.txt').trim().split('\n').join(',\r\n')}]`;
    assertGolden(tapped('gemini', 'application/json', array), usage(9, 0, 0, 208, 185), 1682, 2422);
  });
});
