import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../src/access/principal.js';
import { defaultPlans } from '../../src/limits/plans.js';
import { createRequestLimits } from '../../src/limits/request-limits.js';
import { createMemoryLimiter } from '../../src/state/memory/memory-limiter.js';

const principal: Principal = {
  kind: 'api_key',
  organizationId: 'org_a',
  scope: 'generator',
  domains: ['models'],
  apiKeyId: 'key_a',
  userId: null,
  label: 'API key',
};

test('nothing limits the caller: answered at once, without touching the counters', () => {
  let consumed = 0;
  const limiter = createMemoryLimiter();
  const counting = { ...limiter, consume: (...args: Parameters<typeof limiter.consume>) => (consumed++, limiter.consume(...args)) };
  const limits = createRequestLimits({ limiter: counting, plans: defaultPlans, defaultPlan: undefined });
  const admission = limits.admit(principal);
  assert.ok(!(admission instanceof Promise));
  assert.deepEqual(admission.headers, {});
  assert.equal(consumed, 0);
});

test('a key limit narrower than the plan decides the headers and the refusal', async () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 10);
  const limits = createRequestLimits({ limiter: createMemoryLimiter(), plans: defaultPlans, defaultPlan: 'pro', now: () => now });
  const keyed = { ...principal, limits: { requestsPerMinute: 1 } };
  const first = await limits.admit(keyed);
  assert.equal(first.refusal, undefined);
  assert.equal(first.headers['x-ratelimit-limit'], '1');
  assert.equal(first.headers['x-ratelimit-remaining'], '0');
  assert.equal(first.headers['x-quota-limit'], '1000000');
  assert.equal(first.headers['x-ratelimit-reset'], String(Date.UTC(2026, 10, 22, 12, 1) / 1000));
  const second = await limits.admit(keyed);
  assert.equal(second.refusal?.status, 429);
  assert.equal(second.refusal?.retryAfter, 50);
  assert.match(second.refusal?.message ?? '', /1 requests per minute for this API key/);
});
