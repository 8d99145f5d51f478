// What a call may use at most, before it is made: its prompt tokens (counted with the o200k tokenizer over
// the request's text, as usage estimates count them) plus the output it may produce (`max_tokens` and its relatives, else the model's
// maximum output, else a default), and the worst-case cost of both at the model's highest prices. Token
// limits and spend limits reserve these and settle to the real counts; a prepaid balance reserves the cost.
// Computed lazily: only a caller that some token, spend or balance limit applies to pays for tokenizing.
import type { ModelEntry } from '../core/catalogue.js';
import { requestPromptText } from '../providers/shared/request-text.js';

export type CallEstimate = {
  /** Prompt tokens plus the most output tokens the call may produce. */
  tokens(): number;
  /** The most the call may cost, in micro-USD. */
  costMicroUsd(): number;
};

/** Output tokens assumed when the request sets no maximum and the catalogue knows none. */
export const defaultMaxOutputTokens = 4096;

export function estimateCall(body: unknown, entry: Pick<ModelEntry, 'pricing' | 'maxOutputTokens'>, fallbackMaxOutput = defaultMaxOutputTokens): CallEstimate {
  let prompt: number | undefined;
  const promptTokens = () => (prompt ??= requestPromptText(body).count());
  const maxOutput = requestedMaxOutput(body) ?? entry.maxOutputTokens ?? fallbackMaxOutput;
  return {
    tokens: () => promptTokens() + maxOutput,
    costMicroUsd() {
      const { pricing } = entry;
      const input = BigInt(Math.max(pricing.input, pricing.cacheWrite ?? 0, pricing.cacheWrite1h ?? 0));
      const output = BigInt(Math.max(pricing.output, pricing.reasoning ?? 0));
      const pico = BigInt(promptTokens()) * input + BigInt(maxOutput) * output;
      // Rounded up: a reservation must not be short by a rounding.
      return Number((pico + 999_999n) / 1_000_000n);
    },
  };
}

function requestedMaxOutput(body: unknown): number | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const config = record.generationConfig ?? record.generation_config;
  const candidates = [
    record.max_completion_tokens,
    record.max_tokens,
    record.max_output_tokens,
    record.maxOutputTokens,
    config !== null && typeof config === 'object' ? (config as Record<string, unknown>).maxOutputTokens : undefined,
    config !== null && typeof config === 'object' ? (config as Record<string, unknown>).max_output_tokens : undefined,
  ];
  for (const candidate of candidates) {
    if (typeof candidate === 'number' && Number.isSafeInteger(candidate) && candidate > 0) return candidate;
  }
  return undefined;
}
