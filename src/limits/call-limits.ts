// The limits of one model call, checked and consumed before it is made and settled after it ends.
//
// Every dimension a plan, an organization or a key can limit is a counter in a window (limits/windows.ts):
// requests per minute and hour (1 a call), requests per month (in milli-requests: 1,000 a call, 100 for a
// response-cache hit), tokens per minute, hour and month (the call's estimate, settled to its real usage),
// concurrent requests (1 while the call runs) and spend per day and month (the worst-case cost, settled to
// the real cost). The organization's counters and its key's are consumed in one all-or-nothing step, so a
// refused call counts nowhere. A prepaid organization then reserves the worst case from its balance.
//
// Refusals: 429 `rate_limit_error` with Retry-After (codes rate_limit_exceeded, quota_exceeded,
// token_limit_exceeded, concurrency_limit_exceeded, spend_limit_exceeded), 402 `insufficient_quota` when
// the balance cannot cover the call. A plan that allows overage admits past its monthly quota and marks the
// call as billable overage. The first refusal in a window (and the first overage in a month) records a
// `usage.limit_reached` event. Every admitted or refused call gets X-RateLimit-* (the tightest minute or
// hour request window), X-Quota-* (the monthly request quota) and, when tokens are limited,
// X-RateLimit-Limit-Tokens / X-RateLimit-Remaining-Tokens.
import type { Principal } from '../access/principal.js';
import { GatewayError } from '../core/errors.js';
import { newId } from '../identity/ids.js';
import type { Logger } from '../observability/logger.js';
import type { CallSettlement } from '../pipeline/call-meter.js';
import type { CounterAdjustment, Limiter, WindowCharge, WindowState } from '../state/limiter.js';
import type { BalanceStore, OutboxEvent } from '../store/types.js';
import type { ModelEntry } from '../core/catalogue.js';
import { estimateCall, type CallEstimate } from './call-estimate.js';
import { effectiveLimits, type Limits, type Plan } from './plans.js';
import type { OrganizationPolicy, PolicySource } from './policies.js';
import { secondsLeft, windowAt, type WindowKind } from './windows.js';

export type CallLimitsOptions = {
  limiter: Limiter;
  policies: PolicySource;
  /** The plans a key's `plan` may name (unknown names are ignored). */
  plans?: Readonly<Record<string, Plan>>;
  /** Prepaid balances; absent: no organization runs prepaid. */
  balances?: Pick<BalanceStore, 'reserve' | 'settle'>;
  /** Records `usage.limit_reached` events (the outbox). */
  recordEvents?: (events: OutboxEvent[]) => Promise<void>;
  logger: Pick<Logger, 'error'>;
  now?: () => number;
  /** How long a concurrency slot or a balance reservation outlives a call that never settled (a crash). */
  reservationTtlMs?: number;
};

export type CallRequest = {
  requestId: string;
  /** The call's worst case; absent: estimated from `body` and `entry` when a limit needs it, else none. */
  estimate?: CallEstimate;
  /** The parsed request and its model: estimated only for a caller some limit applies to. */
  body?: unknown;
  entry?: Pick<ModelEntry, 'pricing' | 'maxOutputTokens'>;
  /** Answered from the response cache: a tenth of a request against the monthly quota. */
  cacheHit?: boolean;
};

/** The headers to send either way, the refusal when the call may not go ahead, and how to settle it. */
export type Admission = CallSettlement & { headers: Record<string, string>; refusal?: GatewayError };

export type CallLimits = {
  /** Synchronous (and allocation-free) when nothing limits the caller: the common case on the hot path. */
  admit(principal: Principal | undefined, call: CallRequest): Admission | Promise<Admission>;
  /** Where the caller stands, without counting anything (headers for responses that are not model calls). */
  peek(principal: Principal | undefined): Record<string, string> | Promise<Record<string, string>>;
};

