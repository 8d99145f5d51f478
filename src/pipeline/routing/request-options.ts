// What a request may say about its own routing: fallback models in a header (any SDK can send one) after
// those of its body, and shorter timeouts. The body's fallback fields are read by each surface.
import { GatewayError } from '../../core/errors.js';
import type { Exchange } from '../../http/server.js';
import type { RoutingPolicy } from './router.js';

export const fallbacksHeader = 'x-switchyard-fallbacks';
const timeoutHeader = 'x-switchyard-timeout-ms';
const firstTokenTimeoutHeader = 'x-switchyard-first-token-timeout-ms';

/** The body's fallbacks, then the header's; a 400 past `max`. */
export function requestFallbacks(exchange: Exchange, fromBody: readonly string[], max: number): string[] {
  const header = exchange.request.headers[fallbacksHeader];
  const fromHeader = typeof header === 'string' ? header.split(',').map((name) => name.trim()).filter((name) => name !== '') : [];
  const names = [...fromBody, ...fromHeader];
  if (names.length > max) {
    throw new GatewayError('invalid_request', `At most ${max} fallback models may be named; this request names ${names.length}.`, {
      param: 'fallbacks',
    });
  }
  return names;
}

/** X-Switchyard-Timeout-Ms and X-Switchyard-First-Token-Timeout-Ms may shorten the configured timeouts, never lengthen them. */
export function withRequestTimeouts(policy: RoutingPolicy, exchange: Exchange): RoutingPolicy {
  const total = timeoutFromHeader(exchange, timeoutHeader);
  const firstToken = timeoutFromHeader(exchange, firstTokenTimeoutHeader);
  if (total === undefined && firstToken === undefined) return policy;
  return {
    ...policy,
    timeouts: {
      ...policy.timeouts,
      totalMs: Math.min(policy.timeouts.totalMs, total ?? Infinity),
      firstTokenMs: Math.min(policy.timeouts.firstTokenMs, firstToken ?? Infinity),
    },
  };
}

function timeoutFromHeader(exchange: Exchange, name: string): number | undefined {
  const value = exchange.request.headers[name];
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && /^\d{1,9}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new GatewayError('invalid_request', `The header ${name} must be a whole number of milliseconds (at least 1); got '${String(value)}'.`, {
      param: name,
    });
  }
  return parsed;
}

