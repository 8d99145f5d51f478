// Errors on POST /v1/messages as the Anthropic SDKs see them: refused requests, upstream failures before the
// first byte (a plain error response) and after it (`event: error`, the SDK raises mid-iteration), and the
// request-log rows they leave.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import Anthropic0 from 'anthropic-sdk-0';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const models = [
  { model: 'gpt-4o-mini', family: 'openai' as const },
  { model: 'gemini-2.5-flash', family: 'gemini' as const },
  { model: 'claude-haiku-4-5', family: 'anthropic' as const },
  { model: 'sim-chat', family: 'openai' as const },
];

type Errors = Pick<typeof Anthropic, 'APIError' | 'NotFoundError' | 'AuthenticationError' | 'BadRequestError' | 'RateLimitError'>;
const sdks: { name: string; errors: Errors; client: (key: string) => Anthropic }[] = [
  {
    name: 'sdk 1.x',
    errors: Anthropic,
    client: (key) => new Anthropic({ authToken: key, baseURL: gateway.url, maxRetries: 0 }),
  },
  {
    name: 'sdk 0.137',
    // The two generations' error classes have the same shape; the tests only use instanceof and fields.
    errors: Anthropic0 as unknown as Errors,
    client: (key) => new Anthropic0({ apiKey: key, baseURL: gateway.url, maxRetries: 0 }) as unknown as Anthropic,
  },
];

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway();
});
afterEach(() => gateway.simulator.reset());
after(async () => {
  await gateway.close();
});

async function logRow(requestId: string | null | undefined) {
  assert.ok(requestId, 'the error carries the request id');
  await gateway.store.requestLog.flush();
  return gateway.store.requestLog.get(requestId);
}

