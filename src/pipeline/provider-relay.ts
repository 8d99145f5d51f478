// The native pass-through's upstream leg: the client's request with our credential in the provider's own
// auth header, and the provider's answer relayed byte for byte (tapped for usage when it is a model call).
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Usage } from '../core/chat.js';
import { GatewayError, toGatewayError } from '../core/errors.js';
import type { Exchange } from '../http/server.js';
import { startEventStream, writeEvent } from '../http/sse.js';
import { networkError, parseRetryAfter, upstreamStatusError } from '../providers/shared/http.js';
import type { ProviderConnection } from '../providers/registry.js';
import type { CallMeter } from './call-meter.js';
import { failStream, finishStream } from './stream-end.js';
import { hedgeLost } from './stream-prime.js';
import { usageHeaders, usageTrailerNames } from './usage-headers.js';
import { usageTap, type UsageTap } from './usage-tap.js';
import type { CacheRecorder } from './cache/response-caching.js';

/** Request headers that belong to one hop, carry the client's credential, or would change the bytes we tap. */
const droppedRequestHeaders = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-connection',
  'content-length',
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'x-provider-key',
  'accept-encoding',
  'cookie',
]);

const droppedResponseHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'trailer', 'upgrade']);

export function upstreamHeaders(connection: ProviderConnection, incoming: IncomingHttpHeaders, apiKey: string | undefined) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || droppedRequestHeaders.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  for (const [name, value] of Object.entries(connection.headers)) headers[name.toLowerCase()] = value;
  // Anthropic refuses requests without a version; the one its SDKs send (clients' own values pass through).
  if (connection.dialect === 'anthropic') headers['anthropic-version'] ??= '2023-06-01';
  if (apiKey !== undefined) {
    if (connection.dialect === 'anthropic') headers['x-api-key'] = apiKey;
    else if (connection.dialect === 'gemini') headers['x-goog-api-key'] = apiKey;
    else headers.authorization = `Bearer ${apiKey}`;
  }
  return headers;
}

export async function sendUpstream(
  connection: ProviderConnection,
  request: { method: string; path: string; headers: Record<string, string>; body: Buffer | undefined; signal: AbortSignal },
): Promise<Dispatcher.ResponseData> {
  const basePath = new URL(connection.baseURL).pathname.replace(/\/+$/, '');
  try {
    return await connection.dispatcher.request({
      path: basePath + request.path,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(request.body.length) },
      body: request.body,
      signal: request.signal,
    });
  } catch (error) {
    throw networkError(connection.id, error, request.signal);
  }
}

export function responseHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | string[]> {
  const relayed: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || droppedResponseHeaders.has(name)) continue;
    relayed[name] = value;
  }
  return relayed;
}

/**
 * Relays the body; `finished` is false when the client went away first. From `holdFrom` on (the dialect's
 * terminal event) the bytes are kept in `held` for the caller to send once the call is metered, so a client
 * that stops reading at that event has nothing the ledger does not hold. A broken upstream is thrown as a
 * GatewayError.
 */
export async function relayBody(
  exchange: Exchange,
  upstream: Dispatcher.ResponseData,
  provider: string,
  tap: UsageTap | undefined,
  onFirstByte: () => void,
  holdFrom?: Buffer,
  source: AsyncIterable<Buffer> = upstream.body as AsyncIterable<Buffer>,
): Promise<{ finished: boolean; held: Buffer[] }> {
  const held: Buffer[] = [];
  try {
    for await (const chunk of source) {
      onFirstByte();
      tap?.feed(chunk);
      const at = held.length > 0 ? 0 : holdFrom === undefined ? -1 : chunk.indexOf(holdFrom);
      const now = at === -1 ? chunk : chunk.subarray(0, at);
      if (at !== -1) held.push(chunk.subarray(at));
      if (now.length > 0 && !(await writeEvent(exchange.response, now))) {
        upstream.body.destroy();
        return { finished: false, held };
      }
    }
    return { finished: true, held };
  } catch (error) {
    if (exchange.signal.aborted) return { finished: false, held };
    throw new GatewayError('upstream_error', `Provider '${provider}' broke off its answer.`, { provider, cause: error });
  }
}

/** Where a relayed stream's end begins, per dialect (Gemini has no terminal event: its clients read to the end). */
const terminalEvents: Partial<Record<ProviderConnection['dialect'], Buffer>> = {
  anthropic: Buffer.from('event: message_stop'),
  openai: Buffer.from('data: [DONE]'),
};

export type ProviderRelay = {
  connection: ProviderConnection;
  method: string;
  /** Under the provider's base URL, query string included. */
  path: string;
  body: Buffer | undefined;
  /** Present for a model call: its usage is tapped from the answer. */
  meter: CallMeter | undefined;
  /** The caller's or the organization's key; undefined: the server's own. */
  apiKey: string | undefined;
  /** The key is the caller's own (BYOK): a refusal is theirs to see. */
  byok: boolean;
  /** The dialect's terminal error event, for a stream that breaks after its first byte. */
  streamError: (error: GatewayError) => string;
  /**
   * A front door's model call, which may fall through to another attempt: the attempt's signal, and the
   * provider's 429 and 5xx answers thrown (metered) instead of relayed, as is a stream that fails before its
   * first chunk. Absent (the native pass-through): the provider's answer, whatever it is, goes to the client.
   */
  attempt?: { signal: AbortSignal; fallible: boolean };
  /** Keeps a successful answer in the response cache (a front door's call that may be cached). */
  cache?: CacheRecorder | undefined;
};

