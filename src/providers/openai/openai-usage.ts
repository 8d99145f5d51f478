// OpenAI usage and finish reasons → neutral form, with the presets' deviations.
// Usage semantics (openai.md §4): prompt_tokens includes cached tokens, completion_tokens includes reasoning tokens.
import type { FinishReason, UnifiedFinishReason, Usage } from '../../core/chat.js';
import type { CompatiblePreset } from '../compatible/presets.js';
import { countOf, isRecord, recordOf, type JsonRecord } from './openai-wire.js';

export function convertUsage(raw: unknown, preset: CompatiblePreset | undefined): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const promptDetails = recordOf(raw.prompt_tokens_details);
  const completionDetails = recordOf(raw.completion_tokens_details);
  const reasoning = countOf(completionDetails?.reasoning_tokens);
  let cacheRead = countOf(promptDetails?.cached_tokens);
  if (cacheRead === 0 && preset?.deepseekCacheHitTokens) cacheRead = countOf(raw.prompt_cache_hit_tokens);
  let output = countOf(raw.completion_tokens);
  // xAI: prompt 12 + completion 1 + reasoning 290 = total 303 (recorded in vercel/ai packages/xai fixtures).
  if (preset?.xaiReasoningOutsideCompletion) output += reasoning;
  return {
    input: { total: countOf(raw.prompt_tokens), cacheRead, cacheWrite: countOf(promptDetails?.cache_write_tokens) },
    output: { total: output, reasoning },
  };
}

/** Usage carried by one stream chunk, if any (`usage`, or Groq's `x_groq.usage`). */
export function usageOfChunk(chunk: JsonRecord, preset: CompatiblePreset | undefined): Usage | undefined {
  const usage = convertUsage(chunk.usage, preset);
  if (usage || !preset?.groqStreamUsage) return usage;
  return convertUsage(recordOf(chunk.x_groq)?.usage, preset);
}

// https://platform.openai.com/docs/api-reference/chat/object (finish_reason); `function_call` is the deprecated form.
const openAIFinishReasons = new Map<string, UnifiedFinishReason>([
  ['stop', 'stop'],
  ['length', 'length'],
  ['tool_calls', 'tool_calls'],
  ['function_call', 'tool_calls'],
  ['content_filter', 'content_filter'],
]);

export function mapFinishReason(raw: unknown, preset: CompatiblePreset | undefined): FinishReason {
  if (typeof raw !== 'string') return { unified: 'other', raw: null };
  const extra = preset?.finishReasons;
  const unified = openAIFinishReasons.get(raw) ?? (extra && Object.hasOwn(extra, raw) ? extra[raw] : undefined);
  return { unified: unified ?? 'other', raw };
}
