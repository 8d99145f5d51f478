// Gemini usually returns no function-call id; OpenAI clients need one to answer the call.
import { randomUUID } from 'node:crypto';

/** `call_` + 24 hex characters, the shape OpenAI clients already store (mapping.md §2). */
export function synthesizeToolCallId(): string {
  return `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

export function toolCallId(upstreamId: string | null | undefined): string {
  return upstreamId ? upstreamId : synthesizeToolCallId();
}