type Dimension = 'requests' | 'quota' | 'tokens' | 'concurrent' | 'spend';
type Owner = { prefix: string; kind: 'organization' | 'api_key'; limits: Limits; allowOverage: boolean };
/** One limited window of a caller: which limit, and the counter of the window it is in now. */
type Slot = {
  dimension: Dimension;
  kind: WindowKind | 'concurrent';
  limitName: string;
  shown: number;
  /** What the counter may reach (milli-requests for the quota; unbounded for a quota allowing overage). */
  limit: number;
  owner: Owner;
  counter: string;
  start: number;
  end: number;
};
type Charge = WindowCharge & {
  dimension: Dimension;
  kind: WindowKind | 'concurrent';
  owner: Owner;
  /** The limit as configured (a plan allowing overage is charged without one). */
  shown: number;
  limitName: string;
};

const milli = 1000;
const unbounded = Number.MAX_SAFE_INTEGER;
const noSettle = () => undefined;
const unlimited: Admission = Object.freeze({ headers: Object.freeze({}) as Record<string, string>, overage: false, settle: noSettle });

export function createCallLimits(options: CallLimitsOptions): CallLimits {
  const now = options.now ?? Date.now;
  const ttl = options.reservationTtlMs ?? 10 * 60_000;
  const { limiter } = options;

  const fail = (what: string) => (error: unknown) => options.logger.error({ err: error }, `limits: ${what} failed`);

  function owners(principal: Principal & { organizationId: string }, policy: OrganizationPolicy): Owner[] {
    const list: Owner[] = [];
    if (!policy.unlimited) list.push({ prefix: `org:${principal.organizationId}`, kind: 'organization', limits: policy.limits, allowOverage: policy.allowOverage });
    if (principal.apiKeyId !== null && (principal.limits !== undefined || principal.plan !== undefined)) {
      const keyPlan = principal.plan === undefined ? undefined : options.plans?.[principal.plan];
      const limits = keyPlan === undefined ? (principal.limits ?? {}) : effectiveLimits(keyPlan, principal.limits);
      if (Object.keys(limits).length > 0) list.push({ prefix: `key:${principal.apiKeyId}`, kind: 'api_key', limits, allowOverage: false });
    }
    return list;
  }

  // A caller's windows, worked out once per principal and policy (both are cached objects upstream) and
  // renamed only when a window turns over: the hot path builds no counter names and no window objects.
  const slotCache = new WeakMap<Principal, { policy: OrganizationPolicy; slots: Slot[] }>();

  function slotsFor(principal: Principal & { organizationId: string }, policy: OrganizationPolicy): Slot[] {
    const cached = slotCache.get(principal);
    if (cached !== undefined && cached.policy === policy) return cached.slots;
    const slots: Slot[] = [];
    for (const owner of owners(principal, policy)) {
      const { limits } = owner;
      const add = (dimension: Dimension, kind: Slot['kind'], limitName: string, shown: number | undefined) => {
        if (shown === undefined) return;
        const limit = dimension === 'quota' ? (owner.allowOverage ? unbounded : shown * milli) : shown;
        slots.push({ dimension, kind, limitName, shown, limit, owner, counter: '', start: 0, end: 0 });
      };
      add('requests', 'minute', 'requests_per_minute', limits.requestsPerMinute);
      add('requests', 'hour', 'requests_per_hour', limits.requestsPerHour);
      add('quota', 'month', 'requests_per_month', limits.requestsPerMonth);
      add('tokens', 'minute', 'tokens_per_minute', limits.tokensPerMinute);
      add('tokens', 'hour', 'tokens_per_hour', limits.tokensPerHour);
      add('tokens', 'month', 'tokens_per_month', limits.tokensPerMonth);
      add('concurrent', 'concurrent', 'concurrent_requests', limits.concurrentRequests);
      add('spend', 'day', 'spend_per_day_micro_usd', limits.spendPerDayMicroUsd);
      add('spend', 'month', 'spend_per_month_micro_usd', limits.spendPerMonthMicroUsd);
    }
    slotCache.set(principal, { policy, slots });
    return slots;
  }

  function chargesFor(slots: readonly Slot[], call: CallRequest | undefined, at: number): Charge[] {
    const charges: Charge[] = [];
    let tokens: number | undefined;
    let cost: number | undefined;
    for (const slot of slots) {
      let amount = 0;
      if (slot.kind === 'concurrent') {
        // A slot is held while a call runs; peeking shows no concurrency.
        if (call === undefined) continue;
        if (slot.counter === '') slot.counter = `${slot.owner.prefix}:concurrent:now`;
        slot.end = at + ttl;
      } else if (at < slot.start || at >= slot.end) {
        const window = windowAt(slot.kind, at);
        slot.counter = `${slot.owner.prefix}:${slot.dimension}:${window.id}`;
        slot.start = window.start;
        slot.end = window.end;
      }
      if (call !== undefined) {
        switch (slot.dimension) {
          case 'requests':
          case 'concurrent':
            amount = 1;
            break;
          case 'quota':
            amount = call.cacheHit ? milli / 10 : milli;
            break;
          case 'tokens':
            amount = tokens ??= call.estimate?.tokens() ?? 0;
            break;
          case 'spend':
            amount = cost ??= call.estimate?.costMicroUsd() ?? 0;
            break;
        }
      }
      charges.push({
        counter: slot.counter,
        limit: slot.limit,
        amount,
        resetAt: slot.end,
        dimension: slot.dimension,
        kind: slot.kind,
        owner: slot.owner,
        shown: slot.shown,
        limitName: slot.limitName,
      });
    }
    return charges;
  }

  /** Records `usage.limit_reached` once per counter and window, across replicas (the limiter dedupes). */
  function limitReached(principal: Principal & { organizationId: string }, policy: OrganizationPolicy, charge: Charge | undefined, used: number, reason: string) {
    if (options.recordEvents === undefined) return;
    const at = now();
    const counter = charge?.counter ?? `org:${principal.organizationId}:balance`;
    const resetAt = charge?.resetAt ?? at + 60_000;
    void limiter
      .consume([{ counter: `${counter}:${reason}:notified`, limit: 1, amount: 1, resetAt }], at)
      .then((first) => {
        if (!first.allowed) return;
        const data: Record<string, unknown> = {
          reason,
          limit: charge?.limitName ?? 'balance',
          applies_to: charge?.owner.kind ?? 'organization',
          plan: policy.planName,
        };
        if (charge !== undefined) {
          data.value = charge.shown;
          data.used = charge.dimension === 'quota' ? used / milli : used;
          data.resets_at = charge.kind === 'concurrent' ? null : new Date(charge.resetAt).toISOString();
        }
        if (principal.apiKeyId !== null) data.api_key_id = principal.apiKeyId;
        return options.recordEvents!([{ id: newId('evt'), organizationId: principal.organizationId, type: 'usage.limit_reached', data, createdAt: new Date(at) }]);
      })
      .catch(fail('recording usage.limit_reached'));
  }

  function release(charges: Charge[]): void {
    const adjustments = charges.filter((charge) => charge.amount !== 0).map((charge) => ({ counter: charge.counter, delta: -charge.amount, resetAt: charge.resetAt }));
    if (adjustments.length > 0) void limiter.adjust(adjustments, now()).catch(fail('releasing counters'));
  }

  async function consume(principal: Principal & { organizationId: string }, policy: OrganizationPolicy, slots: readonly Slot[], request: CallRequest): Promise<Admission> {
    const call = request.estimate !== undefined || request.entry === undefined ? request : { ...request, estimate: estimateCall(request.body, request.entry) };
    const at = now();
    const charges = chargesFor(slots, call, at);
    const result = charges.length === 0 ? { allowed: true as const, windows: [] } : await limiter.consume(charges, at);
    const headers = describe(result.windows, charges);
    if (!result.allowed) {
      const index = result.windows.indexOf(result.blocked);
      const charge = charges[index]!;
      const refusal = refusalFor(charge, result.blocked, at);
      limitReached(principal, policy, charge, result.blocked.used, 'refused');
      return { headers, refusal, overage: false, settle: noSettle };
    }
    let overage = false;
    result.windows.forEach((state, index) => {
      const charge = charges[index]!;
      if (charge.dimension !== 'quota' || charge.limit !== unbounded) return;
      const cap = charge.shown * milli;
      if (state.used > cap) {
        overage = true;
        if (state.used - charge.amount <= cap) limitReached(principal, policy, charge, state.used, 'overage');
      }
    });
    let reserved = false;
    if (policy.prepaid && options.balances !== undefined) {
      const amount = call.estimate?.costMicroUsd() ?? 0;
      const reservation = await options.balances.reserve({
        organizationId: principal.organizationId,
        requestId: call.requestId,
        amountMicroUsd: amount,
        now: at,
        expiresAt: at + ttl,
      });
      if (!reservation.reserved) {
        release(charges);
        limitReached(principal, policy, undefined, 0, 'refused');
        const refusal = new GatewayError(
          'insufficient_quota',
          `Not enough balance: this call may cost up to $${usd(amount)} and the organization has $${usd(Math.max(0, reservation.availableMicroUsd))} available. Add credit or lower max_tokens.`,
          { publicCode: 'insufficient_quota', details: { required_micro_usd: amount, available_micro_usd: reservation.availableMicroUsd } },
        );
        return { headers, refusal, overage: false, settle: noSettle };
      }
      reserved = true;
    }
    let settled = false;
    return {
      headers,
      overage,
      settle(usage, costMicroUsd) {
        if (settled) return;
        settled = true;
        const tokens = usage === undefined ? 0 : usage.input.total + usage.output.total;
        const adjustments: CounterAdjustment[] = [];
        for (const charge of charges) {
          let delta = 0;
          if (charge.dimension === 'tokens') delta = tokens - charge.amount;
          else if (charge.dimension === 'spend') delta = costMicroUsd - charge.amount;
          else if (charge.dimension === 'concurrent') delta = -charge.amount;
          const resetAt = charge.kind === 'concurrent' ? now() + ttl : charge.resetAt;
          if (delta !== 0) adjustments.push({ counter: charge.counter, delta, resetAt });
        }
        // One step for every counter of the call: one round trip on Redis.
        if (adjustments.length > 0) void limiter.adjust(adjustments, now()).catch(fail('settling counters'));
        if (reserved) {
          void options.balances!
            .settle({ organizationId: principal.organizationId, requestId: call.requestId, costMicroUsd, now: now(), id: newId('btx') })
            .catch(fail('settling a balance'));
        }
      },
    };
  }

  function withPolicy<T>(principal: Principal | undefined, fallback: T, then: (principal: Principal & { organizationId: string }, policy: OrganizationPolicy) => T | Promise<T>): T | Promise<T> {
    if (principal === undefined || principal.organizationId === null) return fallback;
    const withOrganization = principal as Principal & { organizationId: string };
    const policy = options.policies.policyFor(withOrganization.organizationId);
    if (policy instanceof Promise) return policy.then((resolved) => then(withOrganization, resolved));
    return then(withOrganization, policy);
  }

  return {
    admit(principal, call) {
      return withPolicy(principal, unlimited, (caller, policy) => {
        const slots = slotsFor(caller, policy);
        if (slots.length === 0 && !policy.prepaid) return unlimited;
        return consume(caller, policy, slots, call);
      });
    },
    peek(principal) {
      return withPolicy(principal, unlimited.headers, async (caller, policy) => {
        const at = now();
        const charges = chargesFor(slotsFor(caller, policy), undefined, at);
        if (charges.length === 0) return unlimited.headers;
        const result = await limiter.consume(charges, at);
        return describe(result.windows, charges);
      });
    },
  };
}

