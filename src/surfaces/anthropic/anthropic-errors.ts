// The one place GatewayErrors become Anthropic's envelope:
// {"type":"error","error":{"type","message"},"request_id"}. https://docs.claude.com/en/api/errors
//
// | status         | error.type              |
// |----------------|-------------------------|
// | 400            | invalid_request_error   |
// | 401            | authentication_error    |
// | 402            | billing_error           |
// | 403            | permission_error        |
// | 404            | not_found_error         |
// | 413            | request_too_large       |
// | 429            | rate_limit_error        |
// | 500            | api_error               |
// | 503, 529       | overloaded_error        |
// | 504            | timeout_error           |
// | other 4xx      | invalid_request_error   (Anthropic uses it for every other client error)
// | other 5xx      | api_error               (our 502 provider_error included)
//
// The Anthropic SDKs pick their error class by status, and show `error.type`; the status is ours, unchanged.
import type { GatewayError } from '../../core/errors.js';
import { sendJson, type Exchange } from '../../http/server.js';

const typeByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return typeByStatus[status] ?? (status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error');
}

export function anthropicErrorBody(error: GatewayError, requestId: string) {
  return { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message }, request_id: requestId };
}

/** Renders any error of the Anthropic surface; `retry-after` was already set by the server. */
export function renderAnthropicError(exchange: Exchange, error: GatewayError): void {
  // The SDKs read the request id from `request-id` (error.requestID), as Anthropic sends it.
  exchange.response.setHeader('request-id', exchange.requestId);
  sendJson(exchange.response, error.status, anthropicErrorBody(error, exchange.requestId));
}

/** The terminal event of a stream that broke after its first byte: the SDKs raise APIError on it. No message_stop follows. */
export function anthropicStreamErrorEvent(error: GatewayError, requestId: string): string {
  return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error, requestId))}\n\n`;
}
