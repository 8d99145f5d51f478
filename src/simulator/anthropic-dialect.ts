// Anthropic's envelopes: `x-api-key` (or Bearer) authentication, the required `anthropic-version` header, and
// `{"type":"error","error":{type,message},"request_id"}` bodies with a `request-id` header.
// Error types: https://docs.claude.com/en/api/errors (shared/reference/anthropic.md §6).
import type { OutgoingHttpHeaders } from 'node:http';
import { bearerKey, headerValue, jsonReply, type Dialect, type SimJsonReply, type SimRequest } from './sim-reply.js';

const STATUS_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'Not found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'This request would exceed the rate limit for your organization. Please try again later.' },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

export function anthropicError(
  request: SimRequest,
  status: number,
  type: string,
  message: string,
  headers: OutgoingHttpHeaders = {},
): SimJsonReply {
  const requestId = `req_${request.id}`;
  return jsonReply(status, { type: 'error', error: { type, message }, request_id: requestId }, { 'request-id': requestId, ...headers });
}

export function anthropicInvalid(request: SimRequest, message: string): SimJsonReply {
  return anthropicError(request, 400, 'invalid_request_error', message);
}

export const anthropicDialect: Dialect = {
  family: 'anthropic',
  authenticate(request, isAccepted) {
    const key = headerValue(request.headers, 'x-api-key') ?? bearerKey(request.headers);
    if (key === undefined) return anthropicError(request, 401, 'authentication_error', 'x-api-key header is required');
    if (!isAccepted(key)) return anthropicError(request, 401, 'authentication_error', 'invalid x-api-key');
    if (headerValue(request.headers, 'anthropic-version') === undefined) {
      return anthropicInvalid(request, 'anthropic-version: header is required');
    }
    return undefined;
  },
  malformedJson: (request) => anthropicInvalid(request, 'There was an error parsing the body of your request as JSON.'),
  statusError(request, status, message, retryAfter) {
    const shape = STATUS_ERRORS[status] ?? {
      type: status >= 500 ? 'api_error' : 'invalid_request_error',
      message: `Simulated error ${status}.`,
    };
    const headers: OutgoingHttpHeaders = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
    return anthropicError(request, status, shape.type, message ?? shape.message, headers);
  },
};

export const ANTHROPIC_STREAM_ERROR_FRAME = `event: error\ndata: ${JSON.stringify({
  type: 'error',
  error: { type: 'overloaded_error', message: 'Overloaded' },
})}\n\n`;

const ANTHROPIC_MODELS = [
  { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
  { id: 'claude-opus-4-1-20250805', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z' },
];

export function anthropicListModels(request: SimRequest): SimJsonReply {
  const data = ANTHROPIC_MODELS.map((model) => ({ type: 'model', ...model }));
  const requestId = `req_${request.id}`;
  return jsonReply(
    200,
    { data, has_more: false, first_id: data[0]!.id, last_id: data[data.length - 1]!.id },
    { 'request-id': requestId },
  );
}

/** Any id is served except the `missing…` ones, which are Anthropic's 404. */
export function anthropicRetrieveModel(request: SimRequest, model: string): SimJsonReply {
  if (model.startsWith('missing')) return anthropicError(request, 404, 'not_found_error', `model: ${model}`);
  const known = ANTHROPIC_MODELS.find((entry) => entry.id === model);
  const entry = known ?? { id: model, display_name: model, created_at: '2025-01-01T00:00:00Z' };
  return jsonReply(200, { type: 'model', ...entry }, { 'request-id': `req_${request.id}` });
}
