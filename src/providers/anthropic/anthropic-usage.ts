// Anthropic usage → the neutral Usage (OpenAI semantics: cached and cache-write tokens are part of the input total).
// https://docs.claude.com/en/api/messages (usage) ; mapping table: /work/shared/reference/mapping.md §4.
//
// | neutral            | Anthropic                                                                   |
// |--------------------|-----------------------------------------------------------------------------|
// | input.total        | input_tokens + cache_read_input_tokens + cache_creation_input_tokens        |
// | input.cacheRead    | cache_read_input_tokens                                                     |
// | input.cacheWrite   | cache_creation_input_tokens (else the sum of `cache_creation`'s 5m and 1h)   |
// | input.cacheWrite1h | cache_creation.ephemeral_1h_input_tokens (billed at the one-hour price)     |
// | output.total       | output_tokens (thinking included)                                           |
// | output.reasoning   | output_tokens_details.thinking_tokens, 0 when absent                        |
import type { Usage } from '../../core/chat.js';
import type { AnthropicUsage } from './anthropic-schemas.js';

/** The raw counters, as last reported. `input_tokens` counts only the uncached part of the prompt. */
export type AnthropicUsageCounters = {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  /** The one-hour part of `cacheWrite` (`cache_creation.ephemeral_1h_input_tokens`). */
  cacheWrite1h: number;
  output: number;
  thinking: number;
};

export const emptyAnthropicUsageCounters = (): AnthropicUsageCounters => ({
  input: 0,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
  output: 0,
  thinking: 0,
});

/**
 * Overwrites the counters present in `usage`, keeping the others. Stream usage is cumulative
 * (message_start has the input counts, message_delta repeats the totals so far), so we never add.
 */
export function updateAnthropicUsage(counters: AnthropicUsageCounters, usage: AnthropicUsage | null | undefined): void {
  if (!usage) return;
  counters.input = usage.input_tokens ?? counters.input;
  counters.cacheRead = usage.cache_read_input_tokens ?? counters.cacheRead;
  counters.cacheWrite = usage.cache_creation_input_tokens ?? cacheCreationSum(usage) ?? counters.cacheWrite;
  counters.cacheWrite1h = usage.cache_creation?.ephemeral_1h_input_tokens ?? counters.cacheWrite1h;
  counters.output = usage.output_tokens ?? counters.output;
  counters.thinking = usage.output_tokens_details?.thinking_tokens ?? counters.thinking;
}

/** Only for a body without the total: `cache_creation` breaks the same tokens down, it does not add to them. */
function cacheCreationSum(usage: AnthropicUsage): number | undefined {
  const split = usage.cache_creation;
  if (!split) return undefined;
  return (split.ephemeral_5m_input_tokens ?? 0) + (split.ephemeral_1h_input_tokens ?? 0);
}

export function toNeutralUsage(counters: AnthropicUsageCounters): Usage {
  return {
    input: {
      total: counters.input + counters.cacheRead + counters.cacheWrite,
      cacheRead: counters.cacheRead,
      cacheWrite: counters.cacheWrite,
      ...(counters.cacheWrite1h > 0 ? { cacheWrite1h: counters.cacheWrite1h } : {}),
    },
    output: { total: counters.output, reasoning: counters.thinking },
  };
}

export function convertAnthropicUsage(usage: AnthropicUsage | null | undefined): Usage {
  const counters = emptyAnthropicUsageCounters();
  updateAnthropicUsage(counters, usage);
  return toNeutralUsage(counters);
}
