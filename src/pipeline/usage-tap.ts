// Reads usage out of a provider's native answer while its bytes are relayed unchanged: Anthropic
// (`usage` on the message; message_start and cumulative message_delta in streams) and Gemini
// (`usageMetadata`, running totals in streams; the last one counts). Where the answer carried no usage, or a
// stream broke off before its final counts, the usage is completed from the request's text and the text
// relayed so far, and marked estimated (see core/usage-estimate.ts).
import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { Usage } from '../core/chat.js';
import { OutputTally, settleUsage, type TokenTally } from '../core/usage-estimate.js';
import { convertAnthropicUsage, emptyAnthropicUsageCounters, toNeutralUsage, updateAnthropicUsage } from '../providers/anthropic/anthropic-usage.js';
import { addAnthropicEventOutput, addAnthropicMessageOutput } from '../providers/anthropic/anthropic-usage-estimate.js';
import { addGeminiOutput } from '../providers/gemini/gemini-usage-estimate.js';
import { toUsage as geminiUsage } from '../providers/gemini/gemini-usage.js';
import { requestPromptText } from '../providers/shared/request-text.js';

export type UsageTap = {
  feed(chunk: Buffer): void;
  /** Usage once the body has ended: the provider's, completed or estimated where it reported none. */
  end(): Usage;
  /** Whether a stream reached its terminal event (Anthropic `message_stop`, a Gemini `finishReason`). */
  complete(): boolean;
  /** Whether the provider ended the stream with its own error event (relayed already: nothing to add). */
  providerError(): boolean;
};

/** `requestBody` is the client's body as relayed: its text is only read when an estimate is needed. */
export function usageTap(dialect: 'anthropic' | 'gemini', contentType: string | undefined, requestBody?: Buffer): UsageTap {
  const sse = contentType?.includes('text/event-stream') === true;
  const prompt = () => requestPromptText(parseJson(requestBody));
  if (dialect === 'anthropic') return sse ? anthropicStreamTap(prompt) : jsonTap(anthropicAnswer, prompt);
  return sse ? geminiStreamTap(prompt) : jsonTap(geminiAnswer, prompt);
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(bytes: Buffer | undefined): unknown {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

type Answer = { reported: Usage | undefined; output: OutputTally };

function anthropicAnswer(body: unknown): Answer {
  const output = new OutputTally();
  addAnthropicMessageOutput(output, body);
  const reported = isObject(body) && isObject(body.usage) ? convertAnthropicUsage(body.usage as never) : undefined;
  return { reported, output };
}

/** A generateContent answer, an embedContent answer, or the JSON array of a stream requested without `alt=sse`. */
function geminiAnswer(body: unknown): Answer {
  const output = new OutputTally();
  let reported: Usage | undefined;
  for (const item of Array.isArray(body) ? body : [body]) {
    if (isObject(item) && isObject(item.usageMetadata)) reported = geminiUsage(item.usageMetadata as never);
    addGeminiOutput(output, item);
  }
  return { reported, output };
}

function jsonTap(read: (body: unknown) => Answer, prompt: () => TokenTally): UsageTap {
  const chunks: Buffer[] = [];
  return {
    feed: (chunk) => void chunks.push(chunk),
    complete: () => true,
    providerError: () => false,
    end() {
      const { reported, output } = read(parseJson(Buffer.concat(chunks)));
      return settleUsage({ reported, prompt, output });
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

function anthropicStreamTap(prompt: () => TokenTally): UsageTap {
  const counters = emptyAnthropicUsageCounters();
  const output = new OutputTally();
  let seen = false;
  /** message_delta carried usage: the output count is the answer's, not message_start's placeholder. */
  let final = false;
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
      final = true;
    } else {
      addAnthropicEventOutput(output, data);
    }
  });
  return {
    feed: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })),
    end: () => settleUsage({ reported: seen ? toNeutralUsage(counters) : undefined, outputFinal: final, prompt, output }),
    complete: () => stopped,
    providerError: () => failed,
  };
}

function geminiStreamTap(prompt: () => TokenTally): UsageTap {
  let usage: Usage | undefined;
  const output = new OutputTally();
  let finished = false;
  let failed = false;
  const { parser, decoder } = sseTap((data) => {
    if (isObject(data.error)) failed = true;
    if (isObject(data.usageMetadata)) usage = geminiUsage(data.usageMetadata as never);
    addGeminiOutput(output, data);
    const candidates = Array.isArray(data.candidates) ? data.candidates : [];
    if (candidates.some((candidate) => isObject(candidate) && typeof candidate.finishReason === 'string')) finished = true;
  });
  return {
    feed: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })),
    end: () => settleUsage({ reported: usage, outputFinal: finished, prompt, output }),
    complete: () => finished,
    providerError: () => failed,
  };
}
