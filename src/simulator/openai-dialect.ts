// OpenAI's envelopes: Bearer authentication and `{"error":{message,type,param,code}}` bodies.
// Error codes: https://developers.openai.com/docs/guides/error-codes (see shared/reference/openai.md §6).
import type { OutgoingHttpHeaders } from 'node:http';
import { bearerKey, jsonReply, type Dialect, type SimJsonReply, type SimRequest } from './sim-reply.js';

type ErrorShape = { type: string; code: string | null; message: string };

const STATUS_ERRORS: Record<number, ErrorShape> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Country, region, or territory not supported',
  },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  408: { type: 'server_error', code: null, message: 'Request timed out.' },
  409: { type: 'invalid_request_error', code: null, message: 'Conflict.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests per min (RPM). Please try again later.',
  },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  502: { type: 'server_error', code: null, message: 'Bad gateway.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later' },
  504: { type: 'server_error', code: null, message: 'Gateway timeout.' },
};

export const OPENAI_MALFORMED_JSON =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. " +
  'The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)';

export function openaiError(
  request: SimRequest,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
  headers: OutgoingHttpHeaders = {},
): SimJsonReply {
  return jsonReply(status, { error: { message, type, param, code } }, { 'x-request-id': `req_${request.id}`, ...headers });
}

export function openaiInvalid(request: SimRequest, message: string, param: string | null = null, code: string | null = null): SimJsonReply {
  return openaiError(request, 400, message, 'invalid_request_error', code, param);
}

export function openaiModelNotFound(request: SimRequest, model: string): SimJsonReply {
  return openaiError(
    request,
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model_not_found',
  );
}

/** Model names starting with `missing` do not exist, so tests can trigger a 404 without a fault. */
export function isMissingModel(model: string): boolean {
  return model.startsWith('missing');
}

export const openaiDialect: Dialect = {
  family: 'openai',
  authenticate(request, isAccepted) {
    const key = bearerKey(request.headers);
    if (key === undefined) {
      return openaiError(
        request,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        null,
      );
    }
    if (isAccepted(key)) return undefined;
    return openaiError(request, 401, `Incorrect API key provided: ${redact(key)}.`, 'invalid_request_error', 'invalid_api_key');
  },
  malformedJson: (request) => openaiInvalid(request, OPENAI_MALFORMED_JSON),
  statusError(request, status, message, retryAfter) {
    const shape = STATUS_ERRORS[status] ?? {
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      code: null,
      message: `Simulated error ${status}.`,
    };
    const headers: OutgoingHttpHeaders = {};
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    if (status === 429) headers['x-ratelimit-remaining-requests'] = '0';
    return openaiError(request, status, message ?? shape.message, shape.type, shape.code, null, headers);
  },
};

/** OpenAI shows only the ends of a refused key; a short key is masked whole. */
function redact(key: string): string {
  return key.length < 12 ? '*'.repeat(key.length) : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

export const OPENAI_STREAM_ERROR_FRAME = `data: ${JSON.stringify({
  error: { message: STATUS_ERRORS[500]!.message, type: 'server_error', param: null, code: null },
})}\n\n`;
