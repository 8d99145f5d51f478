// Embeddings, legacy completions, models and health through the openai SDK and plain HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  gateway = await startTestGateway();
  client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
});
after(async () => {
  await gateway.close();
});

describe('embeddings', () => {
  for (const model of ['openai/text-embedding-3-small', 'gemini/gemini-embedding-001']) {
    test(`${model}: base64 (the SDK default) and float give the same vectors`, async () => {
      const input = ['The quick brown fox', 'jumps over the lazy dog'];
      const viaBase64 = await client.embeddings.create({ model, input });
      const viaFloat = await client.embeddings.create({ model, input, encoding_format: 'float' });
      assert.equal(viaBase64.data.length, 2);
      assert.equal(viaFloat.data.length, 2);
      for (let index = 0; index < 2; index++) {
        const a = viaBase64.data[index]!.embedding;
        const b = viaFloat.data[index]!.embedding;
        assert.ok(Array.isArray(a) && a.length > 0, 'SDK decoded the base64 vector');
        assert.equal(a.length, b.length);
        for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - b[k]!) < 1e-6, `component ${k} differs`);
      }
      assert.ok(viaFloat.usage.prompt_tokens > 0);
    });

    test(`${model}: a single string and dimensions`, async () => {
      const result = await client.embeddings.create({ model, input: 'hello', dimensions: 256, encoding_format: 'float' });
      assert.equal(result.data.length, 1);
      assert.equal(result.data[0]!.embedding.length, 256);
    });
  }

  test('a chat-only model refuses embeddings with a 400 naming the model', async () => {
    await assert.rejects(
      client.embeddings.create({ model: 'anthropic/claude-haiku-4-5', input: 'hello' }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /does not support embeddings|offers no embeddings/.test(error.message),
    );
  });
});

describe('legacy completions', () => {
  test('native on OpenAI (pass-through)', async () => {
    const completion = await client.completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'Once upon a time', max_tokens: 50 });
    assert.equal(completion.object, 'text_completion');
    assert.match(completion.choices[0]!.text, /Once upon a time/);
  });

  for (const model of ['anthropic/claude-haiku-4-5', 'gemini/gemini-2.5-flash']) {
    test(`translated to chat for ${model}, JSON and streamed`, async () => {
      const completion = await client.completions.create({ model, prompt: 'Write a line about rivers', max_tokens: 100 });
      assert.equal(completion.object, 'text_completion');
      assert.match(completion.choices[0]!.text, /Write a line about rivers/);
      assert.ok(completion.usage && completion.usage.total_tokens > 0);

      const stream = await client.completions.create({ model, prompt: 'Stream a line about lakes', max_tokens: 100, stream: true });
      let text = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        assert.equal(chunk.object, 'text_completion');
        text += chunk.choices[0]?.text ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.match(text, /Stream a line about lakes/);
      assert.equal(finish, 'stop');
    });
  }
});

describe('models and health', () => {
  test('GET /v1/models lists models with provider, capabilities, context length and prices', async () => {
    const page = await client.models.list();
    const models = page.data as unknown as Array<Record<string, unknown>>;
    const gpt = models.find((model) => model.id === 'gpt-4o-mini');
    assert.ok(gpt, 'gpt-4o-mini is listed by its bare name');
    assert.equal(gpt.owned_by, 'openai');
    assert.equal(gpt.provider, 'openai');
    assert.ok(Array.isArray(gpt.capabilities) && (gpt.capabilities as string[]).includes('chat'));
    assert.ok((gpt.context_length as number) > 0);
    assert.equal(typeof (gpt.pricing as Record<string, string>).input, 'string');
    assert.ok(models.some((model) => model.provider === 'anthropic'));
    assert.ok(models.some((model) => model.provider === 'gemini'));
    // Providers without credentials are not listed.
    assert.ok(!models.some((model) => model.provider === 'mistral'));
  });

  test('GET /v1/models/{id} for a bare and a qualified (percent-encoded) id', async () => {
    const bare = await client.models.retrieve('gpt-4o-mini');
    assert.equal(bare.id, 'gpt-4o-mini');
    const qualified = await client.models.retrieve('anthropic/claude-haiku-4-5');
    assert.equal(qualified.owned_by, 'anthropic');
    await assert.rejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
  });

  test('GET /health answers as seed 001 describes', async () => {
    const response = await fetch(`${gateway.url}/health`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, string>;
    assert.equal(body.status, 'healthy');
    assert.equal(body.service, 'switchyard');
    assert.match(body.version!, /^\d+\.\d+\.\d+/);
    assert.equal(body.environment, 'test');
    assert.ok(!Number.isNaN(Date.parse(body.timestamp!)));
  });
});
