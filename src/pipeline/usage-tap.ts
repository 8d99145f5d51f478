// Reads usage out of a provider's native answer while its bytes are relayed unchanged: Anthropic
// (`usage` on the message; message_start and cumulative message_delta in streams) and Gemini
// (`usageMetadata`, running totals in streams; the last one counts).
import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { Usage } from '../core/chat.js';
import { convertAnthropicUsage, emptyAnthropicUsageCounters, toNeutralUsage, updateAnthropicUsage } from '../providers/anthropic/anthropic-usage.js';
import { toUsage as geminiUsage } from '../providers/gemini/gemini-usage.js';

export type UsageTap = {
  feed(chunk: Buffer): void;
  /** Usage once the body has ended; undefined when the answer carried none. */
  end(): Usage | undefined;
  /** Whether a stream reached its terminal event (Anthropic `message_stop`, a Gemini `finishReason`). */
  complete(): boolean;
  /** Whether the provider ended the stream with its own error event (relayed already: nothing to add). */
  providerError(): boolean;
};

export function usageTap(dialect: 'anthropic' | 'gemini', contentType: string | undefined): UsageTap {
  const sse = contentType?.includes('text/event-stream') === true;
  if (dialect === 'anthropic') return sse ? anthropicStreamTap() : jsonTap(anthropicUsageOf);
  return sse ? geminiStreamTap() : jsonTap(geminiUsageOf);
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function anthropicUsageOf(body: unknown): Usage | undefined {
  return isObject(body) && isObject(body.usage) ? convertAnthropicUsage(body.usage as never) : undefined;
}

/** A generateContent answer, an embedContent answer, or the JSON array of a stream requested without `alt=sse`. */
function geminiUsageOf(body: unknown): Usage | undefined {
  const items = Array.isArray(body) ? body : [body];
  let usage: Usage | undefined;
  for (const item of items) if (isObject(item) && isObject(item.usageMetadata)) usage = geminiUsage(item.usageMetadata as never);
  return usage;
}

function jsonTap(read: (body: unknown) => Usage | undefined): UsageTap {
  const chunks: Buffer[] = [];
  return {
    feed: (chunk) => void chunks.push(chunk),
    complete: () => true,
    providerError: () => false,
    end() {
      try {
        return read(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        return undefined;
      }
    },
  };
}

function sseTap(onData: (data: Json) => void): { parser: EventSourceParser; decoder: TextDecoder } {
  const parser = createParser({
    onEvent(event) {
      try {
        const data: unknown = JSON.parse(event.data);
        if (isObject(data)) onData(data);
      } catch {
        // Not JSON (a keep-alive, `[DONE]`): nothing to meter.
      }
    },
  });
  return { parser, decoder: new TextDecoder() };
}

function anthropicStreamTap(): UsageTap {
  const counters = emptyAnthropicUsageCounters();
  let seen = false;
  let stopped = false;
  let failed = false;
  const { parser, decoder } = sseTap((data) => {
    if (data.type === 'message_stop') stopped = true;
    if (data.type === 'error') failed = true;
    if (data.type === 'message_start' && isObject(data.message) && isObject(data.message.usage)) {
      updateAnthropicUsage(counters, data.message.usage as never);
      seen = true;
    } else if (data.type === 'message_delta' && isObject(data.usage)) {
      updateAnthropicUsage(counters, data.usage as never);
      seen = true;
    }
  });
  return {
    feed: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })),
    end: () => (seen ? toNeutralUsage(counters) : undefined),
    complete: () => stopped,
    providerError: () => failed,
  };
}

function geminiStreamTap(): UsageTap {
  let usage: Usage | undefined;
  let finished = false;
  let failed = false;
  const { parser, decoder } = sseTap((data) => {
    if (isObject(data.error)) failed = true;
    if (isObject(data.usageMetadata)) usage = geminiUsage(data.usageMetadata as never);
    const candidates = Array.isArray(data.candidates) ? data.candidates : [];
    if (candidates.some((candidate) => isObject(candidate) && typeof candidate.finishReason === 'string')) finished = true;
  });
  return {
    feed: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })),
    end: () => usage,
    complete: () => finished,
    providerError: () => failed,
  };
}
