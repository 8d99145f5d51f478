// Server-sent events from an upstream body, parsed by eventsource-parser (no regex parsing).
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { GatewayError } from '../../core/errors.js';
import { networkError } from './http.js';

export type SseEvent = { event: string | undefined; data: string };

/** Yields each complete event; throws a GatewayError when the connection breaks. */
export async function* iterateSse(
  provider: string,
  body: AsyncIterable<Buffer | Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseEvent> {
  const pending: SseEvent[] = [];
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      pending.push({ event: message.event, data: message.data });
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      while (pending.length > 0) yield pending.shift()!;
    }
  } catch (error) {
    throw networkError(provider, error, signal);
  }
  parser.feed(decoder.decode());
  // A last event without its blank line is still an event (Gemini ends streams abruptly).
  parser.feed('\n\n');
  while (pending.length > 0) yield pending.shift()!;
}

/** Parses one SSE data payload, mapping bad JSON to a provider error. */
export function parseEventJson(provider: string, data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (error) {
    throw new GatewayError('upstream_bad_response', `Provider '${provider}' sent a malformed stream event.`, {
      provider,
      cause: error,
    });
  }
}
