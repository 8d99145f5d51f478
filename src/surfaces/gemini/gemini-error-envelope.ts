// The one place GatewayErrors become Google's RPC envelope {"error":{"code","message","status","details"}}, as
// the Gemini API answers (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes, gemini.md §6).
// @google/genai raises ApiError with `status` = the HTTP status and the body as its message.
import type { GatewayError } from '../../core/errors.js';
import { sendJson, type Exchange } from '../../http/server.js';

/**
 * HTTP status → google.rpc.Code name, following Google's own HTTP mapping
 * (https://cloud.google.com/apis/design/errors#handling_errors). 402 has no RPC code: an exhausted balance is
 * a quota, RESOURCE_EXHAUSTED. 502 is what gRPC gateways call UNAVAILABLE.
 */
const rpcStatuses: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'RESOURCE_EXHAUSTED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function rpcStatus(httpStatus: number): string {
  return rpcStatuses[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

/**
 * `details` carries a google.rpc.ErrorInfo (our code as its reason, the request id and the field at fault as
 * metadata) and, when the client should wait, a google.rpc.RetryInfo: Google's place for the retry delay.
 */
export function geminiErrorBody(error: GatewayError, requestId: string) {
  const metadata: Record<string, string> = { requestId };
  if (error.param) metadata.field = error.param;
  for (const [key, value] of Object.entries(error.details ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') metadata[key] = String(value);
  }
  const details: Array<Record<string, unknown>> = [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: (error.publicCode ?? error.code).toUpperCase(),
      domain: 'switchyard',
      metadata,
    },
  ];
  if (error.retryAfter !== undefined) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${error.retryAfter}s` });
  }
  return { error: { code: error.status, message: error.message, status: rpcStatus(error.status), details } };
}

/** A stream's terminal error, as Google sends one: a last `data:` chunk holding the error object. */
export function geminiStreamErrorEvent(error: GatewayError, requestId: string): string {
  return `data: ${JSON.stringify(geminiErrorBody(error, requestId))}\n\n`;
}

export function renderGeminiError(exchange: Exchange, error: GatewayError): void {
  sendJson(exchange.response, error.status, geminiErrorBody(error, exchange.requestId));
}
