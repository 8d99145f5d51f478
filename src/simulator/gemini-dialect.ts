// Gemini's envelopes: `x-goog-api-key` or `?key=` authentication and Google RPC error bodies
// `{"error":{code,message,status,details?}}`. A refused key is 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
// https://ai.google.dev/gemini-api/docs/generate-content/api-errors (shared/reference/gemini.md §6).
import { headerValue, jsonReply, type Dialect, type SimJsonReply, type SimRequest } from './sim-reply.js';

const STATUS_ERRORS: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  409: { status: 'ABORTED', message: 'The operation was aborted.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'You exceeded your current quota, please check your plan and billing details.' },
  499: { status: 'CANCELLED', message: 'The operation was cancelled.' },
  500: {
    status: 'INTERNAL',
    message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline expired before operation could complete.' },
};

const INVALID_KEY_MESSAGE = 'API key not valid. Please pass a valid API key.';
const DEFAULT_RETRY_DELAY_SECONDS = 1;

export function geminiError(status: number, rpcStatus: string, message: string, details?: unknown[]): SimJsonReply {
  const error: Record<string, unknown> = { code: status, message, status: rpcStatus };
  if (details !== undefined) error.details = details;
  return jsonReply(status, { error });
}

export function geminiInvalid(message: string): SimJsonReply {
  return geminiError(400, 'INVALID_ARGUMENT', message);
}

export function geminiModelNotFound(model: string, method: string): SimJsonReply {
  return geminiError(
    404,
    'NOT_FOUND',
    `models/${model} is not found for API version v1beta, or is not supported for ${method}. ` +
      'Call ListModels to see the list of available models and their supported methods.',
  );
}

function apiKey(request: SimRequest): string | undefined {
  const header = headerValue(request.headers, 'x-goog-api-key');
  if (header !== undefined) return header;
  if (!request.query.includes('key=')) return undefined;
  return new URLSearchParams(request.query).get('key') ?? undefined;
}

export const geminiDialect: Dialect = {
  family: 'gemini',
  authenticate(request, isAccepted) {
    const key = apiKey(request);
    if (key !== undefined && isAccepted(key)) return undefined;
    return geminiError(400, 'INVALID_ARGUMENT', INVALID_KEY_MESSAGE, [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: INVALID_KEY_MESSAGE },
    ]);
  },
  malformedJson: () => geminiInvalid('Invalid JSON payload received. Unexpected token.'),
  statusError(_request, status, message, retryAfter) {
    const shape = STATUS_ERRORS[status] ?? {
      status: status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION',
      message: `Simulated error ${status}.`,
    };
    // Gemini puts the retry hint in the body (RetryInfo), not in a Retry-After header.
    const details =
      status === 429
        ? [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' }],
            },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter ?? DEFAULT_RETRY_DELAY_SECONDS}s` },
          ]
        : undefined;
    return geminiError(status, shape.status, message ?? shape.message, details);
  },
};

export const GEMINI_STREAM_ERROR = JSON.stringify({
  error: { code: 503, message: STATUS_ERRORS[503]!.message, status: 'UNAVAILABLE' },
});
