import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import { OPENAI_HEADERS, dataObjects, postJson, postSse } from './helpers.js';

describe('simulator: OpenAI completions, embeddings and models', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  it('serves legacy completions, cut at the default 16 tokens', async () => {
    const { json } = await postJson(`${sim.url}/v1/completions`, { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' }, OPENAI_HEADERS);
    assert.equal(json.object, 'text_completion');
    assert.equal(json.choices[0].text, 'Simulated answer to: Say hi');
    assert.equal(json.choices[0].finish_reason, 'stop');
    const long = await postJson(`${sim.url}/v1/completions`, { model: 'gpt-3.5-turbo-instruct', prompt: 'x'.repeat(100) }, OPENAI_HEADERS);
    assert.equal(long.json.choices[0].text.length, 64);
    assert.equal(long.json.choices[0].finish_reason, 'length');
    assert.equal(long.json.usage.completion_tokens, 16);
  });

  it('streams legacy completions in the same shape, with [DONE]', async () => {
    const { events } = await postSse(
      `${sim.url}/v1/completions`,
      { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', stream: true, stream_options: { include_usage: true } },
      OPENAI_HEADERS,
    );
    assert.equal(events.at(-1)?.data, '[DONE]');
    const chunks = dataObjects(events);
    assert.ok(chunks.every((chunk) => chunk.object === 'text_completion'));
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join(''), 'Simulated answer to: Say hi');
    assert.equal(chunks.at(-2)!.choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)!.choices, []);
    assert.equal(chunks.at(-1)!.usage.prompt_tokens, 2);
  });

  it('embeds strings deterministically as float and base64 float32 little-endian', async () => {
    const url = `${sim.url}/v1/embeddings`;
    const floats = await postJson(url, { model: 'text-embedding-3-small', input: ['alpha', 'beta'] }, OPENAI_HEADERS);
    assert.equal(floats.json.object, 'list');
    assert.equal(floats.json.data.length, 2);
    assert.equal(floats.json.data[1].index, 1);
    const vector: number[] = floats.json.data[0].embedding;
    assert.equal(vector.length, 1536);
    assert.ok(Math.abs(vector.reduce((sum, value) => sum + value * value, 0) - 1) < 1e-4, 'unit length');
    assert.equal(floats.json.usage.prompt_tokens, 2 + 1);
    const encoded = await postJson(url, { model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'base64' }, OPENAI_HEADERS);
    const bytes = Buffer.from(encoded.json.data[0].embedding as string, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    assert.deepEqual(decoded, vector);
    const small = await postJson(url, { model: 'text-embedding-3-large', input: 'alpha', dimensions: 8 }, OPENAI_HEADERS);
    assert.equal(small.json.data[0].embedding.length, 8);
    const missing = await postJson(url, { model: 'text-embedding-3-small' }, OPENAI_HEADERS);
    assert.equal(missing.status, 400);
  });

  it('works with the openai SDK embeddings (which asks for base64)', async () => {
    const client = new OpenAI({ apiKey: 'test-key', baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', dimensions: 4 });
    assert.equal(result.data[0]?.embedding.length, 4);
    assert.equal(sim.lastRequest()?.body && (sim.lastRequest()!.body as { encoding_format?: string }).encoding_format, 'base64');
  });

  it('lists and retrieves models', async () => {
    const list = (await (await fetch(`${sim.url}/v1/models`, { headers: OPENAI_HEADERS })).json()) as { object: string; data: { id: string; object: string }[] };
    assert.equal(list.object, 'list');
    assert.ok(list.data.some((model) => model.id === 'gpt-4o' && model.object === 'model'));
    const one = await fetch(`${sim.url}/v1/models/accounts%2Ffoo`, { headers: OPENAI_HEADERS });
    assert.deepEqual(((await one.json()) as { id: string }).id, 'accounts/foo');
    const missing = await fetch(`${sim.url}/v1/models/missing-thing`, { headers: OPENAI_HEADERS });
    assert.equal(missing.status, 404);
  });
});
