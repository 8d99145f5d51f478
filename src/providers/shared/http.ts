// One upstream HTTP call through an undici dispatcher (a Pool per provider, built at start-up).
import { errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError } from '../../core/errors.js';

export type UpstreamCall = {
  provider: string;
  dispatcher: Dispatcher;
  /** Absolute URL; its origin must be the dispatcher's. */
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
  /** Most time between two body chunks, over the dispatcher's own. */
  idleMs?: number;
};

export type UpstreamResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
};

/** Upstream URLs repeat (one per provider path and model): each is parsed once. */
const parsedUrls = new Map<string, { origin: string; path: string }>();

function splitUrl(url: string): { origin: string; path: string } {
  let parsed = parsedUrls.get(url);
  if (parsed === undefined) {
    const value = new URL(url);
    parsed = { origin: value.origin, path: value.pathname + value.search };
    if (parsedUrls.size >= 1000) parsedUrls.clear();
    parsedUrls.set(url, parsed);
  }
  return parsed;
}

export async function callUpstream(call: UpstreamCall): Promise<UpstreamResponse> {
  const url = splitUrl(call.url);
  try {
    const response = await call.dispatcher.request({
      origin: url.origin,
      path: url.path,
      method: call.method ?? 'POST',
      headers: call.headers,
      body: call.body ?? null,
      signal: call.signal,
      ...(call.idleMs === undefined ? {} : { bodyTimeout: call.idleMs }),
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    throw networkError(call.provider, error, call.signal);
  }
}

/** Maps a failure to reach or read the upstream to a GatewayError (timeouts 504, the rest 502). */
export function networkError(provider: string, error: unknown, signal?: AbortSignal): GatewayError {
  if (error instanceof GatewayError) return error;
  // The gateway's own deadlines abort with the error to report (a timeout that may fall through).
  if (signal?.aborted && signal.reason instanceof GatewayError) return signal.reason;
  if (signal?.aborted) {
    return new GatewayError('client_closed', 'The request was cancelled before the provider answered.', {
      provider,
      cause: error,
    });
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError
    || error instanceof undiciErrors.ConnectTimeoutError) {
    return new GatewayError('upstream_timeout', `The provider '${provider}' did not answer in time.`, {
      provider,
      cause: error,
    });
  }
  const code = (error as { code?: string } | null)?.code;
  const detail = code ? ` (${code})` : '';
  return new GatewayError('upstream_error', `Could not reach the provider '${provider}'${detail}.`, {
    provider,
    cause: error,
  });
}

export function headerValue(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses a `retry-after` header given in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * The part of upstream error mapping every provider shares. `message` is the provider's own text,
 * passed on so the client can act on it; our credential is never in it (providers do not echo keys).
 */
export function upstreamStatusError(
  provider: string,
  status: number,
  message: string,
  options: { retryAfter?: number; publicCode?: string | null; param?: string | null } = {},
): GatewayError {
  if (status === 401 || status === 403) {
    // The provider's own text is left out: providers quote (part of) the key they refused, and that key is ours.
    return new GatewayError(
      'upstream_auth',
      `Provider '${provider}' refused the gateway's credential (${status}). Check the credential configured for '${provider}'.`,
      { provider, publicCode: 'provider_auth_error' },
    );
  }
  const prefix = `Provider '${provider}' answered ${status}: ${message}`;
  if (status === 429) {
    return new GatewayError('rate_limited', prefix, {
      provider,
      retryAfter: options.retryAfter,
      publicCode: options.publicCode ?? 'rate_limit_exceeded',
    });
  }
  if (status === 402) {
    return new GatewayError('upstream_error', prefix, { provider, publicCode: options.publicCode ?? 'provider_quota' });
  }
  if (status === 408 || status === 504) {
    return new GatewayError('upstream_timeout', prefix, { provider, publicCode: options.publicCode ?? null });
  }
  if (status === 503 || status === 529) {
    return new GatewayError('unavailable', prefix, {
      provider,
      retryAfter: options.retryAfter,
      publicCode: options.publicCode ?? 'provider_overloaded',
    });
  }
  if (status === 400 || status === 409 || status === 413 || status === 422) {
    // The client's own request was refused by the provider: keep it a 4xx the client can fix.
    return new GatewayError('invalid_request', prefix, {
      provider,
      status: status === 409 || status === 422 ? 400 : status,
      param: options.param ?? null,
      publicCode: options.publicCode ?? null,
    });
  }
  return new GatewayError('upstream_error', prefix, { provider, publicCode: options.publicCode ?? null });
}

/** Reads an error body as text, capped so a hostile upstream cannot fill memory. */
export async function readErrorText(body: UpstreamResponse['body'], limit = 64 * 1024): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length > limit) {
        body.destroy();
        return text.slice(0, limit);
      }
    }
  } catch {
    // A broken error body still has a status to report.
  }
  return text;
}

export async function readJson(provider: string, body: UpstreamResponse['body'], signal?: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await body.text();
  } catch (error) {
    throw networkError(provider, error, signal);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError('upstream_bad_response', `Provider '${provider}' sent a response that is not JSON.`, {
      provider,
      cause: error,
    });
  }
}
