// What every call on the Gemini front door shares: the `{model}:{method}` path segment, reading and validating
// the body, answering JSON with the tracking headers, and relaying a neutral stream as Gemini chunks with the
// tracking headers as trailers.
import type { z } from 'zod';
import type { StreamPart } from '../../core/chat.js';
import { GatewayError, toGatewayError } from '../../core/errors.js';
import { parseJsonObject, readBody } from '../../http/body.js';
import type { Exchange } from '../../http/server.js';
import { writeEvent } from '../../http/sse.js';
import { validate } from '../../http/validate.js';
import type { CallMeter } from '../../pipeline/call-meter.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';
import { primeStream } from '../../pipeline/stream-prime.js';
import { failStream, finishStream } from '../../pipeline/stream-end.js';
import { usageTrailerNames } from '../../pipeline/usage-headers.js';
import { geminiErrorBody } from './gemini-error-envelope.js';
import type { GeminiStreamEncoder } from './gemini-stream-encoder.js';

export const geminiMethods = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'] as const;
export type GeminiMethod = (typeof geminiMethods)[number];

export type GeminiTarget = { model: string; method: GeminiMethod };

/** `gemini-2.5-flash:generateContent`, or `anthropic/claude-haiku-4-5:generateContent` (the model may hold `/` and `:`). */
export function parseTarget(segment: string | undefined): GeminiTarget {
  const colon = segment?.lastIndexOf(':') ?? -1;
  const model = colon > 0 ? segment!.slice(0, colon) : '';
  const method = colon > 0 ? segment!.slice(colon + 1) : '';
  if (model === '' || !(geminiMethods as readonly string[]).includes(method)) {
    const named = method === '' ? 'no method' : `the method '${method}'`;
    throw new GatewayError(
      'not_found',
      `models/${segment ?? ''} names ${named}. Supported: models/{model}:${geminiMethods.join(', :')}.`,
      { publicCode: 'unknown_method' },
    );
  }
  return { model, method: method as GeminiMethod };
}

export async function readGeminiBody<T>(deps: ModelCallDeps, exchange: Exchange, schema: z.ZodType<T>): Promise<T> {
  const raw = await readBody(exchange.request, deps.bodyLimit);
  const { value } = parseJsonObject(raw, exchange.request.headers['content-type']);
  return validate(schema, value);
}

/** `?alt=sse` asks for server-sent events; without it Google streams one JSON array. */
export function wantsSse(url: string | undefined): boolean {
  const query = url?.indexOf('?') ?? -1;
  return query >= 0 && new URLSearchParams(url!.slice(query + 1)).get('alt') === 'sse';
}


/** Streams neutral parts through the encoder; an error after the first byte ends the stream with the error chunk. */
export async function relayStream(
  exchange: Exchange,
  meter: CallMeter,
  parts: AsyncIterable<StreamPart>,
  encoder: GeminiStreamEncoder,
  sse: boolean,
): Promise<void> {
  const { response } = exchange;
  const primed = await primeStream(parts, meter);
  response.writeHead(200, {
    'content-type': sse ? 'text/event-stream' : 'application/json',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    trailer: usageTrailerNames.join(', '),
  });
  response.flushHeaders();
  try {
    for await (const part of primed) {
      if (part.type === 'text-delta' || part.type === 'tool-call-start' || part.type === 'reasoning-delta') {
        meter.markFirstToken();
      }
      if (!(await writeEvent(response, encoder.encode(part)))) break;
    }
  } catch (caught) {
    const error = toGatewayError(caught);
    // Never a fake finishReason after a broken upstream: the error chunk, then the end.
    failStream(exchange, meter, error, encoder.finalUsage, encoder.error(geminiErrorBody(error, exchange.requestId)));
    return;
  }
  await finishStream(exchange, meter, encoder.finalUsage, () => encoder.end());
}
