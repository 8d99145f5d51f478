// What every model call on the /v1 surface shares: reading and validating the body, resolving the model,
// the response headers, relaying a pass-through answer, and streaming neutral parts as OpenAI chunks.
import type { z } from 'zod';
import type { Capability } from '../../core/catalogue.js';
import type { ChatResult, StreamPart, Usage } from '../../core/chat.js';
import { GatewayError, toGatewayError } from '../../core/errors.js';
import { parseJsonObject, readBody } from '../../http/body.js';
import type { Exchange } from '../../http/server.js';
import { startEventStream, writeEvent } from '../../http/sse.js';
import type { CallMeter } from '../../pipeline/call-meter.js';
import { runModelCall, upstream, type ModelCall, type ModelCallDeps } from '../../pipeline/model-call.js';
import { primeStream } from '../../pipeline/stream-prime.js';
import type { CacheSpec } from '../../pipeline/cache/response-caching.js';
import { finishStream, failStream } from '../../pipeline/stream-end.js';
import { usageHeaders, usageTrailerNames } from '../../pipeline/usage-headers.js';
import type { ForwardedResponse } from '../../providers/spec.js';
import { openAIStreamErrorEvent } from './openai-errors.js';
import { validate } from '../../http/validate.js';
import type { OpenAIStreamEncoder } from './openai-stream-encoder.js';

export type OpenAISurfaceDeps = ModelCallDeps;

export type PreparedCall<T> = ModelCall & { body: T; bodyText: string };


export type ReadCall<T> = { body: T; text: string };

export async function readCall<T>(deps: OpenAISurfaceDeps, exchange: Exchange, schema: z.ZodType<T>): Promise<ReadCall<T>> {
  const raw = await readBody(exchange.request, deps.bodyLimit);
  const { value, text } = parseJsonObject(raw, exchange.request.headers['content-type']);
  return { body: validate(schema, value), text };
}

type RoutedBody = { model: string; stream?: boolean | null; models?: string[] | undefined; fallbacks?: string[] | undefined };

/** Runs the call's attempts (see runModelCall); `serve` answers through one of them. */
export function runCall<T extends RoutedBody>(
  deps: OpenAISurfaceDeps,
  exchange: Exchange,
  read: ReadCall<T>,
  capability: Capability,
  endpoint: 'chat' | 'completions' | 'embeddings',
  serve: (call: PreparedCall<T>) => Promise<void>,
  cache?: CacheSpec,
): Promise<void> {
  const { body } = read;
  const request = { model: body.model, capability, endpoint, stream: body.stream === true, body, fallbacks: bodyFallbacks(body), ...(cache === undefined ? {} : { cache }) };
  return runModelCall(deps, exchange, request, (call) => serve({ ...call, body, bodyText: read.text }));
}

/** `models` lists the model first and its fallbacks after it (OpenRouter); `fallbacks` lists only fallbacks. */
function bodyFallbacks(body: RoutedBody): string[] {
  const fromModels = body.models?.filter((name) => name !== body.model) ?? [];
  return [...fromModels, ...(body.fallbacks ?? [])];
}

/** The body as the upstream gets it: the deployment's model id, and without the gateway's routing fields. */
export function upstreamBody<T extends RoutedBody>(body: T, upstreamModel: string): { body: T; changed: boolean } {
  if (body.model === upstreamModel && body.models === undefined && body.fallbacks === undefined) return { body, changed: false };
  const { models: _models, fallbacks: _fallbacks, ...rest } = body;
  return { body: { ...rest, model: upstreamModel } as T, changed: true };
}

export { upstream };


/** Relays a same-dialect answer byte for byte (JSON or SSE), metering what the adapter tapped. */
export async function relayForwarded(exchange: Exchange, meter: CallMeter, forwarded: ForwardedResponse): Promise<void> {
  const { response } = exchange;
  if (forwarded.kind === 'json') {
    meter.markFirstToken();
    const cost = await meter.succeededBatched(forwarded.usage);
    response.writeHead(forwarded.status, {
      ...usageHeaders(forwarded.usage, cost),
      'content-type': forwarded.contentType,
      'content-length': forwarded.body.length,
    });
    response.end(forwarded.body);
    return;
  }
  const body = await primeStream(forwarded.body, meter);
  startEventStream(response, {}, usageTrailerNames);
  // The provider's `data: [DONE]` (and anything after it) is held back until the call is metered, so a client
  // that stops reading at [DONE] has received nothing the ledger does not already hold.
  const held: Buffer[] = [];
  try {
    for await (const chunk of body) {
      meter.markFirstToken();
      const done = held.length > 0 ? 0 : chunk.indexOf(doneMarker);
      if (done === -1) {
        if (!(await writeEvent(response, chunk))) break;
        continue;
      }
      if (done > 0 && !(await writeEvent(response, chunk.subarray(0, done)))) break;
      held.push(chunk.subarray(done));
    }
  } catch (error) {
    return endStreamWithError(exchange, meter, toGatewayError(error), forwarded.usage());
  }
  return endStream(exchange, meter, forwarded.usage(), held.length === 0 ? '' : Buffer.concat(held));
}

const doneMarker = Buffer.from('data: [DONE]');

/** Streams neutral parts through an encoder; errors after the first byte end the stream with the error event. */
export async function relayParts(
  exchange: Exchange,
  meter: CallMeter,
  parts: AsyncIterable<StreamPart>,
  encoder: OpenAIStreamEncoder,
): Promise<void> {
  const { response } = exchange;
  const primed = await primeStream(parts, meter);
  startEventStream(response, {}, usageTrailerNames);
  try {
    for await (const part of primed) {
      if (part.type === 'text-delta' || part.type === 'tool-call-start' || part.type === 'reasoning-delta') {
        meter.markFirstToken();
      }
      if (!(await writeEvent(response, encoder.encode(part)))) break;
    }
  } catch (error) {
    return endStreamWithError(exchange, meter, toGatewayError(error), encoder.finalUsage);
  }
  return endStream(exchange, meter, encoder.finalUsage, encoder.end());
}

function endStream(exchange: Exchange, meter: CallMeter, usage: Usage | undefined, tail: string | Buffer): Promise<void> {
  return finishStream(exchange, meter, usage, tail);
}

function endStreamWithError(exchange: Exchange, meter: CallMeter, error: GatewayError, usage: Usage | undefined): void {
  failStream(exchange, meter, error, usage, openAIStreamErrorEvent(error, exchange.requestId));
}

export function responseIdentity(requestId: string, result: Pick<ChatResult, 'model'> | undefined, requested: string) {
  return {
    id: `chatcmpl-${requestId.replaceAll('-', '')}`,
    created: Math.floor(Date.now() / 1000),
    model: result?.model || requested,
  };
}
