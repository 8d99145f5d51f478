import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModels } from '../../src/catalogue/default-models.js';
import { providerIds } from '../../src/providers/registry.js';

test('every shipped model belongs to a provider the registry can build', () => {
  const known = new Set(providerIds);
  const unknown = [...new Set(defaultModels.map((model) => model.provider))].filter((provider) => !known.has(provider));
  assert.deepEqual(unknown, []);
});
