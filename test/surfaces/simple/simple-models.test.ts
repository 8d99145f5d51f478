// Provider names on the simple surface: Gemini is `google`, and `google/<model>` reaches it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCatalogue, type ModelEntry } from '../../../src/core/catalogue.js';
import { catalogueModelName, simpleProviderName } from '../../../src/surfaces/simple/simple-models.js';

describe('provider names', () => {
  test('gemini is google on this surface; the others keep their id', () => {
    assert.equal(simpleProviderName('gemini'), 'google');
    assert.equal(simpleProviderName('openai'), 'openai');
    assert.equal(simpleProviderName('sim'), 'sim');
  });

  const entry = (provider: string, id: string): ModelEntry => ({
    id,
    provider,
    upstreamId: id,
    aliases: [],
    capabilities: ['chat'],
    contextLength: 1000,
    pricing: { input: 0, output: 0 },
    created: 0,
  });
  const entries = [entry('gemini', 'gemini-2.5-flash'), entry('openrouter', 'google/gemini-2.5-flash')];

  test('google/ model names reach the gemini provider; other names are unchanged', () => {
    const catalogue = buildCatalogue(entries, new Set(['gemini']));
    assert.equal(catalogueModelName(catalogue, 'google/gemini-2.5-flash'), 'gemini/gemini-2.5-flash');
    assert.equal(catalogueModelName(catalogue, 'gemini/gemini-2.5-flash'), 'gemini/gemini-2.5-flash');
    assert.equal(catalogueModelName(catalogue, 'gemini-2.5-flash'), 'gemini-2.5-flash');
    assert.equal(catalogueModelName(catalogue, 'googlex/model'), 'googlex/model');
    assert.equal(catalogueModelName(catalogue, 'openrouter/google/gemini-2.5-flash'), 'openrouter/google/gemini-2.5-flash');
  });

  test('a model that is itself named google/… keeps its name', () => {
    const catalogue = buildCatalogue(entries, new Set(['gemini', 'openrouter']));
    assert.equal(catalogueModelName(catalogue, 'google/gemini-2.5-flash'), 'google/gemini-2.5-flash');
    assert.equal(catalogue.resolve(catalogueModelName(catalogue, 'google/gemini-2.5-flash'))?.entry.provider, 'openrouter');
  });
});
