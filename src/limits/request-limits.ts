// The request limits of one model call: per minute, per hour and per month, on the caller's key (its own
// limits) and on its organization (its plan), consumed in one all-or-nothing step. Over a limit: 429 with
// Retry-After. Either way the caller learns where it stands: X-RateLimit-* for the tightest short window,
// X-Quota-* for the month (epoch seconds for the resets).
import type { Principal } from '../access/principal.js';
import { GatewayError } from '../core/errors.js';
import type { Limiter, WindowCharge, WindowState } from '../state/limiter.js';
import type { Limits, Plan } from './plans.js';
import { secondsLeft, windowAt, type WindowKind } from './windows.js';

export type RequestLimitsOptions = {
  limiter: Limiter;
  plans: Readonly<Record<string, Plan>>;
  /** The plan of an organization without one of its own; undefined: none. */
  defaultPlan: string | undefined;
  now?: () => number;
};

/** The headers to send either way, and the refusal when a window had no room (nothing was consumed then). */
export type Admission = { headers: Record<string, string>; refusal?: GatewayError };

const dimensions: Array<[keyof Limits, WindowKind]> = [
  ['requestsPerMinute', 'minute'],
  ['requestsPerHour', 'hour'],
  ['requestsPerMonth', 'month'],
];

/** Past this, a plan that allows overage still admits (the overage is billable); the counter keeps counting. */
const unbounded = Number.MAX_SAFE_INTEGER;

/** Synchronous (and allocation-free) when nothing limits the caller: the common case on the hot path. */
export type RequestLimits = { admit(principal: Principal | undefined): Admission | Promise<Admission> };

const unlimited: Admission = Object.freeze({ headers: Object.freeze({}) as Record<string, string> });

export function createRequestLimits(options: RequestLimitsOptions): RequestLimits {
  const now = options.now ?? Date.now;
  const defaultPlan = options.defaultPlan === undefined ? undefined : options.plans[options.defaultPlan];
  return {
    admit(principal) {
      if (principal === undefined || principal.organizationId === null) return unlimited;
      if (defaultPlan === undefined && principal.limits === undefined) return unlimited;
      return consume(principal as Principal & { organizationId: string });
    },
  };

  async function consume(principal: Principal & { organizationId: string }): Promise<Admission> {
    const at = now();
    const charges: Charge[] = [];
    const add = (owner: string, limits: Limits | undefined, allowOverage: boolean) => {
      for (const [name, kind] of dimensions) {
        const limit = limits?.[name];
        if (limit === undefined) continue;
        const window = windowAt(kind, at);
        charges.push({
          counter: `${owner}:requests:${window.id}`,
          limit: kind === 'month' && allowOverage ? unbounded : limit,
          amount: 1,
          resetAt: window.end,
          kind,
          shown: limit,
        });
      }
    };
    add(`org:${principal.organizationId}`, defaultPlan, defaultPlan?.allowOverage === true);
    if (principal.apiKeyId !== null) add(`key:${principal.apiKeyId}`, principal.limits, false);
    if (charges.length === 0) return unlimited;
    const result = await options.limiter.consume(charges, at);
    const headers = describe(result.windows, charges);
    if (!result.allowed) {
      const retryAfter = secondsLeft(windowAt(charges[result.windows.indexOf(result.blocked)]!.kind, at), at);
      const refusal = new GatewayError(
        'rate_limited',
        `Rate limit exceeded: ${describeLimit(result.blocked, charges)}. Retry after ${retryAfter} seconds.`,
        { retryAfter, publicCode: 'rate_limit_exceeded' },
      );
      return { headers, refusal };
    }
    return { headers };
  }
}

type Charge = WindowCharge & { kind: WindowKind; /** The limit to show (a plan allowing overage is charged without one). */ shown: number };

/** X-RateLimit-* for the tightest minute or hour window, X-Quota-* for the month (resets in epoch seconds). */
function describe(windows: WindowState[], charges: Charge[]): Record<string, string> {
  const headers: Record<string, string> = {};
  let tightest: { remaining: number; charge: Charge } | undefined;
  windows.forEach((state, index) => {
    const charge = charges[index]!;
    const remaining = Math.max(0, charge.shown - state.used);
    const reset = String(Math.ceil(charge.resetAt / 1000));
    if (charge.kind === 'month') {
      headers['x-quota-limit'] = String(charge.shown);
      headers['x-quota-remaining'] = String(remaining);
      headers['x-quota-reset'] = reset;
    } else if (tightest === undefined || remaining < tightest.remaining) {
      tightest = { remaining, charge };
    }
  });
  if (tightest !== undefined) {
    headers['x-ratelimit-limit'] = String(tightest.charge.shown);
    headers['x-ratelimit-remaining'] = String(tightest.remaining);
    headers['x-ratelimit-reset'] = String(Math.ceil(tightest.charge.resetAt / 1000));
  }
  return headers;
}

function describeLimit(blocked: WindowState, charges: Charge[]): string {
  const charge = charges.find((candidate) => candidate.counter === blocked.counter)!;
  const owner = blocked.counter.startsWith('key:') ? 'this API key' : "the organization's plan";
  return `${charge.shown} requests per ${charge.kind} for ${owner}`;
}
