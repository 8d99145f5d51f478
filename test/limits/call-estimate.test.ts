import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCall } from '../../src/limits/call-estimate.js';

const pricing = { input: 150_000, output: 600_000 }; // $0.15 / $0.60 per million tokens, in micro-USD per million
const entry = { pricing, maxOutputTokens: 16_384 };

test('tokens: the prompt counted plus max_tokens, in every dialect', () => {
  const openai = estimateCall({ model: 'm', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 100 }, entry);
  assert.ok(openai.tokens() > 100 && openai.tokens() < 120, String(openai.tokens()));
  const anthropic = estimateCall({ model: 'm', system: 'be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }], max_tokens: 50 }, entry);
  assert.ok(anthropic.tokens() > 50 && anthropic.tokens() < 70, String(anthropic.tokens()));
  const gemini = estimateCall({ contents: [{ role: 'user', parts: [{ text: 'hello there' }] }], generationConfig: { maxOutputTokens: 20 } }, entry);
  assert.ok(gemini.tokens() > 20 && gemini.tokens() < 40, String(gemini.tokens()));
  const newer = estimateCall({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 7, max_tokens: 99 }, entry);
  assert.ok(newer.tokens() < 20, 'max_completion_tokens wins over the older max_tokens');
});

test('without a maximum: the model’s maximum output, else 4,096', () => {
  const body = { messages: [{ role: 'user', content: 'hi' }] };
  assert.ok(estimateCall(body, entry).tokens() >= 16_384);
  const unknown = estimateCall(body, { pricing });
  assert.ok(unknown.tokens() >= 4_096 && unknown.tokens() < 4_120);
});

test('cost: the worst case at the highest prices, rounded up to a whole micro-USD', () => {
  const estimate = estimateCall({ messages: [], max_tokens: 1_000 }, entry);
  const prompt = estimate.tokens() - 1_000;
  assert.equal(estimate.costMicroUsd(), Math.ceil((prompt * 150_000 + 1_000 * 600_000) / 1_000_000));
  const reasoning = estimateCall({ messages: [], max_tokens: 1 }, { pricing: { input: 1, output: 2, reasoning: 3_000_000, cacheWrite: 4_000_000 } });
  assert.equal(reasoning.costMicroUsd(), Math.ceil(((reasoning.tokens() - 1) * 4_000_000 + 3_000_000) / 1_000_000));
});
