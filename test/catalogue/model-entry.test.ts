import { test } from 'node:test';
import assert from 'node:assert/strict';
import { model, pricingFromUsd, releaseDateToUnixSeconds } from '../../src/catalogue/model-entry.js';

test('converts published USD-per-million prices to exact integer micro-USD', () => {
  assert.deepEqual(pricingFromUsd({ input: 0.075, output: 0.3 }), { input: 75_000, output: 300_000 });
  assert.deepEqual(pricingFromUsd({ input: 0.0375, output: 0.006, cachedInput: 0.005, cacheWrite: 0.125, reasoning: 2.19 }), {
    input: 37_500,
    output: 6_000,
    cachedInput: 5_000,
    cacheWrite: 125_000,
    reasoning: 2_190_000,
  });
  // Values that are inexact in binary floating point still land on the right integer.
  assert.equal(pricingFromUsd({ input: 0.1 * 1.25, output: 0.7 }).input, 125_000);
  assert.equal(pricingFromUsd({ input: 1.1, output: 4.4 }).output, 4_400_000);
});

test('leaves unpriced token classes out rather than setting them to undefined', () => {
  const pricing = pricingFromUsd({ input: 1, output: 2 });
  assert.deepEqual(Object.keys(pricing), ['input', 'output']);
});

test('rejects a negative price', () => {
  assert.throws(() => pricingFromUsd({ input: -1, output: 0 }), RangeError);
});

test('builds an entry: upstreamId defaults to the id, created comes from the release date', () => {
  const entry = model({
    id: 'gpt-4o-mini',
    provider: 'openai',
    capabilities: ['chat', 'vision'],
    contextLength: 128_000,
    maxOutputTokens: 16_384,
    prices: { input: 0.15, output: 0.6, cachedInput: 0.075 },
    released: '2024-07-18',
  });
  assert.deepEqual(entry, {
    id: 'gpt-4o-mini',
    provider: 'openai',
    upstreamId: 'gpt-4o-mini',
    aliases: [],
    capabilities: ['chat', 'vision'],
    contextLength: 128_000,
    maxOutputTokens: 16_384,
    pricing: { input: 150_000, output: 600_000, cachedInput: 75_000 },
    created: 1_721_260_800,
  });
  assert.ok(!('dimensions' in entry));
});

test('keeps an explicit upstream id, aliases and vector size', () => {
  const entry = model({
    id: 'gpt-oss-20b',
    upstreamId: 'openai/gpt-oss-20b',
    provider: 'groq',
    capabilities: ['embeddings'],
    contextLength: 8_192,
    dimensions: 768,
    aliases: ['oss-small'],
    prices: { input: 0, output: 0 },
  });
  assert.equal(entry.upstreamId, 'openai/gpt-oss-20b');
  assert.deepEqual(entry.aliases, ['oss-small']);
  assert.equal(entry.dimensions, 768);
  assert.equal(entry.created, 0);
});

test('release dates must be real YYYY-MM-DD calendar dates', () => {
  assert.equal(releaseDateToUnixSeconds('1970-01-02'), 86_400);
  for (const bad of ['2026-02-30', '2026-2-3', '2026-13-01', 'yesterday']) {
    assert.throws(() => releaseDateToUnixSeconds(bad), RangeError, bad);
  }
});
