// One error type for the whole gateway. Each surface renders it in its own envelope, in one place.
// Statuses and types follow seeds 001 and 003 (OpenAI-compatible envelope).

export const errorCatalogue = {
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  unauthenticated: { status: 401, type: 'authentication_error', retryable: false },
  insufficient_quota: { status: 402, type: 'insufficient_quota', retryable: false },
  forbidden: { status: 403, type: 'permission_error', retryable: false },
  not_found: { status: 404, type: 'not_found_error', retryable: false },
  model_not_found: { status: 404, type: 'not_found_error', retryable: false },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false },
  conflict: { status: 409, type: 'invalid_request_error', retryable: false },
  payload_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', retryable: false },
  rate_limited: { status: 429, type: 'rate_limit_error', retryable: true },
  internal: { status: 500, type: 'internal_error', retryable: true },
  upstream_error: { status: 502, type: 'provider_error', retryable: true },
  upstream_auth: { status: 502, type: 'provider_error', retryable: false },
  upstream_bad_response: { status: 502, type: 'provider_error', retryable: true },
  unavailable: { status: 503, type: 'service_unavailable', retryable: true },
  upstream_timeout: { status: 504, type: 'timeout_error', retryable: true },
  client_closed: { status: 499, type: 'client_closed', retryable: false },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export type GatewayErrorOptions = {
  /** The request field at fault, OpenAI's `param`. */
  param?: string | null;
  /** Overrides the catalogue status (e.g. an upstream 4xx passed through as the upstream said it). */
  status?: number;
  /** Overrides the catalogue type. */
  type?: string;
  /** The code shown to the client when it differs from ours (e.g. the upstream's `context_length_exceeded`). */
  publicCode?: string | null;
  /** Seconds the client should wait (429, 503). */
  retryAfter?: number;
  provider?: string;
  /** Machine-readable specifics for the client (the platform envelope's `details`), e.g. the scope that was required. */
  details?: Record<string, unknown>;
  cause?: unknown;
};

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly retryable: boolean;
  readonly param: string | null;
  readonly publicCode: string | null;
  readonly retryAfter: number | undefined;
  readonly provider: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = errorCatalogue[code];
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? entry.status;
    this.type = options.type ?? entry.type;
    this.retryable = entry.retryable;
    this.param = options.param ?? null;
    this.publicCode = options.publicCode === undefined ? code : options.publicCode;
    this.retryAfter = options.retryAfter;
    this.provider = options.provider;
    this.details = options.details;
  }
}

export const isGatewayError = (error: unknown): error is GatewayError => error instanceof GatewayError;

/** Anything thrown that is not already a GatewayError becomes an internal error (message kept out of responses). */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal', 'The gateway failed while handling this request.', { cause: error });
}
