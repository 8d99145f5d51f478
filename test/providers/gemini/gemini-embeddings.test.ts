import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/core/errors.js';
import { callContext } from '../adapter-calls.js';
import { fixture, json, startGemini, type GeminiHarness } from './gemini-test-server.js';

let gemini: GeminiHarness;
before(async () => {
  gemini = await startGemini();
});
after(() => gemini.close());

test('embeds through batchEmbedContents, one request per input, in order, with the reported token count', async () => {
  gemini.reply(json(200, fixture('google-embedding-2-multimodal-batch.json')));
  const result = await gemini.adapter.embed!(
    { model: 'gemini-embedding-2', input: ['sunny day', 'rainy night'], dimensions: 2 },
    callContext(),
  );
  const captured = gemini.requests.at(-1)!;
  assert.equal(captured.path, '/v1beta/models/gemini-embedding-2:batchEmbedContents');
  assert.equal(captured.headers['x-goog-api-key'], 'test-key');
  assert.deepEqual(captured.body, {
    requests: [
      { model: 'models/gemini-embedding-2', content: { parts: [{ text: 'sunny day' }] }, outputDimensionality: 2 },
      { model: 'models/gemini-embedding-2', content: { parts: [{ text: 'rainy night' }] }, outputDimensionality: 2 },
    ],
  });
  assert.deepEqual(result, {
    model: 'gemini-embedding-2',
    embeddings: [
      [0.5138951, 0.857853],
      [-0.5045317, -0.8633931],
    ],
    usage: { input: 12 },
  });
});

test('without usage in the answer, input tokens are estimated as ceil(characters / 4) per input', async () => {
  gemini.reply(json(200, fixture('gemini-batch-embed-no-usage.json')));
  const result = await gemini.adapter.embed!({ model: 'models/gemini-embedding-001', input: ['hello world', 'abc'] }, callContext());
  assert.deepEqual((gemini.requests.at(-1)!.body as { requests: unknown[] }).requests, [
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'hello world' }] } },
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'abc' }] } },
  ]);
  assert.equal(result.embeddings.length, 2);
  assert.equal(result.usage.input, 3 + 1);
});

test('token-array input is refused before any call; a count mismatch is a bad upstream response', async () => {
  const count = gemini.requests.length;
  await assert.rejects(gemini.adapter.embed!({ model: 'gemini-embedding-001', input: [[1, 2, 3]] }, callContext()), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'input');
    return true;
  });
  assert.equal(gemini.requests.length, count);
  gemini.reply(json(200, fixture('gemini-batch-embed-no-usage.json')));
  await assert.rejects(gemini.adapter.embed!({ model: 'gemini-embedding-001', input: ['only one'] }, callContext()), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'upstream_bad_response');
    return true;
  });
});