for (const sdk of sdks) {
  describe(`${sdk.name}: refused requests`, () => {
    test('an unknown model is a NotFoundError in Anthropic’s envelope', async () => {
      const client = sdk.client(gateway.adminKey);
      await assert.rejects(
        client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => {
          assert.ok(error instanceof sdk.errors.NotFoundError, String(error));
          assert.equal(error.status, 404);
          const body = error.error as { type: string; error: { type: string; message: string }; request_id: string };
          assert.equal(body.type, 'error');
          assert.equal(body.error.type, 'not_found_error');
          assert.match(body.error.message, /no-such-model/);
          assert.equal(body.request_id, error.requestID);
          return true;
        },
      );
    });

    test('a bad gateway key is an AuthenticationError', async () => {
      const client = sdk.client('sy-not-a-real-key');
      await assert.rejects(
        client.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => {
          assert.ok(error instanceof sdk.errors.AuthenticationError, String(error));
          assert.equal((error.error as { error: { type: string } }).error.type, 'authentication_error');
          return true;
        },
      );
      assert.equal(gateway.simulator.stats().requests, 0, 'nothing reached a provider');
    });

    test('a missing max_tokens is a BadRequestError naming the field', async () => {
      const client = sdk.client(gateway.adminKey);
      const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming;
      await assert.rejects(client.messages.create(body), (error: unknown) => {
        assert.ok(error instanceof sdk.errors.BadRequestError, String(error));
        const envelope = error.error as { error: { type: string; message: string } };
        assert.equal(envelope.error.type, 'invalid_request_error');
        assert.equal(envelope.error.message, 'max_tokens: Field required');
        return true;
      });
      assert.equal(gateway.simulator.stats().requests, 0);
    });

    test('a provider 429 keeps its status and retry-after', async () => {
      gateway.simulator.inject({ kind: 'status', status: 429, retryAfter: 7, family: 'openai' });
      const client = sdk.client(gateway.adminKey);
      await assert.rejects(
        client.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => {
          assert.ok(error instanceof sdk.errors.RateLimitError, String(error));
          assert.equal(error.headers?.get('retry-after'), '7');
          assert.equal((error.error as { error: { type: string } }).error.type, 'rate_limit_error');
          return true;
        },
      );
    });
  });

  for (const { model, family } of models) {
    describe(`${sdk.name} → ${model}: upstream failures`, () => {
      test('before the first byte: the stream request fails with a 5xx, metered', async () => {
        const client = sdk.client(gateway.adminKey);
        // A Claude model's answer is relayed: the provider's own 500 and envelope. Others' failures are the gateway's 502.
        const relayed = family === 'anthropic';
        const status = relayed ? 500 : 502;
        let requestId: string | null | undefined;
        await assert.rejects(
          client.messages.create({
            model,
            max_tokens: 100,
            stream: true,
            messages: [{ role: 'user', content: 'Fail please [sim:fault=status:500]' }],
          }),
          (error: unknown) => {
            assert.ok(error instanceof sdk.errors.APIError, String(error));
            assert.equal(error.status, status);
            const body = error.error as { error: { type: string; message: string }; request_id: string };
            assert.equal(body.error.type, 'api_error');
            assert.equal(body.request_id, error.requestID);
            requestId = error.headers?.get('x-request-id');
            if (relayed) {
              assert.equal(body.error.message, 'Internal server error', "the provider's message");
              assert.match(body.request_id, /^req_sim/, "the provider's request id");
            } else {
              assert.equal(error.requestID, requestId);
            }
            return true;
          },
        );
        const row = await logRow(requestId);
        assert.equal(row?.status, status);
        assert.equal(row?.stream, true);
        assert.equal(gateway.simulator.lastRequest()?.family, family);
      });

      test('after the first byte: the SDK raises during iteration, without message_stop', async () => {
        const client = sdk.client(gateway.adminKey);
        const { data: stream, response } = await client.messages
          .create({
            model,
            max_tokens: 100,
            stream: true,
            messages: [{ role: 'user', content: 'Tell me a long story about a gateway [sim:fault=stream-error:2]' }],
          })
          .withResponse();
        const seen: string[] = [];
        let text = '';
        await assert.rejects(
          (async () => {
            for await (const event of stream) {
              seen.push(event.type);
              if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
            }
          })(),
          (error: unknown) => error instanceof sdk.errors.APIError,
        );
        assert.equal(text, 'Simulated answer', 'the pieces before the failure arrived');
        assert.ok(!seen.includes('message_stop') && !seen.includes('message_delta'), 'no fake ending');
        const row = await logRow(response.headers.get('x-request-id'));
        assert.ok(row && row.status >= 500, `logged as a failure: ${row?.status}`);
        assert.equal(row?.stream, true);
      });
    });
  }
}

describe('cache tokens', () => {
  test('input_tokens excludes cache reads and writes; the request log keeps all three', async () => {
    const client = sdks[0]!.client(gateway.adminKey);
    const { data: message, response } = await client.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'Count me [sim:cached=40] [sim:cache_write=10]' }] })
      .withResponse();
    assert.equal(message.usage.cache_read_input_tokens, 40);
    assert.equal(message.usage.cache_creation_input_tokens, 10);
    const upstream = gateway.simulator.lastRequest();
    assert.equal(upstream?.family, 'anthropic');
    const row = await logRow(response.headers.get('x-request-id'));
    assert.equal(row?.cachedTokens, 40);
    assert.equal(row?.cacheWriteTokens, 10);
    assert.equal(row?.promptTokens, message.usage.input_tokens + 50);
  });

  test('OpenAI cached tokens are subtracted from input_tokens too', async () => {
    const client = sdks[0]!.client(gateway.adminKey);
    const stream = client.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Count me streamed [sim:cached=30]' }],
    });
    const final = await stream.finalMessage();
    assert.equal(final.usage.cache_read_input_tokens, 30);
    const prompt = (gateway.simulator.lastRequest()?.body as { messages: { content: string }[] }).messages[0]!.content;
    // The simulator counts ceil(characters / 4) prompt tokens and adds the cached ones on top.
    assert.equal(final.usage.input_tokens, Math.ceil(prompt.length / 4));
  });
});
