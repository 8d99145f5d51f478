// OpenAI usage semantics: prompt_tokens includes cached (and cache-write) tokens, completion_tokens includes
// reasoning tokens (shared/reference/openai.md §4).
import type { AnswerUsage } from './answer-plan.js';
import type { UsageReport } from './directives.js';

export type OpenAIUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number; cache_write_tokens?: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
};

/** `choices` answers of the same plan share one prompt and add up their completions. */
export function openaiUsage(usage: AnswerUsage, choices: number): OpenAIUsage {
  const prompt = usage.promptTokens + usage.cacheRead + usage.cacheWrite;
  const completion = (usage.outputTokens + usage.reasoningTokens) * choices;
  const promptDetails: OpenAIUsage['prompt_tokens_details'] = { cached_tokens: usage.cacheRead, audio_tokens: 0 };
  if (usage.cacheWrite > 0) promptDetails.cache_write_tokens = usage.cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens * choices,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** The usage as `[sim:usage=…]` asks to report it: all of it, the prompt counts only, or none. */
export function reportedUsage<T extends { prompt_tokens: number }>(usage: T, report: UsageReport | undefined): T | { prompt_tokens: number; total_tokens: number } | undefined {
  if (report === 'none') return undefined;
  if (report === 'prompt') return { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens };
  return usage;
}

/** `stop` is a string or up to four strings. */
export function stopList(stop: unknown): string[] {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop)) return stop.filter((entry): entry is string => typeof entry === 'string');
  return [];
}
