// Shared by the usage end-to-end tests: a gateway whose test models carry a known price table, the request-log
// row of a call, and the provider's own counts for the call just made, read by replaying the exact upstream
// request to the simulator and mapping its usage by each provider's documented semantics.
import assert from 'node:assert/strict';
import { createParser } from 'eventsource-parser';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** USD per million tokens: a token costs 2, 8, 0.5, 2.5 and 12 micro-USD. */
export const prices = { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5, reasoning: 12 };

/** One test model per provider family, all at `prices`. */
export const ledgerModels = {
  sim: 'ledger-sim',
  openai: 'ledger-openai',
  groq: 'ledger-groq',
  anthropic: 'ledger-claude',
  gemini: 'ledger-gemini',
} as const;

export async function startLedgerGateway(): Promise<TestGateway> {
  const chat = ['chat', 'completions', 'embeddings', 'function_calling'];
  return startTestGateway({
    config: {
      models: [
        { id: ledgerModels.sim, provider: 'sim', capabilities: chat, pricing: prices },
        { id: ledgerModels.openai, provider: 'openai', capabilities: chat, pricing: prices },
        { id: ledgerModels.groq, provider: 'groq', capabilities: ['chat'], pricing: prices },
        { id: ledgerModels.anthropic, provider: 'anthropic', capabilities: ['chat'], pricing: prices },
        { id: ledgerModels.gemini, provider: 'gemini', capabilities: ['chat', 'embeddings'], pricing: prices },
      ],
    },
  });
}

export async function rowFor(gateway: TestGateway, requestId: string | null | undefined): Promise<RequestLogEntry> {
  assert.ok(requestId, 'the response has an X-Request-Id');
  for (let attempt = 0; attempt < 100; attempt++) {
    await gateway.store.requestLog.flush();
    const row = await gateway.store.requestLog.get(requestId);
    if (row) return row;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no request-log row for ${requestId}`);
}

export type Counts = { prompt: number; cached: number; cacheWrite: number; completion: number; reasoning: number };

/** The cost of `counts` at `prices`, computed here in half micro-USD and rounded half up, as an independent check. */
export function expectedCost(counts: Counts): number {
  const uncached = counts.prompt - counts.cached - counts.cacheWrite;
  const visible = counts.completion - counts.reasoning;
  const halves = uncached * 4 + counts.cached * 1 + counts.cacheWrite * 5 + visible * 16 + counts.reasoning * 24;
  return Math.floor((halves + 1) / 2);
}

/** The row holds exactly the provider's counts and their cost, not marked estimated. */
export function assertExactRow(row: RequestLogEntry, counts: Counts): void {
  assert.deepEqual(
    {
      prompt: row.promptTokens,
      cached: row.cachedTokens,
      cacheWrite: row.cacheWriteTokens,
      completion: row.completionTokens,
      reasoning: row.reasoningTokens,
    },
    counts,
  );
  assert.equal(row.costMicroUsd, expectedCost(counts));
  assert.equal(row.usageEstimated, false);
}

type Json = Record<string, any>;
type Family = 'openai' | 'anthropic' | 'gemini';

const credentials: Record<string, Record<string, string>> = {
  openai: { authorization: 'Bearer replay' },
  anthropic: { 'x-api-key': 'replay', 'anthropic-version': '2023-06-01' },
  gemini: { 'x-goog-api-key': 'replay' },
};

/** What the provider reported for the gateway's last upstream request, in the neutral semantics. */
export async function providerCounts(gateway: TestGateway): Promise<Counts> {
  const { family, events } = await replayLastRequest(gateway);
  if (family === 'openai') return openaiCounts(events.map((event) => event.usage).filter(Boolean).at(-1));
  if (family === 'anthropic') return anthropicCounts(events);
  return geminiCounts(events.map((event) => event.usageMetadata).filter(Boolean).at(-1));
}

/** The gateway's last upstream request sent again to the simulator: its answer's JSON body or stream events. */
export async function replayLastRequest(gateway: TestGateway): Promise<{ family: Family; events: Json[] }> {
  const recorded = gateway.simulator.lastRequest();
  assert.ok(recorded?.family, 'the gateway called the simulator');
  const family = recorded.family;
  const query = recorded.query === '' ? '' : `?${recorded.query}`;
  const response = await fetch(`${gateway.simulator.url}${recorded.path}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...credentials[family] },
    body: JSON.stringify(recorded.body),
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  const events = response.headers.get('content-type')?.includes('text/event-stream') ? sseData(text) : [JSON.parse(text) as Json].flat();
  return { family, events };
}

export function sseData(text: string): Json[] {
  const events: Json[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.data !== '[DONE]') events.push(JSON.parse(event.data) as Json);
    },
  });
  parser.feed(text);
  return events;
}

/** OpenAI: prompt_tokens include cached and cache-write tokens, completion_tokens include reasoning. */
function openaiCounts(usage: Json | undefined): Counts {
  assert.ok(usage, 'the simulator reported usage');
  return {
    prompt: usage.prompt_tokens,
    cached: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWrite: usage.prompt_tokens_details?.cache_write_tokens ?? 0,
    completion: usage.completion_tokens ?? 0,
    reasoning: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** Anthropic: input_tokens exclude the cache; streams report in message_start and (overwriting) message_delta. */
function anthropicCounts(events: Json[]): Counts {
  const usage: Json = {};
  for (const event of events) {
    if (event.type === 'message') Object.assign(usage, event.usage);
    if (event.type === 'message_start') Object.assign(usage, event.message.usage);
    if (event.type === 'message_delta') Object.assign(usage, event.usage);
  }
  return {
    prompt: usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
    cached: usage.cache_read_input_tokens,
    cacheWrite: usage.cache_creation_input_tokens,
    completion: usage.output_tokens,
    reasoning: usage.output_tokens_details?.thinking_tokens ?? 0,
  };
}

/** Gemini: promptTokenCount includes cached tokens; thoughts are output apart from candidates. */
function geminiCounts(metadata: Json | undefined): Counts {
  assert.ok(metadata, 'the simulator reported usageMetadata');
  const thoughts = metadata.thoughtsTokenCount ?? 0;
  return {
    prompt: metadata.promptTokenCount,
    cached: metadata.cachedContentTokenCount ?? 0,
    cacheWrite: 0,
    completion: metadata.candidatesTokenCount + thoughts,
    reasoning: thoughts,
  };
}

/** Directives that make the simulator report cached, cache-write and reasoning tokens (Gemini has no cache writes). */
export const cacheAndReasoning = '[sim:cached=40] [sim:cache_write=24] [sim:reasoning=16]';

/** Asserts the counts really exercise the cached, cache-write and reasoning paths of `family`. */
export function assertRichCounts(counts: Counts, family: 'openai' | 'anthropic' | 'gemini', stream: boolean): void {
  assert.equal(counts.cached, 40);
  assert.equal(counts.cacheWrite, family === 'gemini' ? 0 : 24);
  // Anthropic streams report thinking only inside output_tokens (as recorded); its JSON breaks it out.
  assert.equal(counts.reasoning, family === 'anthropic' && stream ? 0 : 16);
}
