// Calling a provider adapter in tests: the per-call context, and reading a stream of parts to the end.
import type { StreamPart } from '../../src/core/chat.js';
import type { CallContext } from '../../src/providers/spec.js';

export function callContext(signal: AbortSignal = new AbortController().signal, headers?: Record<string, string>): CallContext {
  return { requestId: 'req-test', signal, ...(headers ? { headers } : {}) };
}

export async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** Joins the text of the parts of one type, for comparing long streams with their recording. */
export function joined(parts: StreamPart[], type: 'text-delta' | 'reasoning-delta'): string {
  return parts.map((part) => (part.type === type ? part.text : '')).join('');
}
