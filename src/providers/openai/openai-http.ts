// One POST to an OpenAI-compatible upstream: headers built from what start-up fixed plus the call's own,
// non-2xx answers mapped to GatewayErrors before anything reaches the client.
import { GatewayError } from '../../core/errors.js';
import { callUpstream, headerValue, readErrorText, readJson, type UpstreamResponse } from '../shared/http.js';
import type { AdapterOptions, CallContext } from '../spec.js';
import { streamEventError, upstreamError } from './openai-errors.js';
import { isRecord } from './openai-wire.js';

export type OpenAIConnection = {
  provider: string;
  dispatcher: AdapterOptions['dispatcher'];
  /** Without a trailing slash; paths such as `/chat/completions` are appended. */
  baseURL: string;
  /** Content type, auth and configured headers, lower-cased, computed once. */
  headers: Readonly<Record<string, string>>;
};

export function openConnection(options: AdapterOptions): OpenAIConnection {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // No key (a local Ollama or vLLM): no Authorization header at all rather than an empty bearer.
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  addHeaders(headers, options.headers);
  return {
    provider: options.id,
    dispatcher: options.dispatcher,
    baseURL: options.baseURL.replace(/\/+$/, ''),
    headers,
  };
}

export type Accept = 'json' | 'sse';

export async function postUpstream(
  connection: OpenAIConnection,
  path: string,
  body: string,
  context: CallContext,
  accept: Accept,
): Promise<UpstreamResponse> {
  const headers: Record<string, string> = { ...connection.headers, accept: accept === 'sse' ? 'text/event-stream' : 'application/json' };
  if (context.apiKey !== undefined) headers.authorization = `Bearer ${context.apiKey}`;
  addHeaders(headers, context.headers);
  const response = await callUpstream({
    provider: connection.provider,
    dispatcher: connection.dispatcher,
    url: connection.baseURL + path,
    headers,
    body,
    signal: context.signal,
      idleMs: context.timeouts?.idleMs,
  });
  if (response.status < 200 || response.status > 299) {
    const text = await readErrorText(response.body);
    throw upstreamError(connection.provider, response.status, text, response.headers);
  }
  return response;
}


/**
 * Some servers answer a stream request with a JSON body (an error with status 200, or streaming unsupported).
 * Caught here, before the commit point, so fallback can still act.
 */
export async function rejectJsonStream(
  connection: OpenAIConnection,
  response: UpstreamResponse,
  signal: AbortSignal,
): Promise<void> {
  const contentType = headerValue(response.headers, 'content-type') ?? '';
  if (!contentType.includes('application/json')) return;
  const payload = await readJson(connection.provider, response.body, signal);
  if (isRecord(payload) && payload.error !== undefined && payload.error !== null) {
    throw streamEventError(connection.provider, payload);
  }
  throw new GatewayError('upstream_bad_response', `Provider '${connection.provider}' answered a stream request with JSON.`, {
    provider: connection.provider,
  });
}

/**
 * Wraps a body-reading generator so that giving it up also frees the upstream connection, even before its first
 * `next()`: a generator that never started ignores `return()`, which would leave the socket held until the
 * dispatcher's body timeout (a hedged call's loser, a client gone before the first part).
 */
export function releaseOnReturn<T>(source: AsyncGenerator<T>, body: { destroy(): unknown }): AsyncIterable<T> {
  const iterator: AsyncIterator<T> = {
    next: () => source.next(),
    async return(value?: unknown) {
      const result = await source.return(value as T);
      body.destroy();
      return result;
    },
    throw: (error?: unknown) => source.throw(error),
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/** Header names are case-insensitive: lower-case them so a call's header replaces the configured one. */
function addHeaders(target: Record<string, string>, extra: Record<string, string> | undefined): void {
  if (!extra) return;
  for (const [name, value] of Object.entries(extra)) target[name.toLowerCase()] = value;
}
