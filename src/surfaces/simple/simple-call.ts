// What every model call on the /ai surface shares: reading and validating the body, resolving the model,
// answering JSON with the tracking headers, and streaming neutral parts as simple-surface events.
import type { z } from 'zod';
import type { Capability } from '../../core/catalogue.js';
import type { ChatChoice, ChatResult, StreamPart, Usage } from '../../core/chat.js';
import { GatewayError, toGatewayError } from '../../core/errors.js';
import { parseJsonObject, readBody } from '../../http/body.js';
import type { Exchange } from '../../http/server.js';
import { startEventStream, writeEvent } from '../../http/sse.js';
import { validate } from '../../http/validate.js';
import type { CallMeter } from '../../pipeline/call-meter.js';
import { runModelCall, type ModelCall, type ModelCallDeps } from '../../pipeline/model-call.js';
import { primeStream } from '../../pipeline/stream-prime.js';
import type { CacheSpec } from '../../pipeline/cache/response-caching.js';
import { failStream, finishStream } from '../../pipeline/stream-end.js';
import { usageTrailerNames } from '../../pipeline/usage-headers.js';
import { simpleStreamErrorEvent } from './simple-errors.js';
import { catalogueModelName } from './simple-models.js';
import type { SimpleStreamEncoder } from './simple-stream-encoder.js';

export type SimpleCall<T> = ModelCall & { body: T };

/** Reads and validates the body, then runs the call's attempts (see runModelCall); `serve` answers through one. */
export async function runCall<T extends { model: string; stream?: boolean | null }>(
  deps: ModelCallDeps,
  exchange: Exchange,
  schema: z.ZodType<T>,
  capability: Capability,
  endpoint: 'chat' | 'embeddings',
  serve: (call: SimpleCall<T>) => Promise<void>,
  cacheFor?: (body: T) => CacheSpec,
): Promise<void> {
  const raw = await readBody(exchange.request, deps.bodyLimit);
  const { value } = parseJsonObject(raw, exchange.request.headers['content-type']);
  const body = validate(schema, value);
  const model = catalogueModelName(deps.directory.catalogue, body.model);
  const cache = cacheFor?.(body);
  await runModelCall(deps, exchange, { model, capability, endpoint, stream: body.stream === true, body, ...(cache === undefined ? {} : { cache }) }, (call) =>
    serve({ ...call, body }),
  );
}

/** Response ids carry the request id (without dashes), so an answer can be found in the request log. */
export function responseId(prefix: 'chat' | 'gen', exchange: Exchange): string {
  return `${prefix}_${exchange.requestId.replaceAll('-', '')}`;
}

/** The first choice of an answer; an answer without one is the provider's fault, and is metered as failed. */
export function firstChoice(meter: CallMeter, result: ChatResult): ChatChoice {
  const choice = result.choices[0];
  if (choice) return choice;
  const error = new GatewayError('upstream_bad_response', 'The provider answered without any choice.');
  meter.failed(error, result.usage);
  throw error;
}

/** Streams neutral parts through the encoder; an error after the first byte ends the stream with the error event. */
export async function relayParts(
  exchange: Exchange,
  meter: CallMeter,
  parts: AsyncIterable<StreamPart>,
  encoder: SimpleStreamEncoder,
): Promise<void> {
  const { response } = exchange;
  const primed = await primeStream(parts, meter);
  startEventStream(response, {}, usageTrailerNames);
  let tail = '';
  try {
    for await (const part of primed) {
      if (part.type === 'text-delta' || part.type === 'tool-call-start' || part.type === 'reasoning-delta') meter.markFirstToken();
      if (!(await writeEvent(response, encoder.encode(part)))) break;
    }
    // A client that left is metered as such below, whatever the encoder would have said.
    if (!exchange.signal.aborted && !response.destroyed) tail = encoder.end();
  } catch (error) {
    return endStreamWithError(exchange, meter, toGatewayError(error), encoder.finalUsage);
  }
  return finishStream(exchange, meter, encoder.finalUsage, tail);
}

function endStreamWithError(exchange: Exchange, meter: CallMeter, error: GatewayError, usage: Usage | undefined): void {
  // The error event, never a finish_reason and never [DONE].
  failStream(exchange, meter, error, usage, simpleStreamErrorEvent(error, exchange.requestId));
}
