// The response cache's key: what makes two requests the same, and what keeps them apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestTemperature, responseCacheKey } from '../../src/pipeline/cache-key.js';

const base = { scope: 'org:a', endpoint: 'openai.chat', model: 'openai/gpt-4o-mini' };
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], temperature: 0, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { b: {}, a: {} } } } }] };
const key = (overrides: Partial<typeof base> & { body?: unknown } = {}) => responseCacheKey({ ...base, body, ...overrides });

test('the same request however written: key order, JSON whitespace, the model alias, stream, user and metadata', () => {
  const reordered = JSON.parse(JSON.stringify({ temperature: 0, tools: body.tools, messages: body.messages, model: 'mini-alias' }));
  assert.equal(key({ body: reordered }), key());
  assert.equal(key({ body: { ...body, stream: true, stream_options: { include_usage: true }, user: 'u1', metadata: { a: 1 }, store: true, fallbacks: ['x'] } }), key());
  assert.equal(key({ body: { ...body, unset: undefined } }), key());
  assert.match(key(), /^org:a:[0-9a-f]{64}$/);
});

test('anything that changes the answer changes the key', () => {
  const different = [
    key({ body: { ...body, messages: [{ role: 'user', content: 'Hi!' }] } }),
    key({ body: { ...body, temperature: 0.5 } }),
    key({ body: { ...body, max_tokens: 10 } }),
    key({ body: { ...body, tools: [] } }),
    key({ body: { ...body, messages: [...body.messages, { role: 'assistant', content: 'Hello' }] } }),
    key({ scope: 'org:b' }),
    key({ scope: 'shared' }),
    key({ endpoint: 'anthropic.messages' }),
    key({ model: 'openai/gpt-4o' }),
  ];
  assert.equal(new Set([key(), ...different]).size, different.length + 1);
  // A nested `user` or `model` is content, not a routing hint.
  assert.notEqual(key({ body: { ...body, messages: [{ role: 'user', content: 'Hi', user: 'x' }] } }), key());
});

test('the temperature in every dialect', () => {
  assert.equal(requestTemperature({ temperature: 0.7 }), 0.7);
  assert.equal(requestTemperature({ generationConfig: { temperature: 1.2 } }), 1.2);
  assert.equal(requestTemperature({ generation_config: { temperature: 0 } }), 0);
  assert.equal(requestTemperature({ messages: [] }), undefined);
  assert.equal(requestTemperature('x'), undefined);
});
