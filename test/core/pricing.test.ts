import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costMicroUsd, microUsdToCents, usdPerMillionToMicro } from '../../src/core/pricing.js';

test('costs every token class at its own price, in integer micro-USD', () => {
  const pricing = { input: usdPerMillionToMicro(3), output: usdPerMillionToMicro(15), cachedInput: usdPerMillionToMicro(0.3), cacheWrite: usdPerMillionToMicro(3.75) };
  const usage = { input: { total: 1_000_000, cacheRead: 200_000, cacheWrite: 100_000 }, output: { total: 10_000, reasoning: 4_000 } };
  // 700k * 3 + 200k * 0.3 + 100k * 3.75 = 2.1 + 0.06 + 0.375 USD; 10k * 15 = 0.15 USD
  assert.equal(costMicroUsd(usage, pricing), 2_685_000);
});

test('bills one-hour cache writes at their own price, never more of them than all cache writes', () => {
  const pricing = { input: 1_000_000, output: 0, cacheWrite: 1_250_000, cacheWrite1h: 2_000_000 };
  const usage = { input: { total: 1_000, cacheRead: 0, cacheWrite: 1_000, cacheWrite1h: 400 }, output: { total: 0, reasoning: 0 } };
  assert.equal(costMicroUsd(usage, pricing), 600 * 1.25 + 400 * 2);
  assert.equal(costMicroUsd({ ...usage, input: { ...usage.input, cacheWrite1h: 5_000 } }, pricing), 2_000);
  assert.equal(costMicroUsd(usage, { input: 1_000_000, output: 0, cacheWrite: 1_250_000 }), 1_250);
});

test('bills reasoning at its own price only when priced apart', () => {
  const usage = { input: { total: 0, cacheRead: 0, cacheWrite: 0 }, output: { total: 1_000, reasoning: 600 } };
  assert.equal(costMicroUsd(usage, { input: 0, output: 10_000_000 }), 10_000);
  assert.equal(costMicroUsd(usage, { input: 0, output: 10_000_000, reasoning: 20_000_000 }), 4_000 + 12_000);
});

test('rounds half-up once per call', () => {
  const usage = { input: { total: 3, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } };
  assert.equal(costMicroUsd(usage, { input: 2_500_000, output: 0 }), 8); // 7.5 -> 8
  assert.equal(costMicroUsd(usage, { input: 150_000, output: 0 }), 0); // 0.45 -> 0
});

test('renders cents exactly', () => {
  assert.equal(microUsdToCents(250_000), '25');
  assert.equal(microUsdToCents(123), '0.0123');
  assert.equal(microUsdToCents(12_345_600), '1234.56');
  assert.equal(microUsdToCents(0), '0');
});
