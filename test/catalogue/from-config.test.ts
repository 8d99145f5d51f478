import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCatalogue } from '../../src/core/catalogue.js';
import { mergeModels } from '../../src/catalogue/from-config.js';
import { model } from '../../src/catalogue/model-entry.js';
import { modelConfigSchema, type ModelConfig } from '../../src/config/schema.js';

const shipped = [
  model({
    id: 'gpt-4o', provider: 'openai', capabilities: ['chat', 'vision'], contextLength: 128_000, maxOutputTokens: 16_384,
    prices: { input: 2.5, output: 10, cachedInput: 1.25 }, aliases: ['four-o'], released: '2024-05-13',
  }),
  model({
    id: 'claude-haiku-4-5', provider: 'anthropic', capabilities: ['chat'], contextLength: 200_000,
    prices: { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
  }),
];

/** Config as the loader hands it over: parsed by the real schema. */
function configured(...entries: unknown[]): ModelConfig[] {
  return entries.map((entry) => modelConfigSchema.parse(entry));
}

test('without config the shipped list comes back unchanged', () => {
  const merged = mergeModels(shipped, []);
  assert.deepEqual(merged, shipped);
  assert.notEqual(merged, shipped);
});

test('an override replaces only the fields it gives and keeps its place', () => {
  const merged = mergeModels(shipped, configured({ provider: 'openai', id: 'gpt-4o', contextLength: 64_000, upstreamId: 'gpt-4o-2024-11-20' }));
  assert.equal(merged.length, 2);
  assert.deepEqual(merged[0], { ...shipped[0], contextLength: 64_000, upstreamId: 'gpt-4o-2024-11-20' });
  assert.equal(merged[1], shipped[1]);
});

test('an override can replace aliases, capabilities, output size and dimensions', () => {
  const [entry] = mergeModels(
    shipped,
    configured({
      provider: 'openai', id: 'gpt-4o', aliases: ['house-model'], capabilities: ['chat', 'function_calling'],
      maxOutputTokens: 4_096, dimensions: 256,
    }),
  );
  assert.deepEqual(entry!.aliases, ['house-model']);
  assert.deepEqual(entry!.capabilities, ['chat', 'function_calling']);
  assert.equal(entry!.maxOutputTokens, 4_096);
  assert.equal(entry!.dimensions, 256);
  assert.deepEqual(entry!.pricing, shipped[0]!.pricing);
  assert.equal(entry!.created, shipped[0]!.created);
});

test('configured prices replace the whole price list, converted exactly from USD per million', () => {
  const [, claude] = mergeModels(shipped, configured({ provider: 'anthropic', id: 'claude-haiku-4-5', pricing: { input: 0.075, output: 0.3 } }));
  assert.deepEqual(claude!.pricing, { input: 75_000, output: 300_000 });
  const [negotiated] = mergeModels(
    shipped,
    configured({ provider: 'openai', id: 'gpt-4o', pricing: { input: 2, output: 8, cachedInput: 0.5, reasoning: 12 } }),
  );
  assert.deepEqual(negotiated!.pricing, { input: 2_000_000, output: 8_000_000, cachedInput: 500_000, reasoning: 12_000_000 });
});

test('a new model gets defaults for everything it leaves out and goes after the shipped list', () => {
  const merged = mergeModels(shipped, configured({ provider: 'vllm', id: 'meta-llama/Llama-3.1-8B-Instruct' }));
  assert.equal(merged.length, 3);
  assert.deepEqual(merged[2], {
    id: 'meta-llama/Llama-3.1-8B-Instruct',
    provider: 'vllm',
    upstreamId: 'meta-llama/Llama-3.1-8B-Instruct',
    aliases: [],
    capabilities: ['chat'],
    contextLength: 0,
    pricing: { input: 0, output: 0 },
    created: 0,
  });
});

test('a new model keeps every field it gives', () => {
  const [, , entry] = mergeModels(
    shipped,
    configured({
      provider: 'ollama', id: 'qwen3-embed', upstreamId: 'qwen3-embedding:0.6b', aliases: ['local-embed'],
      capabilities: ['embeddings'], contextLength: 32_768, dimensions: 1_024, pricing: { input: 0.01, output: 0 },
    }),
  );
  assert.deepEqual(entry, {
    id: 'qwen3-embed',
    provider: 'ollama',
    upstreamId: 'qwen3-embedding:0.6b',
    aliases: ['local-embed'],
    capabilities: ['embeddings'],
    contextLength: 32_768,
    dimensions: 1_024,
    pricing: { input: 10_000, output: 0 },
    created: 0,
  });
});

test('the same model configured twice applies both entries in order', () => {
  const merged = mergeModels(
    [],
    configured({ provider: 'vllm', id: 'local', contextLength: 8_192 }, { provider: 'vllm', id: 'local', aliases: ['l'] }),
  );
  assert.equal(merged.length, 1);
  assert.equal(merged[0]!.contextLength, 8_192);
  assert.deepEqual(merged[0]!.aliases, ['l']);
});

test('the shipped entries are left untouched and never shared with an override', () => {
  const before = structuredClone(shipped);
  const [entry] = mergeModels(shipped, configured({ provider: 'openai', id: 'gpt-4o', contextLength: 1 }));
  entry!.aliases.push('mutated');
  entry!.pricing.input = 1;
  assert.deepEqual(shipped, before);
});

test('configured names resolve through the catalogue, and a configured model wins a bare name it shares', () => {
  const merged = mergeModels(
    shipped,
    configured(
      { provider: 'openai', id: 'gpt-4o', aliases: ['house-model'] },
      { provider: 'openrouter', id: 'claude-haiku-4-5', upstreamId: 'anthropic/claude-haiku-4.5' },
    ),
  );
  const catalogue = buildCatalogue(merged, new Set(['openai', 'anthropic', 'openrouter']));
  assert.equal(catalogue.resolve('house-model')?.entry.id, 'gpt-4o');
  assert.equal(catalogue.resolve('four-o'), undefined, 'the replaced alias is gone');
  assert.equal(catalogue.resolve('claude-haiku-4-5')?.entry.provider, 'openrouter');
  assert.equal(catalogue.resolve('anthropic/claude-haiku-4-5')?.entry.provider, 'anthropic');
});
