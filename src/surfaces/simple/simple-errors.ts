// The one place GatewayErrors become the simple surface's envelope:
// {"error":{"code","message","retry_after"?,"status","param"?,"request_id"}}.
import type { GatewayError } from '../../core/errors.js';

export function simpleErrorBody(error: GatewayError, requestId: string) {
  return {
    error: {
      code: simpleErrorCode(error),
      message: error.message,
      ...(error.retryAfter === undefined ? {} : { retry_after: error.retryAfter }),
      status: error.status,
      ...(error.param ? { param: error.param } : {}),
      request_id: requestId,
    },
  };
}

/** The terminal event of a stream that broke after its first byte; no `[DONE]` follows it. */
export function simpleStreamErrorEvent(error: GatewayError, requestId: string): string {
  return `data: ${JSON.stringify(simpleErrorBody(error, requestId))}\n\n`;
}

function simpleErrorCode(error: GatewayError): string {
  const code = error.publicCode ?? error.code;
  // Every 429 reads the same to a client of this surface, whoever limited it.
  return code === 'rate_limited' ? 'rate_limit_exceeded' : code;
}
