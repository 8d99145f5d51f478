import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCatalogue, capabilities, type ModelEntry } from '../../src/core/catalogue.js';
import { defaultModels } from '../../src/catalogue/default-models.js';
import { providerDisplayNames } from '../../src/catalogue/provider-names.js';

const allProviders = new Set(Object.keys(providerDisplayNames));
const catalogue = buildCatalogue(defaultModels, allProviders);

function find(provider: string, id: string): ModelEntry {
  const entry = defaultModels.find((candidate) => candidate.provider === provider && candidate.id === id);
  assert.ok(entry, `${provider}/${id} is missing from the catalogue`);
  return entry;
}

test('every provider/id pair is listed once, under a known provider', () => {
  const seen = new Set<string>();
  for (const entry of defaultModels) {
    const key = `${entry.provider}/${entry.id}`;
    assert.ok(!seen.has(key), `${key} is listed twice`);
    seen.add(key);
    assert.ok(allProviders.has(entry.provider), `${key}: unknown provider`);
  }
});

test('every provider but vLLM ships at least one model', () => {
  const shipped = new Set(defaultModels.map((entry) => entry.provider));
  assert.deepEqual([...allProviders].filter((provider) => !shipped.has(provider)), ['vllm']);
});

test('no bare name (id or alias) is claimed by two entries', () => {
  const owners = new Map<string, string>();
  for (const entry of defaultModels) {
    for (const name of [entry.id, ...entry.aliases]) {
      const owner = owners.get(name);
      assert.equal(owner, undefined, `'${name}' is claimed by ${owner} and ${entry.provider}/${entry.id}`);
      owners.set(name, `${entry.provider}/${entry.id}`);
    }
  }
});

test('every id and alias resolves to its own entry, bare and provider-qualified, with all providers known', () => {
  for (const entry of defaultModels) {
    for (const name of [entry.id, ...entry.aliases]) {
      for (const written of [name, `${entry.provider}/${name}`]) {
        const resolved = catalogue.resolve(written);
        assert.equal(resolved?.entry, entry, `'${written}' does not resolve to ${entry.provider}/${entry.id}`);
      }
    }
  }
  assert.equal(catalogue.list().length, defaultModels.length);
});

test('well-known bare names go to their own provider', () => {
  const expected: Record<string, string> = {
    'gpt-4o': 'openai',
    'gpt-4o-mini': 'openai',
    'gpt-5': 'openai',
    'o3': 'openai',
    'claude-sonnet-4-5': 'anthropic',
    'claude-haiku-4-5-20251001': 'anthropic',
    'gemini-2.5-flash': 'gemini',
    'gemini-3-pro-preview': 'gemini',
    'deepseek-chat': 'deepseek',
    'deepseek-reasoner': 'deepseek',
    'qwen-max': 'qwen',
    'sonar-pro': 'perplexity',
    'llama-3.3-70b-versatile': 'groq',
    'gpt-oss-120b': 'groq',
    'accounts/fireworks/models/gpt-oss-120b': 'fireworks',
    'google/gemini-2.5-flash': 'openrouter',
    'mistral-large-latest': 'mistral',
    'sim-chat': 'sim',
  };
  for (const [name, provider] of Object.entries(expected)) {
    assert.equal(catalogue.resolve(name)?.entry.provider, provider, name);
  }
});

test('prices are non-negative safe integers (micro-USD per million tokens)', () => {
  for (const entry of defaultModels) {
    for (const [field, value] of Object.entries(entry.pricing)) {
      assert.ok(Number.isSafeInteger(value) && value >= 0, `${entry.provider}/${entry.id} pricing.${field} = ${value}`);
    }
  }
});

test('sizes, dates and capabilities are well formed', () => {
  const known = new Set<string>(capabilities);
  for (const entry of defaultModels) {
    const name = `${entry.provider}/${entry.id}`;
    assert.ok(entry.upstreamId.length > 0, `${name}: empty upstreamId`);
    assert.ok(entry.capabilities.length > 0, `${name}: no capabilities`);
    assert.equal(new Set(entry.capabilities).size, entry.capabilities.length, `${name}: repeated capability`);
    for (const capability of entry.capabilities) assert.ok(known.has(capability), `${name}: '${capability}'`);
    assert.ok(Number.isSafeInteger(entry.contextLength) && entry.contextLength > 0, `${name}: contextLength`);
    if (entry.maxOutputTokens !== undefined) {
      assert.ok(Number.isSafeInteger(entry.maxOutputTokens) && entry.maxOutputTokens > 0, `${name}: maxOutputTokens`);
    }
    // 0 means unknown; otherwise after 2020-01-01.
    assert.ok(entry.created === 0 || (Number.isSafeInteger(entry.created) && entry.created > 1_577_836_800), `${name}: created`);
  }
});

