import { test } from 'node:test';
import assert from 'node:assert/strict';
import { providerDisplayName, providerDisplayNames } from '../../src/catalogue/provider-names.js';

test('names every provider Switchyard ships', () => {
  assert.deepEqual(Object.keys(providerDisplayNames).sort(), [
    'anthropic', 'deepinfra', 'deepseek', 'fireworks', 'gemini', 'groq', 'mistral', 'ollama', 'openai', 'openrouter',
    'perplexity', 'qwen', 'sim', 'together', 'vllm', 'xai',
  ]);
  assert.equal(providerDisplayName('openai'), 'OpenAI');
  assert.equal(providerDisplayName('xai'), 'xAI');
});

test('falls back to the id, including for names that exist on Object.prototype', () => {
  assert.equal(providerDisplayName('my-proxy'), 'my-proxy');
  assert.equal(providerDisplayName('constructor'), 'constructor');
  assert.equal(providerDisplayName('toString'), 'toString');
});