function refusalFor(charge: Charge, blocked: WindowState, at: number): GatewayError {
  const owner = charge.owner.kind === 'api_key' ? 'this API key' : "the organization's plan";
  const retryAfter = charge.kind === 'concurrent' ? 1 : secondsLeft(windowAt(charge.kind, at), at);
  const details: Record<string, unknown> = { limit: charge.limitName, value: charge.shown, applies_to: charge.owner.kind };
  const wait = `Retry after ${retryAfter} seconds.`;
  switch (charge.dimension) {
    case 'requests':
      return new GatewayError('rate_limited', `Rate limit exceeded: ${charge.shown} requests per ${charge.kind} for ${owner}. ${wait}`, {
        retryAfter,
        publicCode: 'rate_limit_exceeded',
        details,
      });
    case 'quota':
      return new GatewayError(
        'rate_limited',
        `Monthly quota exceeded: ${charge.shown} requests per month for ${owner}. ${wait}`,
        { retryAfter, publicCode: 'quota_exceeded', details },
      );
    case 'tokens':
      return new GatewayError(
        'rate_limited',
        `Token limit exceeded: ${charge.shown} tokens per ${charge.kind} for ${owner}, ${Math.max(0, charge.shown - blocked.used)} left and this call may use ${charge.amount} (prompt plus max_tokens). ${wait}`,
        { retryAfter, publicCode: 'token_limit_exceeded', details },
      );
    case 'concurrent':
      return new GatewayError('rate_limited', `Too many concurrent requests: at most ${charge.shown} at once for ${owner}. ${wait}`, {
        retryAfter,
        publicCode: 'concurrency_limit_exceeded',
        details,
      });
    case 'spend':
      return new GatewayError(
        'rate_limited',
        `Spend limit reached: $${usd(charge.shown)} per ${charge.kind} for ${owner} ($${usd(blocked.used)} used; this call may cost up to $${usd(charge.amount)}). ${wait}`,
        { retryAfter, publicCode: 'spend_limit_exceeded', details },
      );
  }
}

