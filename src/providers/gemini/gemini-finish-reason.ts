// Gemini finishReason → neutral finish reason. Values: https://ai.google.dev/api/generate-content#FinishReason
// Mapping (Vercel's map-google-finish-reason.ts): shared/reference/mapping.md §3.
import type { FinishReason } from '../../core/chat.js';

const filtered = new Set(['SAFETY', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'RECITATION']);

/** Gemini has no tool-use reason: a `STOP` after at least one functionCall is `tool_calls`. */
export function toFinishReason(raw: string | null | undefined, sawToolCall: boolean): FinishReason {
  const reason = raw ?? null;
  if (reason === 'MAX_TOKENS') return { unified: 'length', raw: reason };
  if (reason !== null && filtered.has(reason)) return { unified: 'content_filter', raw: reason };
  if (reason === 'STOP' && sawToolCall) return { unified: 'tool_calls', raw: reason };
  // STOP, OTHER, MALFORMED_FUNCTION_CALL, FINISH_REASON_UNSPECIFIED, future values: the raw value is kept.
  return { unified: 'stop', raw: reason };
}

/** The prompt itself was refused (no candidates, `promptFeedback.blockReason`). */
export function blockedFinishReason(blockReason: string): FinishReason {
  return { unified: 'content_filter', raw: blockReason };
}
