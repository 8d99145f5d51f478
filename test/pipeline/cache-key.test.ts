// The response cache's key: what makes two requests the same, and what keeps them apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestTemperature, responseCacheKey, type CacheKeyInput } from '../../src/pipeline/cache-key.js';

const base = { scope: 'org:org_1', endpoint: 'openai.chat', model: 'openai/gpt-4o-mini' };
const bodyText = `{
  "model": "mini",
  "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
  "temperature": 0,
  "max_tokens": 100,
  "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "number"}}}}}],
  "response_format": {"type": "json_object"}
}`;
const body = JSON.parse(bodyText) as Record<string, unknown>;
const key = (overrides: Partial<CacheKeyInput> = {}) => responseCacheKey({ ...base, body, ...overrides });
const withBody = (changes: Record<string, unknown>) => key({ body: { ...body, ...changes } });

/** The same object with its keys in reverse order, at every depth. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([name, item]) => [name, reversed(item)]));
}

test('the key is the scope in clear, then a SHA-256', () => {
  assert.match(key(), /^org:org_1:[0-9a-f]{64}$/);
  assert.match(key({ scope: 'shared' }), /^shared:[0-9a-f]{64}$/);
  assert.equal(key(), key(), 'deterministic');
});

test('the same request however it is written: key order at any depth, JSON whitespace, 1 and 1.0', () => {
  assert.equal(key({ body: reversed(body) }), key());
  assert.deepEqual(Object.keys(reversed(body) as object), Object.keys(body).reverse(), 'the reordering is real');
  assert.equal(key({ body: JSON.parse(JSON.stringify(body)) }), key(), 'compact JSON text');
  assert.equal(key({ body: JSON.parse(bodyText.replace('"temperature": 0', '"temperature": 0.0')) }), key());
  assert.equal(withBody({ seed: undefined }), key(), 'an undefined field is no field');
});

test('each top-level field that does not change the answer leaves the key alone', () => {
  const neutral: Record<string, unknown> = {
    model: 'gpt-4o-mini-2024-07-18',
    stream: true,
    stream_options: { include_usage: true },
    user: 'end-user-7',
    metadata: { ticket: '42' },
    store: true,
    service_tier: 'flex',
    safety_identifier: 'hash-of-user',
    prompt_cache_key: 'conversation-9',
  };
  for (const [name, value] of Object.entries(neutral)) assert.equal(withBody({ [name]: value }), key(), name);
  const { model: _model, ...withoutModel } = body;
  assert.equal(key({ body: withoutModel }), key(), 'no model field at all');
});

test('anything that may change the answer changes the key', () => {
  const variants: Record<string, string> = {
    'message text': withBody({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi!' }] }),
    'message role': withBody({ messages: [{ role: 'user', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }),
    'message order': withBody({ messages: [{ role: 'user', content: 'Hi' }, { role: 'system', content: 'Be brief.' }] }),
    'one more message': withBody({ messages: [...(body.messages as unknown[]), { role: 'assistant', content: 'Hello' }] }),
    'system (Anthropic)': withBody({ system: 'Be brief.' }),
    'tool parameters': withBody({ tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { b: { type: 'string' } } } } }] }),
    'no tools': withBody({ tools: [] }),
    tool_choice: withBody({ tool_choice: 'required' }),
    response_format: withBody({ response_format: { type: 'text' } }),
    temperature: withBody({ temperature: 0.5 }),
    top_p: withBody({ top_p: 0.9 }),
    max_tokens: withBody({ max_tokens: 101 }),
    seed: withBody({ seed: 7 }),
    stop: withBody({ stop: ['\n'] }),
    n: withBody({ n: 2 }),
    'an unknown field': withBody({ reasoning_effort: 'high' }),
    'a number as a string': withBody({ max_tokens: '100' }),
    'null instead of absent': withBody({ seed: null }),
    scope: key({ scope: 'org:org_2' }),
    'shared scope': key({ scope: 'shared' }),
    endpoint: key({ endpoint: 'anthropic.messages' }),
    model: key({ model: 'openai/gpt-4o' }),
    'same model id, other provider': key({ model: 'azure/gpt-4o-mini' }),
  };
  const seen = new Map<string, string>([[key(), 'the original']]);
  for (const [change, variant] of Object.entries(variants)) {
    assert.equal(seen.get(variant), undefined, `${change} gives the key of ${seen.get(variant)}`);
    seen.set(variant, change);
  }
});

test('only top-level fields are left out: a nested `model`, `user` or `metadata` is content', () => {
  assert.notEqual(withBody({ messages: [{ role: 'user', content: 'Hi', user: 'x' }] }), withBody({ messages: [{ role: 'user', content: 'Hi' }] }));
  assert.notEqual(withBody({ tools: [{ metadata: { a: 1 } }] }), withBody({ tools: [{}] }));
  assert.notEqual(withBody({ generationConfig: { model: 'x' } }), withBody({ generationConfig: {} }));
});

test('the parts cannot run into each other', () => {
  assert.notEqual(key({ endpoint: 'openai.chat', model: 'a/b' }), key({ endpoint: 'openai.chat"', model: 'a/b' }));
  assert.notEqual(key({ endpoint: 'x', model: 'y\nz' }), key({ endpoint: 'x\ny', model: 'z' }));
  assert.notEqual(key({ body: { messages: ['a', 'b'] } }), key({ body: { messages: ['a,b'] } }));
  assert.notEqual(key({ body: { a: { b: 1 } } }), key({ body: { 'a.b': 1 } }));
});

test('the temperature in every dialect', () => {
  assert.equal(requestTemperature({ temperature: 0.7 }), 0.7);
  assert.equal(requestTemperature({ temperature: 0 }), 0);
  assert.equal(requestTemperature({ generationConfig: { temperature: 1.2 } }), 1.2);
  assert.equal(requestTemperature({ generation_config: { temperature: 0 } }), 0);
  assert.equal(requestTemperature({ messages: [] }), undefined);
  assert.equal(requestTemperature({ temperature: '0.7' }), undefined);
  assert.equal(requestTemperature({ generationConfig: null }), undefined);
  assert.equal(requestTemperature('x'), undefined);
  assert.equal(requestTemperature(null), undefined);
});

test('the gateway’s routing fields (models, fallbacks) do not split entries: the model that answered is in the key', () => {
  assert.equal(withBody({ models: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'], fallbacks: ['groq/llama'] }), key());
  assert.notEqual(key({ model: 'anthropic/claude-haiku-4-5' }), key());
});
