// Anthropic errors → GatewayError. Body shape and types: https://docs.claude.com/en/api/errors
// `{"type":"error","error":{"type":"rate_limit_error","message":"…"},"request_id":"req_…"}`
import { GatewayError, type ErrorCode } from '../../core/errors.js';
import {
  headerValue,
  parseRetryAfter,
  readErrorText,
  upstreamStatusError,
  type UpstreamResponse,
} from '../shared/http.js';
import { anthropicErrorSchema } from './anthropic-schemas.js';

/** Longest raw (non-JSON) error text quoted back to the client. */
const rawMessageLimit = 500;

/** Reads a non-2xx answer and maps it by status (401/403 → 502 upstream_auth, 429 keeps retry-after, 529 → 503). */
export async function anthropicStatusError(provider: string, response: UpstreamResponse): Promise<GatewayError> {
  const text = await readErrorText(response.body);
  const retryAfter = parseRetryAfter(headerValue(response.headers, 'retry-after'));
  return upstreamStatusError(provider, response.status, anthropicErrorMessage(text), { retryAfter });
}

/** The provider's own message, read leniently: a proxy's HTML page or a truncated body still says something. */
export function anthropicErrorMessage(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = anthropicErrorSchema.safeParse(parsed);
  const message = result.success ? (result.data.error.message ?? result.data.error.type) : undefined;
  if (message) return message;
  const raw = text.trim();
  if (raw === '') return 'no error details';
  return raw.length > rawMessageLimit ? `${raw.slice(0, rawMessageLimit)}…` : raw;
}

// In-band `event: error` after the 200 header (https://docs.claude.com/en/docs/build-with-claude/streaming#error-events).
const codeByStreamErrorType: Record<string, { code: ErrorCode; publicCode: string | null }> = {
  overloaded_error: { code: 'unavailable', publicCode: 'provider_overloaded' },
  rate_limit_error: { code: 'rate_limited', publicCode: 'rate_limit_exceeded' },
  api_error: { code: 'upstream_error', publicCode: null },
};

export function anthropicStreamError(provider: string, payload: unknown): GatewayError {
  const result = anthropicErrorSchema.safeParse(payload);
  const type = (result.success ? result.data.error.type : undefined) ?? 'unknown_error';
  const message = (result.success ? result.data.error.message : undefined) ?? 'no error details';
  const mapped = codeByStreamErrorType[type] ?? { code: 'upstream_error', publicCode: null };
  return new GatewayError(mapped.code, `Provider '${provider}' reported ${type} mid-stream: ${message}`, {
    provider,
    publicCode: mapped.publicCode,
  });
}
