// usageMetadata → neutral usage (OpenAI semantics: cached and reasoning tokens are subsets of their totals).
// https://ai.google.dev/api/generate-content#UsageMetadata ; mapping table in shared/reference/mapping.md §4.
import type { Usage } from '../../core/chat.js';
import type { GeminiUsageMetadata } from './gemini-response-schema.js';

export function toUsage(metadata: GeminiUsageMetadata | null | undefined): Usage {
  const count = (value: number | null | undefined): number => value ?? 0;
  // Tool-use prompt tokens (e.g. search results fed back to the model) are billed as input.
  const input = count(metadata?.promptTokenCount) + count(metadata?.toolUsePromptTokenCount);
  // `candidatesTokenCount` excludes thinking: thoughts are billed as output, so they are added.
  const reasoning = count(metadata?.thoughtsTokenCount);
  return {
    input: { total: input, cacheRead: count(metadata?.cachedContentTokenCount), cacheWrite: 0 },
    output: { total: count(metadata?.candidatesTokenCount) + reasoning, reasoning },
  };
}
