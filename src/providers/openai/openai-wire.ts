// Lenient readers for OpenAI-shaped upstream replies: only the fields we use, checked by type, never trusted.
// Schemas would be stricter but cost a validation pass per stream chunk on the hot path.
import type { CompatiblePreset } from '../compatible/presets.js';

export type JsonRecord = Record<string, unknown>;

export const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const recordOf = (value: unknown): JsonRecord | undefined => (isRecord(value) ? value : undefined);

export const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A token count: a finite non-negative number, else 0. */
export const countOf = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;

/**
 * The text and reasoning inside `content`: a string (OpenAI), or Mistral's array of `text` and `thinking`
 * chunks (Magistral: `[{type:"thinking",thinking:[{type:"text",text}]},{type:"text",text}]`).
 */
export function splitContent(content: unknown): { text: string; reasoning: string } {
  if (typeof content === 'string') return { text: content, reasoning: '' };
  if (!Array.isArray(content)) return { text: '', reasoning: '' };
  let text = '';
  let reasoning = '';
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (part.type === 'thinking') reasoning += thinkingText(part.thinking);
  }
  return { text, reasoning };
}

function thinkingText(thinking: unknown): string {
  if (typeof thinking === 'string') return thinking;
  if (!Array.isArray(thinking)) return '';
  let text = '';
  for (const chunk of thinking) {
    if (isRecord(chunk) && typeof chunk.text === 'string') text += chunk.text;
  }
  return text;
}

/** Reasoning text in the preset's non-standard field (`reasoning_content`, `reasoning`), first non-empty wins. */
export function reasoningOf(message: JsonRecord, preset: CompatiblePreset | undefined): string {
  for (const field of preset?.reasoningFields ?? []) {
    const value = message[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return '';
}

/** Tool call arguments are a JSON string; a few servers send the object itself. */
export function argumentsOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}
