import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPlans, effectiveLimits, keyLimits } from '../../src/limits/plans.js';
import { secondsLeft, windowAt } from '../../src/limits/windows.js';

test('the default plans are the published tiers', () => {
  assert.deepEqual(defaultPlans.free, { requestsPerMinute: 10, requestsPerHour: 100, requestsPerMonth: 25_000, allowOverage: false });
  assert.equal(defaultPlans.starter!.tokensPerMinute, 10_000);
  assert.equal(defaultPlans.pro!.requestsPerMonth, 1_000_000);
  assert.equal(defaultPlans.pro!.allowOverage, true);
  assert.equal(defaultPlans.scale!.requestsPerHour, 50_000);
});

test('a key narrows its organization’s plan, never widens it', () => {
  const key = keyLimits({ requests_per_minute: 5, requests_per_hour: 10_000, tokens_per_month: 1_000, unknown_limit: 3 });
  assert.deepEqual(key, { requestsPerMinute: 5, requestsPerHour: 10_000, tokensPerMonth: 1_000 });
  const limits = effectiveLimits(defaultPlans.starter, key);
  assert.equal(limits.requestsPerMinute, 5, 'the key is stricter');
  assert.equal(limits.requestsPerHour, 1_000, 'the plan is stricter');
  assert.equal(limits.tokensPerMonth, 1_000, 'only the key sets it');
  assert.equal(limits.tokensPerMinute, 10_000, 'only the plan sets it');
  assert.equal(limits.spendPerDayMicroUsd, undefined, 'nobody sets it');
  assert.deepEqual(effectiveLimits(undefined, keyLimits(null)), {});
});

test('windows are aligned to UTC; the month is the calendar month', () => {
  const now = Date.UTC(2026, 1, 28, 23, 59, 30, 500);
  const minute = windowAt('minute', now);
  assert.equal(minute.start, Date.UTC(2026, 1, 28, 23, 59));
  assert.equal(minute.end, Date.UTC(2026, 2, 1, 0, 0));
  assert.equal(secondsLeft(minute, now), 30);
  const month = windowAt('month', now);
  assert.equal(month.start, Date.UTC(2026, 1, 1));
  assert.equal(month.end, Date.UTC(2026, 2, 1));
  assert.equal(month.id, 'mo202602');
  assert.equal(windowAt('month', Date.UTC(2026, 11, 31, 12)).end, Date.UTC(2027, 0, 1), 'December rolls into the next year');
  assert.notEqual(windowAt('hour', now).id, windowAt('hour', now + 3_600_000).id);
  assert.equal(windowAt('day', now).end - windowAt('day', now).start, 86_400_000);
});
