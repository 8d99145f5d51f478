import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { presets } from '../../../src/providers/compatible/presets.js';
import { decodeFloat32Base64 } from '../../../src/providers/openai/openai-embeddings.js';
import { jsonHeaders } from '../../helpers/replay-server.js';
import { callContext } from '../adapter-calls.js';
import { fixture, startTestUpstream, type TestUpstream } from './openai-test-server.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startTestUpstream();
});
after(() => upstream.close());

// Both fixtures were recorded from the live API for the same input (openai-node tests/lib/embeddings.test.ts).
const floats = (JSON.parse(fixture('openai-embedding-float.json')) as { data: Array<{ embedding: number[] }> }).data[0]!.embedding;

test('embed asks for base64 and decodes little-endian float32 to the recorded float values', async () => {
  upstream.reply({ headers: jsonHeaders, body: fixture('openai-embedding-base64.json') });
  const adapter = upstream.adapter();
  const result = await adapter.embed!({ model: 'text-embedding-3-large', input: ['h'], dimensions: 256, user: 'u1' }, callContext());
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.path, '/v1/embeddings');
  assert.deepEqual(sent.body, {
    model: 'text-embedding-3-large',
    input: ['h'],
    encoding_format: 'base64',
    dimensions: 256,
    user: 'u1',
  });
  assert.equal(result.model, 'text-embedding-3-large');
  assert.deepEqual(result.usage, { input: 1 });
  assert.equal(result.embeddings.length, 1);
  const vector = result.embeddings[0]!;
  assert.equal(vector.length, 256);
  // The float fixture prints the same float32 values in decimal: equal once rounded to float32.
  assert.deepEqual(vector, floats.map((value) => Math.fround(value)));
  assert.equal(vector[0], -0.09928705543279648);
});

test('float arrays are accepted too, and vectors are ordered by index', async () => {
  const body = {
    object: 'list',
    data: [
      { object: 'embedding', index: 1, embedding: [0.5, -1] },
      { object: 'embedding', index: 0, embedding: Buffer.from(new Float32Array([1.25, -2.5]).buffer).toString('base64') },
    ],
    model: 'mistral-embed',
    usage: { prompt_tokens: 6, total_tokens: 6 },
  };
  upstream.reply({ headers: jsonHeaders, body: JSON.stringify(body) });
  const result = await upstream.adapter().embed!({ model: 'mistral-embed', input: ['a', 'b'] }, callContext());
  assert.deepEqual(result.embeddings, [
    [1.25, -2.5],
    [0.5, -1],
  ]);
  assert.deepEqual(result.usage, { input: 6 });
});

test('presets: floats where base64 is not known to work, Mistral output_dimension, none without /embeddings', async () => {
  upstream.reply({ headers: jsonHeaders, body: fixture('openai-embedding-float.json') });
  await upstream.adapter({ preset: presets.ollama }).embed!({ model: 'nomic-embed-text', input: ['h'] }, callContext());
  assert.deepEqual(upstream.requests.at(-1)!.body, { model: 'nomic-embed-text', input: ['h'] });
  await upstream.adapter({ preset: presets.mistral }).embed!({ model: 'codestral-embed', input: ['h'], dimensions: 256 }, callContext());
  assert.deepEqual(upstream.requests.at(-1)!.body, {
    model: 'codestral-embed',
    input: ['h'],
    encoding_format: 'base64',
    output_dimension: 256,
  });
  assert.equal(upstream.adapter({ preset: presets.groq }).embed, undefined);
});

test('decodeFloat32Base64 reads little-endian bytes whatever the platform', () => {
  const bytes = Buffer.alloc(8);
  bytes.writeFloatLE(3.5, 0);
  bytes.writeFloatLE(-0.125, 4);
  assert.deepEqual(decodeFloat32Base64(bytes.toString('base64')), [3.5, -0.125]);
  assert.deepEqual(decodeFloat32Base64(''), []);
});