/** Micro-USD as dollars for messages: exact, trailing zeros dropped. */
function usd(micro: number): string {
  const whole = Math.trunc(micro / 1_000_000);
  const fraction = Math.abs(micro % 1_000_000);
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}

/** X-RateLimit-* for the tightest minute or hour request window, X-Quota-* for the month (resets in epoch seconds). */
function describe(windows: readonly WindowState[], charges: readonly Charge[]): Record<string, string> {
  const headers: Record<string, string> = {};
  let tightest: { remaining: number; charge: Charge } | undefined;
  let tokens: { remaining: number; charge: Charge } | undefined;
  let quota: { remaining: number; charge: Charge } | undefined;
  windows.forEach((state, index) => {
    const charge = charges[index]!;
    if (charge.dimension === 'quota') {
      const remaining = Math.max(0, Math.floor((charge.shown * milli - state.used) / milli));
      if (quota === undefined || remaining < quota.remaining) quota = { remaining, charge };
    } else if (charge.dimension === 'requests') {
      const remaining = Math.max(0, charge.shown - state.used);
      if (tightest === undefined || remaining < tightest.remaining) tightest = { remaining, charge };
    } else if (charge.dimension === 'tokens') {
      const remaining = Math.max(0, charge.shown - state.used);
      if (tokens === undefined || remaining < tokens.remaining) tokens = { remaining, charge };
    }
  });
  if (tightest !== undefined) {
    headers['x-ratelimit-limit'] = String(tightest.charge.shown);
    headers['x-ratelimit-remaining'] = String(tightest.remaining);
    headers['x-ratelimit-reset'] = String(Math.ceil(tightest.charge.resetAt / 1000));
  }
  if (quota !== undefined) {
    headers['x-quota-limit'] = String(quota.charge.shown);
    headers['x-quota-remaining'] = String(quota.remaining);
    headers['x-quota-reset'] = String(Math.ceil(quota.charge.resetAt / 1000));
  }
  if (tokens !== undefined) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.charge.shown);
    headers['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
  }
  return headers;
}
