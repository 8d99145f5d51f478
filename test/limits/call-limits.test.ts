import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../src/access/principal.js';
import type { Usage } from '../../src/core/chat.js';
import type { CallEstimate } from '../../src/limits/call-estimate.js';
import { createCallLimits, type Admission, type CallLimitsOptions } from '../../src/limits/call-limits.js';
import { defaultPlans, type Plan } from '../../src/limits/plans.js';
import { resolvePolicy, type OrganizationPolicy } from '../../src/limits/policies.js';
import { createMemoryLimiter } from '../../src/state/memory/memory-limiter.js';
import type { OutboxEvent } from '../../src/store/types.js';

const principal: Principal = {
  kind: 'api_key',
  organizationId: 'org_a',
  scope: 'generator',
  domains: ['models'],
  apiKeyId: 'key_a',
  userId: null,
  label: 'API key',
};

const noon = Date.UTC(2026, 10, 22, 12, 0, 10);
let requestCounter = 0;

function setup(policy: OrganizationPolicy, extra: Partial<CallLimitsOptions> = {}) {
  const events: OutboxEvent[] = [];
  let clock = noon;
  const limits = createCallLimits({
    limiter: createMemoryLimiter(),
    policies: { policyFor: () => policy, forget: () => undefined },
    recordEvents: async (recorded) => void events.push(...recorded),
    logger: { error: (...args: unknown[]) => assert.fail(`unexpected error log: ${JSON.stringify(args)}`) },
    now: () => clock,
    ...extra,
  });
  const admit = async (who: Principal, call: { estimate?: CallEstimate; cacheHit?: boolean } = {}) =>
    await limits.admit(who, { requestId: `req_${++requestCounter}`, ...call });
  return { limits, admit, events, advance: (ms: number) => (clock += ms) };
}

const plan = (limits: Omit<Plan, 'allowOverage'>, allowOverage = false, prepaid = false) =>
  resolvePolicy({ custom: { ...limits, allowOverage } }, 'custom', null, null, prepaid);
const none = resolvePolicy(defaultPlans, undefined, null, null, false);
const estimate = (tokens: number, cost = 0): CallEstimate => ({ tokens: () => tokens, costMicroUsd: () => cost });
const usage = (input: number, output: number): Usage => ({ input: { total: input, cacheRead: 0, cacheWrite: 0 }, output: { total: output, reasoning: 0 } });
const flush = () => new Promise((resolve) => setImmediate(resolve));

test('nothing limits the caller: answered at once, without touching the counters', () => {
  let consumed = 0;
  const limiter = createMemoryLimiter();
  const counting = { ...limiter, consume: (...args: Parameters<typeof limiter.consume>) => (consumed++, limiter.consume(...args)) };
  const { limits } = setup(none, { limiter: counting });
  const admission = limits.admit(principal, { requestId: 'r1' });
  assert.ok(!(admission instanceof Promise));
  assert.deepEqual(admission.headers, {});
  assert.equal(admission.overage, false);
  assert.equal(consumed, 0);
});

test('a key limit narrower than the plan decides the headers and the refusal', async () => {
  const { admit } = setup(resolvePolicy(defaultPlans, 'pro', null, null, false));
  const keyed = { ...principal, limits: { requestsPerMinute: 1 } };
  const first = await admit(keyed);
  assert.equal(first.refusal, undefined);
  assert.equal(first.headers['x-ratelimit-limit'], '1');
  assert.equal(first.headers['x-ratelimit-remaining'], '0');
  assert.equal(first.headers['x-quota-limit'], '1000000');
  assert.equal(first.headers['x-quota-remaining'], '999999');
  assert.equal(first.headers['x-ratelimit-reset'], String(Date.UTC(2026, 10, 22, 12, 1) / 1000));
  const second = await admit(keyed);
  assert.equal(second.refusal?.status, 429);
  assert.equal(second.refusal?.retryAfter, 50);
  assert.equal(second.refusal?.publicCode, 'rate_limit_exceeded');
  assert.match(second.refusal?.message ?? '', /1 requests per minute for this API key/);
});

