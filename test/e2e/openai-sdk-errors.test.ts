// Errors before and during a stream, as the openai SDK sees them, and what the request log keeps.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  gateway = await startTestGateway();
  client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
});
afterEach(() => gateway.simulator.reset());
after(async () => {
  await gateway.close();
});

const families = [
  { family: 'openai' as const, model: 'openai/gpt-4o-mini' },
  { family: 'anthropic' as const, model: 'anthropic/claude-haiku-4-5' },
  { family: 'gemini' as const, model: 'gemini/gemini-2.5-flash' },
];
const hello = [{ role: 'user' as const, content: 'Hello there' }];

async function lastLogRow(requestId: string) {
  await gateway.store.requestLog.flush();
  return gateway.store.requestLog.get(requestId);
}

describe('errors before the stream', () => {
  test('an unknown model is a 404 that says how to list models', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: hello }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.match(error.message, /GET \/v1\/models/);
      assert.equal(error.code, 'model_not_found');
      assert.equal(error.param, 'model');
      return true;
    });
  });

  test('a model of an unconfigured provider says which credential is missing', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'mistral-large-latest', messages: hello }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.match(error.message, /MISTRAL_API_KEY/);
      return true;
    });
  });

  for (const { family, model } of families) {
    test(`${family}: a 429 keeps its status and retry-after`, async () => {
      gateway.simulator.inject({ kind: 'status', status: 429, retryAfter: 7, family });
      await assert.rejects(client.chat.completions.create({ model, messages: hello }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.headers?.get('retry-after'), '7');
        assert.equal(error.type, 'rate_limit_error');
        assert.ok(error.requestID, 'the error carries the request id');
        return true;
      });
    });

    test(`${family}: a 500 from the provider is a 502 provider_error, metered`, async () => {
      gateway.simulator.inject({ kind: 'status', status: 500, family });
      let requestId: string | null | undefined;
      await assert.rejects(client.chat.completions.create({ model, messages: hello }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 502);
        assert.equal(error.type, 'provider_error');
        requestId = error.requestID;
        return true;
      });
      const row = await lastLogRow(requestId!);
      assert.equal(row?.status, 502);
      assert.equal(row?.provider, family);
    });

    test(`${family}: the provider overloaded is a 503`, async () => {
      gateway.simulator.inject({ kind: 'status', status: family === 'anthropic' ? 529 : 503, family });
      await assert.rejects(client.chat.completions.create({ model, messages: hello }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 503);
        return true;
      });
    });

    test(`${family}: a connection reset is a 502`, async () => {
      gateway.simulator.inject({ kind: 'reset', family });
      await assert.rejects(client.chat.completions.create({ model, messages: hello }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 502);
        return true;
      });
    });
  }

  test('our own bad provider credential is a 502, never a 401', async () => {
    const bad = await startTestGateway({
      config: {
        providers: {
          openai: { apiKey: 'bad-key', baseURL: `${gateway.simulator.url}/v1` },
          anthropic: { apiKey: 'bad-key', baseURL: gateway.simulator.url },
          gemini: { apiKey: 'bad-key', baseURL: gateway.simulator.url },
        },
      },
    });
    try {
      const badClient = new OpenAI({ apiKey: bad.adminKey, baseURL: bad.v1, maxRetries: 0 });
      for (const { model } of families) {
        await assert.rejects(badClient.chat.completions.create({ model, messages: hello }), (error: unknown) => {
          assert.ok(error instanceof OpenAI.APIError);
          assert.equal(error.status, 502, `${model}: ${String(error)}`);
          assert.equal(error.type, 'provider_error');
          assert.doesNotMatch(error.message, /bad-key/, 'the credential never appears in an error');
          return true;
        });
      }
      assert.ok(!bad.logs.join('').includes('bad-key'), 'the credential never appears in the logs');
    } finally {
      await bad.close();
    }
  });
});

describe('errors during the stream', () => {
  for (const { family, model } of families) {
    for (const kind of ['stream-error', 'cut-stream', 'malformed-chunk'] as const) {
      test(`${family}: ${kind} after the first chunks ends with an error event, not [DONE]`, async () => {
        gateway.simulator.inject({ kind, afterChunks: 6, family });
        const stream = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Tell me a long story about a gateway that never fails' }],
          stream: true,
        });
        let text = '';
        let finish: string | null = null;
        await assert.rejects(
          (async () => {
            for await (const chunk of stream) {
              text += chunk.choices[0]?.delta.content ?? '';
              finish = chunk.choices[0]?.finish_reason ?? finish;
            }
          })(),
          (error: unknown) => error instanceof OpenAI.APIError,
        );
        assert.equal(finish, null, 'no fake finish_reason');
        assert.ok(text.length > 0, 'the chunks before the failure arrived');
      });
    }
  }

  for (const { family, model } of families) {
    test(`${family}: a client that disconnects mid-stream aborts the upstream call and is logged as 499`, async () => {
      const slow = await startTestGateway({ simulator: { chunkDelayMs: 200 } });
      try {
        const controller = new AbortController();
        const slowClient = new OpenAI({ apiKey: slow.adminKey, baseURL: slow.v1, maxRetries: 0 });
        const { data: stream, response } = await slowClient.chat.completions
          .create(
            { model, messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }], stream: true },
            { signal: controller.signal },
          )
          .withResponse();
        const requestId = response.headers.get('x-request-id')!;
        // The SDK may end the iteration quietly or throw an abort error: either way the client is gone.
        await (async () => {
          for await (const chunk of stream) {
            if (chunk.choices[0]?.delta.content) controller.abort();
          }
        })().catch(() => undefined);
        const settled = async (check: () => Promise<boolean>) => {
          for (let attempt = 0; attempt < 100 && !(await check()); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
        };
        await settled(async () => {
          await slow.store.requestLog.flush();
          return (await slow.store.requestLog.get(requestId)) !== undefined;
        });
        assert.equal((await slow.store.requestLog.get(requestId))?.status, 499);
        // The simulator saw its response abandoned mid-stream: the gateway closed the upstream call.
        await settled(async () => slow.simulator.stats().abandoned > 0);
        assert.equal(slow.simulator.stats().abandoned, 1);
      } finally {
        await slow.close();
      }
    });
  }
});

describe('the request log', () => {
  test('keeps tokens, cached and reasoning tokens, cost and timings of each call', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'Count me [sim:cached=40] [sim:cache_write=10]' }] })
      .withResponse();
    const row = await lastLogRow(response.headers.get('x-request-id')!);
    assert.ok(row);
    assert.equal(row.model, 'anthropic/claude-haiku-4-5');
    assert.equal(row.provider, 'anthropic');
    assert.equal(row.status, 200);
    assert.equal(row.promptTokens, data.usage!.prompt_tokens);
    assert.equal(row.completionTokens, data.usage!.completion_tokens);
    assert.equal(row.cachedTokens, 40);
    assert.equal(row.cacheWriteTokens, 10);
    assert.equal(data.usage!.prompt_tokens_details?.cached_tokens, 40);
    assert.ok(row.costMicroUsd > 0);
    assert.ok(row.latencyMs >= 0 && row.ttftMs !== null);
  });

  test('reasoning tokens from a streamed call are logged', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'openai/o4-mini',
        messages: [{ role: 'user', content: 'Think first [sim:reasoning=25]' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    const row = await lastLogRow(response.headers.get('x-request-id')!);
    assert.equal(row?.reasoningTokens, 25);
    assert.equal(usage?.completion_tokens_details?.reasoning_tokens, 25);
    assert.equal(row?.stream, true);
  });
});