test('embedding models have a vector size and nothing else does', () => {
  for (const entry of defaultModels) {
    const name = `${entry.provider}/${entry.id}`;
    if (entry.capabilities.includes('embeddings')) {
      assert.ok(Number.isSafeInteger(entry.dimensions) && entry.dimensions! > 0, `${name}: dimensions`);
      assert.deepEqual(entry.capabilities, ['embeddings'], `${name}: an embedding model only embeds`);
      assert.equal(entry.pricing.output, 0, `${name}: embeddings have no output tokens`);
    } else {
      assert.equal(entry.dimensions, undefined, `${name}: dimensions on a non-embedding model`);
    }
  }
  assert.equal(find('openai', 'text-embedding-3-small').dimensions, 1_536);
  assert.equal(find('openai', 'text-embedding-3-large').dimensions, 3_072);
  assert.equal(find('openai', 'text-embedding-ada-002').dimensions, 1_536);
  assert.equal(find('gemini', 'gemini-embedding-001').dimensions, 3_072);
});

test('gpt-3.5-turbo-instruct is a legacy completions model, not a chat one', () => {
  assert.deepEqual(find('openai', 'gpt-3.5-turbo-instruct').capabilities, ['completions']);
});

test('Anthropic cache writes cost 1.25x input (2x for one hour) and cache hits at most 0.1x', () => {
  const claude = defaultModels.filter((entry) => entry.provider === 'anthropic');
  assert.ok(claude.length > 0);
  for (const { id, pricing } of claude) {
    assert.equal(pricing.cacheWrite! * 4, pricing.input * 5, `${id}: cacheWrite`);
    assert.equal(pricing.cacheWrite1h, pricing.input * 2, `${id}: cacheWrite1h`);
    assert.ok(pricing.cachedInput! * 10 <= pricing.input, `${id}: cachedInput`);
  }
  assert.deepEqual(find('anthropic', 'claude-sonnet-4-5').pricing, {
    input: 3_000_000,
    output: 15_000_000,
    cachedInput: 300_000,
    cacheWrite: 3_750_000,
    cacheWrite1h: 6_000_000,
  });
  assert.deepEqual(find('anthropic', 'claude-haiku-4-5').aliases, ['claude-haiku-4-5-20251001']);
});

test('DeepSeek prices its cache hits', () => {
  for (const id of ['deepseek-chat', 'deepseek-reasoner']) {
    const { pricing } = find('deepseek', id);
    assert.ok(pricing.cachedInput !== undefined && pricing.cachedInput < pricing.input, id);
  }
  assert.ok(find('deepseek', 'deepseek-reasoner').capabilities.includes('reasoning'));
});

test('the simulator models are priced like gpt-4o-mini and cover every dialect feature the simulator fakes', () => {
  const mini = find('openai', 'gpt-4o-mini').pricing;
  const simChat = find('sim', 'sim-chat');
  assert.deepEqual(simChat.pricing, mini);
  assert.deepEqual(
    [...simChat.capabilities].sort(),
    ['chat', 'completions', 'function_calling', 'json_mode', 'vision'],
  );
  const reasoner = find('sim', 'sim-reasoner');
  assert.deepEqual(reasoner.pricing, mini);
  assert.deepEqual([...reasoner.capabilities].sort(), [...simChat.capabilities, 'reasoning'].sort());
  const embed = find('sim', 'sim-embed');
  assert.equal(embed.dimensions, 1_536);
  assert.equal(embed.pricing.input, mini.input);
});

test('shipped entries cannot be changed in place', () => {
  const entry = find('openai', 'gpt-4o');
  assert.throws(() => (entry.aliases as string[]).push('gpt-4o-latest'), TypeError);
  assert.throws(() => {
    (entry.pricing as { input: number }).input = 0;
  }, TypeError);
  assert.throws(() => {
    (entry as { contextLength: number }).contextLength = 1;
  }, TypeError);
  assert.throws(() => (defaultModels as ModelEntry[]).push(entry), TypeError);
});