test('the organization limits narrow its plan', async () => {
  const policy = resolvePolicy(defaultPlans, 'scale', null, { requests_per_minute: 2 }, false);
  assert.equal(policy.limits.requestsPerMinute, 2);
  assert.equal(policy.limits.requestsPerHour, 50_000);
  const { admit } = setup(policy);
  assert.equal((await admit(principal)).refusal, undefined);
  assert.equal((await admit(principal)).refusal, undefined);
  assert.match((await admit(principal)).refusal?.message ?? '', /2 requests per minute for the organization's plan/);
});

test('a cache hit counts a tenth of a request against the monthly quota', async () => {
  const { admit } = setup(plan({ requestsPerMonth: 1 }));
  for (let hit = 0; hit < 9; hit += 1) assert.equal((await admit(principal, { cacheHit: true })).refusal, undefined);
  // 0.9 used: a full request no longer fits, one more hit does.
  const full = await admit(principal);
  assert.equal(full.refusal?.publicCode, 'quota_exceeded');
  assert.equal(full.headers['x-quota-remaining'], '0');
  assert.equal((await admit(principal, { cacheHit: true })).refusal, undefined);
  assert.equal((await admit(principal, { cacheHit: true })).refusal?.status, 429);
});

test('past the monthly quota a plan with overage admits, marks the call billable and says so once', async () => {
  const { admit, events } = setup(plan({ requestsPerMonth: 2 }, true));
  const admitted: Admission[] = [];
  for (let call = 0; call < 5; call += 1) admitted.push(await admit(principal));
  assert.deepEqual(admitted.map((admission) => admission.refusal), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(admitted.map((admission) => admission.overage), [false, false, true, true, true]);
  assert.equal(admitted[4]!.headers['x-quota-limit'], '2');
  assert.equal(admitted[4]!.headers['x-quota-remaining'], '0');
  await flush();
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'usage.limit_reached');
  assert.deepEqual(
    { ...events[0]!.data, resets_at: undefined },
    { reason: 'overage', limit: 'requests_per_month', applies_to: 'organization', plan: 'custom', value: 2, used: 3, resets_at: undefined, api_key_id: 'key_a' },
  );
});

test('refusals record usage.limit_reached once per window', async () => {
  const { admit, events, advance } = setup(plan({ requestsPerMinute: 1 }));
  await admit(principal);
  for (let call = 0; call < 4; call += 1) assert.equal((await admit(principal)).refusal?.status, 429);
  await flush();
  assert.equal(events.length, 1);
  assert.equal(events[0]!.data.reason, 'refused');
  assert.equal(events[0]!.data.limit, 'requests_per_minute');
  assert.equal(events[0]!.data.resets_at, new Date(Date.UTC(2026, 10, 22, 12, 1)).toISOString());
  advance(60_000);
  await admit(principal);
  await admit(principal);
  await flush();
  assert.equal(events.length, 2, 'the next window reports again');
});

test('token limits reserve prompt plus max_tokens and settle to the real usage', async () => {
  const { admit } = setup(plan({ tokensPerMinute: 1000 }));
  const first = await admit(principal, { estimate: estimate(600) });
  assert.equal(first.refusal, undefined);
  assert.equal(first.headers['x-ratelimit-limit-tokens'], '1000');
  assert.equal(first.headers['x-ratelimit-remaining-tokens'], '400');
  const refused = await admit(principal, { estimate: estimate(600) });
  assert.equal(refused.refusal?.publicCode, 'token_limit_exceeded');
  assert.match(refused.refusal!.message, /1000 tokens per minute .* 400 left and this call may use 600/);
  first.settle(usage(80, 20), 0);
  await flush();
  const second = await admit(principal, { estimate: estimate(600) });
  assert.equal(second.refusal, undefined);
  assert.equal(second.headers['x-ratelimit-remaining-tokens'], '300');
});

test('a call that failed without usage gives its token reservation back', async () => {
  const { admit } = setup(plan({ tokensPerHour: 1000 }));
  const first = await admit(principal, { estimate: estimate(900) });
  first.settle(undefined, 0);
  await flush();
  assert.equal((await admit(principal, { estimate: estimate(900) })).refusal, undefined);
});

test('concurrent requests: a slot is held until the call settles', async () => {
  const { admit } = setup(plan({ concurrentRequests: 2 }));
  const one = await admit(principal);
  const two = await admit(principal);
  const three = await admit(principal);
  assert.equal(three.refusal?.publicCode, 'concurrency_limit_exceeded');
  assert.equal(three.refusal?.retryAfter, 1);
  one.settle(usage(1, 1), 0);
  one.settle(usage(1, 1), 0); // settling twice releases once
  await flush();
  assert.equal((await admit(principal)).refusal, undefined);
  assert.equal((await admit(principal)).refusal?.status, 429);
  two.settle(undefined, 0);
});

test('spend per day reserves the worst-case cost and settles to the real cost', async () => {
  const { admit } = setup(plan({ spendPerDayMicroUsd: 1_000 }));
  const first = await admit(principal, { estimate: estimate(10, 700) });
  assert.equal(first.refusal, undefined);
  const refused = await admit(principal, { estimate: estimate(10, 700) });
  assert.equal(refused.refusal?.publicCode, 'spend_limit_exceeded');
  assert.match(refused.refusal!.message, /\$0\.001 per day .* \(\$0\.0007 used; this call may cost up to \$0\.0007\)/);
  first.settle(usage(5, 5), 250);
  await flush();
  assert.equal((await admit(principal, { estimate: estimate(10, 700) })).refusal, undefined);
});

test('a prepaid organization reserves from its balance; when it cannot cover the call: 402 and nothing counted', async () => {
  const reservations: Array<{ requestId: string; amountMicroUsd: number }> = [];
  const settlements: Array<{ requestId: string; costMicroUsd: number }> = [];
  let available = 1_000;
  const balances = {
    async reserve(input: { requestId: string; amountMicroUsd: number }) {
      if (available < input.amountMicroUsd) return { reserved: false, availableMicroUsd: available };
      available -= input.amountMicroUsd;
      reservations.push(input);
      return { reserved: true, availableMicroUsd: available };
    },
    async settle(input: { requestId: string; costMicroUsd: number }) {
      settlements.push(input);
      return undefined;
    },
  };
  const { admit } = setup(plan({ requestsPerMinute: 5 }, false, true), { balances });
  const paid = await admit(principal, { estimate: estimate(10, 800) });
  assert.equal(paid.refusal, undefined);
  const refused = await admit(principal, { estimate: estimate(10, 800) });
  assert.equal(refused.refusal?.status, 402);
  assert.equal(refused.refusal?.type, 'insufficient_quota');
  assert.match(refused.refusal!.message, /may cost up to \$0\.0008 and the organization has \$0\.0002 available/);
  paid.settle(usage(10, 10), 123);
  await flush();
  assert.deepEqual(settlements.map((item) => [item.requestId, item.costMicroUsd]), [[reservations[0]!.requestId, 123]]);
  // The refused call gave its request back: 2 of 5 used, not 3.
  assert.equal((await admit(principal, { estimate: estimate(1, 1) })).headers['x-ratelimit-remaining'], '3');
});

test('peek shows where the caller stands without counting', async () => {
  const { limits, admit } = setup(plan({ requestsPerMinute: 3, requestsPerMonth: 10 }));
  await admit(principal);
  const headers = await limits.peek(principal);
  assert.equal(headers['x-ratelimit-remaining'], '2');
  assert.equal(headers['x-quota-remaining'], '9');
  assert.equal((await limits.peek(principal))['x-ratelimit-remaining'], '2');
});

test("a key's plan narrows like its own limits, and its own limits narrow the plan further", async () => {
  const { admit } = setup(none, { plans: defaultPlans });
  const keyed = { ...principal, plan: 'free', limits: { requestsPerMinute: 3 } };
  const first = await admit(keyed);
  assert.equal(first.headers['x-ratelimit-limit'], '3');
  assert.equal(first.headers['x-quota-limit'], '25000');
  await admit(keyed);
  await admit(keyed);
  assert.equal((await admit(keyed)).refusal?.status, 429);
  const unknownPlan = setup(none, { plans: defaultPlans });
  const admission = unknownPlan.limits.admit({ ...principal, plan: 'gone' }, { requestId: 'x' });
  assert.ok(!(admission instanceof Promise), 'a plan that no longer exists limits nothing');
});

test('the estimate is made from the request only for a caller some limit applies to', async () => {
  const untouchable = new Proxy({}, { get: () => assert.fail('the request was read for an unlimited caller') });
  const entry = { pricing: { input: 1_000_000, output: 1_000_000 } };
  const free = setup(none).limits.admit(principal, { requestId: 'r', body: untouchable, entry });
  assert.ok(!(free instanceof Promise));
  const { admit } = setup(plan({ tokensPerMinute: 10_000 }));
  const body = { messages: [{ role: 'user', content: 'hello' }], max_tokens: 100 };
  const limited = await admit(principal, { body, entry } as never);
  assert.ok(Number(limited.headers['x-ratelimit-remaining-tokens']) < 10_000 - 100, 'prompt plus max_tokens reserved');
});
