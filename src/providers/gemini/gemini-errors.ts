// Google RPC errors → GatewayError. Codes: https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
// (HTTP status, RPC status): 400 INVALID_ARGUMENT (also a bad API key), 400 FAILED_PRECONDITION (billing/region),
// 403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED.
import { GatewayError } from '../../core/errors.js';
import { headerValue, parseRetryAfter, upstreamStatusError, type UpstreamResponse } from '../shared/http.js';
import { googleRpcErrorSchema, type GoogleRpcError } from './gemini-response-schema.js';

/** HTTP statuses of the RPC codes, for an in-stream error that carries only `status`. */
const rpcStatusToHttp: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

const messageLimit = 500;

/** A non-2xx answer before any stream started. */
export function geminiHttpError(
  provider: string,
  status: number,
  headers: UpstreamResponse['headers'],
  bodyText: string,
): GatewayError {
  const error = parseGoogleError(bodyText);
  const message = error?.message ?? (bodyText.trim().slice(0, messageLimit) || 'no error details');
  const retryAfter = retryDelaySeconds(error) ?? parseRetryAfter(headerValue(headers, 'retry-after'));
  return mapGoogleError(provider, status, message, error, retryAfter);
}

/** An `{error}` object inside a 200 stream. */
export function geminiStreamError(provider: string, error: GoogleRpcError): GatewayError {
  const status = error.code ?? (error.status ? rpcStatusToHttp[error.status] : undefined) ?? 500;
  return mapGoogleError(provider, status, error.message ?? 'stream error', error, retryDelaySeconds(error));
}

function mapGoogleError(
  provider: string,
  status: number,
  message: string,
  error: GoogleRpcError | undefined,
  retryAfter: number | undefined,
): GatewayError {
  // Gemini answers 400 INVALID_ARGUMENT to a wrong key; it is our credential, so it must not reach
  // the client as its own mistake: treated as a 401 (→ 502 upstream_auth).
  if (status === 400 && hasReason(error, 'API_KEY_INVALID')) return upstreamStatusError(provider, 401, message);
  if (status === 400 && error?.status === 'FAILED_PRECONDITION') {
    // Billing not enabled or the free tier unavailable in our region: nothing the client can fix.
    return new GatewayError('upstream_error', `Provider '${provider}' answered ${status}: ${message}`, {
      provider,
      publicCode: 'provider_precondition_failed',
    });
  }
  return upstreamStatusError(provider, status, message, { retryAfter });
}

/** Parses `{error:{code,message,status,details}}` leniently (also wrapped in an array, as non-SSE streams send it). */
export function parseGoogleError(text: string): GoogleRpcError | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) value = value[0];
  const error = (value as { error?: unknown } | null)?.error;
  const parsed = googleRpcErrorSchema.safeParse(error);
  return parsed.success ? parsed.data : undefined;
}

function details(error: GoogleRpcError | undefined): Array<Record<string, unknown>> {
  return (error?.details ?? []).filter(
    (detail): detail is Record<string, unknown> => typeof detail === 'object' && detail !== null,
  );
}

function hasReason(error: GoogleRpcError | undefined, reason: string): boolean {
  return details(error).some((detail) => detail.reason === reason);
}

/** `google.rpc.RetryInfo.retryDelay` is a proto Duration in JSON form, e.g. "34.4s" → 35 seconds. */
export function retryDelaySeconds(error: GoogleRpcError | undefined): number | undefined {
  for (const detail of details(error)) {
    const type = detail['@type'];
    if (typeof type !== 'string' || !type.endsWith('google.rpc.RetryInfo')) continue;
    const delay = detail.retryDelay;
    const seconds = typeof delay === 'string' && delay.endsWith('s') ? Number(delay.slice(0, -1)) : Number.NaN;
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  }
  return undefined;
}
