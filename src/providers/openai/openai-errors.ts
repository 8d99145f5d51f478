// Upstream error bodies → GatewayError. Read leniently: OpenAI's `{error:{message,type,param,code}}`,
// Mistral's and vLLM's top-level `{object:"error",message,type,param,code}` (message may itself be an object),
// FastAPI's `{detail}`, a bare `{error:"text"}`, and plain text or HTML from a proxy in front.
import { GatewayError } from '../../core/errors.js';
import { headerValue, parseRetryAfter, upstreamStatusError, type UpstreamResponse } from '../shared/http.js';
import { isRecord, type JsonRecord } from './openai-wire.js';

export type UpstreamErrorDetails = { message: string; code: string | null; param: string | null; status?: number };

export function parseErrorBody(text: string): UpstreamErrorDetails {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { message: describeText(text), code: null, param: null };
  }
  return isRecord(parsed) ? errorDetails(parsed) : { message: describeText(text), code: null, param: null };
}

/** The fields of an error object, whether wrapped in `error` or not. */
export function errorDetails(payload: JsonRecord): UpstreamErrorDetails {
  const inner = isRecord(payload.error) ? payload.error : payload;
  const rawMessage = inner.message ?? (typeof payload.error === 'string' ? payload.error : undefined) ?? payload.detail;
  const message = typeof rawMessage === 'string' ? rawMessage : rawMessage === undefined ? 'no message' : JSON.stringify(rawMessage);
  const details: UpstreamErrorDetails = { message, code: publicCode(inner.code), param: stringOrNull(inner.param) };
  // OpenRouter puts the HTTP status in a numeric `code`, also for errors sent on a 200 stream.
  const status = typeof inner.code === 'number' ? inner.code : undefined;
  if (status !== undefined && status >= 400 && status <= 599) details.status = status;
  return details;
}

/** A non-2xx answer. The provider's message is passed on so the client can act on it. */
export function upstreamError(
  provider: string,
  status: number,
  text: string,
  headers: UpstreamResponse['headers'],
): GatewayError {
  const details = parseErrorBody(text);
  if (status === 429 && details.code === 'insufficient_quota') {
    // OpenAI's exhausted quota is a 429 too, but waiting will not help: not a rate limit.
    return new GatewayError('upstream_error', `Provider '${provider}' answered 429: ${details.message}`, {
      provider,
      publicCode: 'insufficient_quota',
    });
  }
  return upstreamStatusError(provider, status, details.message, {
    retryAfter: retryAfterOf(headers),
    publicCode: details.code,
    param: details.param,
  });
}

/** A `data: {"error":…}` event inside a 2xx stream (openai-node throws APIError on these). */
export function streamEventError(provider: string, payload: JsonRecord): GatewayError {
  const details = errorDetails(payload);
  if (details.status !== undefined) {
    return upstreamStatusError(provider, details.status, details.message, { publicCode: details.code, param: details.param });
  }
  return new GatewayError('upstream_error', `Provider '${provider}' reported an error mid-stream: ${details.message}`, {
    provider,
    publicCode: details.code,
  });
}

function retryAfterOf(headers: UpstreamResponse['headers']): number | undefined {
  const milliseconds = Number(headerValue(headers, 'retry-after-ms'));
  if (Number.isFinite(milliseconds) && milliseconds > 0) return Math.ceil(milliseconds / 1000);
  return parseRetryAfter(headerValue(headers, 'retry-after'));
}

/** String codes are shown to the client; numeric ones (OpenRouter's status, Mistral's "1300") mean nothing there. */
function publicCode(code: unknown): string | null {
  if (typeof code !== 'string' || code === '' || /^\d+$/.test(code)) return null;
  return code;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function describeText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'no body';
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}