/**
 * Sends the client's request to the provider in its own format and relays the answer as it comes: a stream
 * chunk by chunk (metered at its end, usage in trailers), anything else whole (usage in headers). A refusal
 * of the gateway's credential becomes a 502; the caller's own refusals and errors pass through unchanged.
 */
export async function relayToProvider(exchange: Exchange, relay: ProviderRelay): Promise<void> {
  const { connection, method, body, meter, apiKey, byok } = relay;
  const provider = connection.id;
  const { request } = exchange;
  let upstream;
  try {
    upstream = await sendUpstream(connection, {
      method,
      path: relay.path,
      headers: upstreamHeaders(connection, request.headers, apiKey ?? connection.apiKey),
      body,
      signal: relay.attempt?.signal ?? exchange.signal,
    });
  } catch (error) {
    meter?.failed(toGatewayError(error));
    throw error;
  }
  if (relay.attempt?.fallible === true && meter !== undefined && (upstream.statusCode === 429 || upstream.statusCode >= 500)) {
    const text = await readText(upstream.body);
    const retryAfter = parseRetryAfter(headerText(upstream.headers['retry-after']));
    const error = upstreamStatusError(provider, upstream.statusCode, providerMessage(text), retryAfter === undefined ? {} : { retryAfter });
    meter.failed(error);
    throw error;
  }
  if ((upstream.statusCode === 401 || upstream.statusCode === 403) && !byok) {
    await upstream.body.dump();
    // The provider refused our credential, not the caller's: not the caller's to fix.
    const error = new GatewayError(
      'upstream_auth',
      `Provider '${provider}' refused the gateway's credential (${upstream.statusCode}). Check the credential configured for '${provider}'.`,
      { provider, publicCode: 'provider_auth_error' },
    );
    meter?.failed(error);
    throw error;
  }
  const headers = { ...responseHeaders(upstream.headers), 'x-cache': String(exchange.response.getHeader('x-cache') ?? 'SKIP') };
  const contentType = headerText(upstream.headers['content-type']);
  const tap = meter && upstream.statusCode < 300 ? usageTap(connection.dialect as 'anthropic' | 'gemini', contentType, body) : undefined;

  if (meter && contentType?.includes('text/event-stream') && upstream.statusCode < 300) {
    const primed = relay.attempt === undefined ? (upstream.body as AsyncIterable<Buffer>) : await firstChunk(upstream, provider, meter, relay.attempt.signal);
    const source = relay.cache === undefined ? primed : relay.cache.tapBytes(primed, contentType);
    startEventStream(exchange.response, headers, usageTrailerNames);
    let finished: boolean;
    let held: Buffer[];
    try {
      ({ finished, held } = await relayBody(exchange, upstream, provider, tap, () => meter.markFirstToken(), terminalEvents[connection.dialect], source));
      if (finished && tap?.providerError() === true) {
        // The provider's own error event reached the client already: meter the failure, add nothing.
        meter.failed(new GatewayError('upstream_error', `Provider '${provider}' ended its stream with an error.`, { provider }), tap.end());
        exchange.response.end(Buffer.concat(held));
        return;
      }
      // A stream that stopped without its terminal event was cut off, though the connection closed cleanly.
      if (finished && tap?.complete() === false) {
        throw new GatewayError('upstream_error', `Provider '${provider}' broke off its answer before the end.`, { provider });
      }
    } catch (caught) {
      const error = toGatewayError(caught);
      failStream(exchange, meter, error, tap?.end(), relay.streamError(error));
      return;
    }
    if (!finished) exchange.response.destroy();
    await finishStream(exchange, meter, tap?.end(), Buffer.concat(held));
    return;
  }

  // JSON (or anything not streamed): read it whole, so the usage headers can go out with it.
  const chunks: Buffer[] = [];
  for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    tap?.feed(chunk);
  }
  const bytes = Buffer.concat(chunks);
  let usage: Usage | undefined;
  if (meter) {
    usage = tap?.end();
    if (!meter.commit()) {
      const error = hedgeLost();
      meter.failed(error, usage);
      throw error;
    }
    meter.markFirstToken();
    if (upstream.statusCode < 300) {
      Object.assign(headers, usageHeaders(usage, await meter.succeededBatched(usage)));
      relay.cache?.raw(contentType, bytes);
    }
    else meter.failed(new GatewayError('upstream_error', `Provider answered ${upstream.statusCode}.`, { status: upstream.statusCode }));
  }
  exchange.response.writeHead(upstream.statusCode, { ...headers, 'content-length': bytes.length });
  exchange.response.end(bytes);
}

/** Waits for a stream's first chunk (the commit point); a failure before it is metered and thrown. */
async function firstChunk(upstream: Dispatcher.ResponseData, provider: string, meter: CallMeter, signal: AbortSignal): Promise<AsyncIterable<Buffer>> {
  const iterator = (upstream.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (caught) {
    const error = networkError(provider, caught, signal);
    meter.failed(error);
    upstream.body.destroy();
    throw error;
  }
  if (!meter.commit()) {
    upstream.body.destroy();
    const error = hedgeLost();
    meter.failed(error);
    throw error;
  }
  let given = false;
  const primed: AsyncIterator<Buffer> = {
    next: () => {
      if (given) return iterator.next();
      given = true;
      return Promise.resolve(first);
    },
    return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: value as Buffer }),
  };
  return { [Symbol.asyncIterator]: () => primed };
}

async function readText(body: Dispatcher.ResponseData['body']): Promise<string> {
  try {
    return (await body.text()).slice(0, 2000);
  } catch {
    return '';
  }
}

/** The provider's own message from an error body in any of the three dialects, else the body's start. */
function providerMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const message = parsed.error?.message ?? parsed.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the text as it is.
  }
  return text.slice(0, 200) || 'no message';
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
