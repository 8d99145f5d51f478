// The native pass-through's upstream leg: the client's request with our credential in the provider's own
// auth header, and the provider's answer relayed byte for byte (tapped for usage when it is a model call).
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../../core/errors.js';
import type { Exchange } from '../../http/server.js';
import { writeEvent } from '../../http/sse.js';
import { networkError } from '../../providers/shared/http.js';
import type { ProviderConnection } from '../../providers/registry.js';
import type { UsageTap } from './native-tap.js';

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

/** Relays the body; resolves false when the client went away first. A broken upstream is thrown as a GatewayError. */
export async function relayBody(
  exchange: Exchange,
  upstream: Dispatcher.ResponseData,
  provider: string,
  tap: UsageTap | undefined,
  onFirstByte: () => void,
): Promise<boolean> {
  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      onFirstByte();
      tap?.feed(chunk);
      if (!(await writeEvent(exchange.response, chunk))) {
        upstream.body.destroy();
        return false;
      }
    }
    return true;
  } catch (error) {
    if (exchange.signal.aborted) return false;
    throw new GatewayError('upstream_error', `Provider '${provider}' broke off its answer.`, { provider, cause: error });
  }
}
