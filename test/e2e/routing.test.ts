// Routing that survives providers, end to end with the official SDKs: a model group of two deployments, request
// fallbacks, retries with Retry-After, time-to-first-token timeouts, connection errors, and a stream that breaks
// after its first byte; every attempt is checked in the ledger. Faults come from the simulator, matched by model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let gateway: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

before(async () => {
  const refused = await closedPort();
  gateway = await startTestGateway({
    config: (simulator) => ({
      routing: {
        // Breakers have their own test (circuit-breakers.test.ts): here every attempt must reach its deployment.
        breaker: { enabled: false },
        groups: {
          // cost-first: the cheaper deployment (gpt-4o-mini) is always tried first, so the order is known.
          pool: {
            strategy: 'cost-first',
            deployments: [
              { id: 'cheap', provider: 'openai', model: 'gpt-4o-mini', baseURL: `${simulator}/v1` },
              { id: 'dear', provider: 'openai', model: 'gpt-4o', baseURL: `${simulator}/v1` },
            ],
          },
          // A deployment nobody answers, then one that works.
          unreachable: {
            strategy: 'cost-first',
            deployments: [
              { id: 'down', provider: 'openai', model: 'gpt-4o-mini', baseURL: `http://127.0.0.1:${refused}/v1` },
              { id: 'up', provider: 'openai', model: 'gpt-4o', baseURL: `${simulator}/v1` },
            ],
          },
          patient: {
            deployments: [{ id: 'only', provider: 'openai', model: 'gpt-4.1-mini', baseURL: `${simulator}/v1` }],
            retries: { retries: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_500 },
          },
          hasty: {
            strategy: 'cost-first',
            deployments: [
              { id: 'slow', provider: 'openai', model: 'gpt-4o-mini', baseURL: `${simulator}/v1` },
              { id: 'quick', provider: 'openai', model: 'gpt-4o', baseURL: `${simulator}/v1` },
            ],
            timeouts: { firstTokenMs: 300 },
          },
          hedged: {
            strategy: 'cost-first',
            deployments: [
              { id: 'tardy', provider: 'openai', model: 'gpt-4o-mini', baseURL: `${simulator}/v1` },
              { id: 'spare', provider: 'openai', model: 'gpt-4o', baseURL: `${simulator}/v1` },
            ],
            hedge: { delayMs: 100 },
          },
        },
      },
    }),
  });
  openai = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: gateway.adminKey, baseURL: gateway.url, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
});

const fault = (value: Record<string, unknown>) => gateway.simulator.inject(value as never);

/** The ledger rows of every attempt of a request, in order. */
async function attempts(requestId: string | null | undefined): Promise<RequestLogEntry[]> {
  assert.ok(requestId, 'the response carries X-Request-Id');
  await gateway.store.requestLog.flush();
  const rows: RequestLogEntry[] = [];
  for (let attempt = 1; attempt <= 10; attempt++) {
    const row = await gateway.store.requestLog.get(attempt === 1 ? requestId : `${requestId}.${attempt}`);
    if (row === undefined) break;
    rows.push(row);
  }
  return rows;
}

const question = [{ role: 'user' as const, content: 'Say hello' }];

describe('a model group falls through to its next deployment', () => {
  test('a 500 from the first deployment: the client gets the second one’s answer, both attempts are in the ledger', async () => {
    for (const stream of [false, true]) {
      gateway.simulator.reset();
      fault({ kind: 'status', status: 500, model: 'gpt-4o-mini' });
      let requestId: string | null;
      let headers: Headers;
      if (stream) {
        const { data, response } = await openai.chat.completions.create({ model: 'pool', messages: question, stream: true }).withResponse();
        let text = '';
        for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
        assert.ok(text.length > 0);
        ({ headers } = response);
      } else {
        const { data, response } = await openai.chat.completions.create({ model: 'pool', messages: question }).withResponse();
        assert.ok(data.choices[0]!.message.content);
        ({ headers } = response);
      }
      requestId = headers.get('x-request-id');
      assert.equal(headers.get('x-switchyard-deployment'), 'dear');
      assert.equal(headers.get('x-switchyard-attempts'), '2');
      assert.equal(headers.get('x-switchyard-model'), 'openai/gpt-4o');
      assert.equal(headers.get('x-provider'), 'openai');
      const rows = await attempts(requestId);
      assert.deepEqual(
        rows.map((row) => [row.attempt, row.deployment, row.status, row.requestId, row.upstreamModel]),
        [
          [1, 'cheap', 502, requestId, 'gpt-4o-mini'],
          [2, 'dear', 200, requestId, 'gpt-4o'],
        ],
        `stream: ${stream}`,
      );
      assert.ok(rows[1]!.promptTokens > 0 && rows[1]!.costMicroUsd > 0);
      assert.equal(rows[0]!.costMicroUsd, 0);
    }
  });

  test('a 429 and a 503 fall through too; a client error (400) does not', async () => {
    gateway.simulator.reset();
    fault({ kind: 'status', status: 429, retryAfter: 30, model: 'gpt-4o-mini' });
    const limited = await openai.chat.completions.create({ model: 'pool', messages: question }).withResponse();
    assert.equal(limited.response.headers.get('x-switchyard-deployment'), 'dear');

    fault({ kind: 'status', status: 503, model: 'gpt-4o-mini' });
    const unavailable = await openai.chat.completions.create({ model: 'pool', messages: question }).withResponse();
    assert.equal(unavailable.response.headers.get('x-switchyard-attempts'), '2');

    fault({ kind: 'status', status: 400, message: 'Your request is wrong', model: 'gpt-4o-mini' });
    const before = gateway.simulator.requests().length;
    await assert.rejects(openai.chat.completions.create({ model: 'pool', messages: question }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.match(error.message, /Your request is wrong/);
      return true;
    });
    assert.equal(gateway.simulator.requests().length - before, 1, 'no second attempt for the client’s own mistake');
  });

  test('a refused connection falls through', async () => {
    gateway.simulator.reset();
    const { data, response } = await openai.chat.completions.create({ model: 'unreachable', messages: question }).withResponse();
    assert.ok(data.choices[0]!.message.content);
    const rows = await attempts(response.headers.get('x-request-id'));
    assert.deepEqual(rows.map((row) => [row.deployment, row.status, row.errorCode]), [
      ['down', 502, 'upstream_error'],
      ['up', 200, null],
    ]);
  });

  test('a stream with no first token within firstTokenMs is abandoned for the next deployment', async () => {
    gateway.simulator.reset();
    fault({ kind: 'slow-first-token', delayMs: 3_000, model: 'gpt-4o-mini' });
    const { data, response } = await openai.chat.completions.create({ model: 'hasty', messages: question, stream: true }).withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
    const rows = await attempts(response.headers.get('x-request-id'));
    assert.deepEqual(rows.map((row) => [row.deployment, row.status, row.errorCode]), [
      ['slow', 504, 'first_token_timeout'],
      ['quick', 200, null],
    ]);
  });

  test('after the first byte there is no fallback: the stream ends with the error, no [DONE]', async () => {
    gateway.simulator.reset();
    fault({ kind: 'cut-stream', afterChunks: 2, model: 'gpt-4o-mini' });
    const response = await fetch(`${gateway.v1}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'pool', messages: question, stream: true }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(!text.includes('[DONE]'), text);
    assert.match(text, /"error"/);
    const rows = await attempts(response.headers.get('x-request-id'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.deployment, 'cheap');
  });
});

describe('retries', () => {
  test('a 429 with Retry-After is retried after waiting (up to maxRetryAfterMs); each attempt is metered', async () => {
    gateway.simulator.reset();
    fault({ kind: 'status', status: 429, retryAfter: 1, model: 'gpt-4.1-mini' });
    const started = Date.now();
    const { response } = await openai.chat.completions.create({ model: 'patient', messages: question }).withResponse();
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
    const rows = await attempts(response.headers.get('x-request-id'));
    assert.deepEqual(rows.map((row) => [row.attempt, row.deployment, row.status]), [
      [1, 'only', 429],
      [2, 'only', 200],
    ]);
  });

  test('a Retry-After beyond maxRetryAfterMs is not waited for: the 429 goes to the client', async () => {
    gateway.simulator.reset();
    fault({ kind: 'status', status: 429, retryAfter: 60, model: 'gpt-4.1-mini' });
    await assert.rejects(openai.chat.completions.create({ model: 'patient', messages: question }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError, String(error));
      return true;
    });
  });

  test('repeated 500s are retried with backoff until the rounds run out', async () => {
    gateway.simulator.reset();
    fault({ kind: 'status', status: 500, count: 2, model: 'gpt-4.1-mini' });
    const { response } = await openai.chat.completions.create({ model: 'patient', messages: question }).withResponse();
    assert.equal(response.headers.get('x-switchyard-attempts'), '3');
    fault({ kind: 'status', status: 500, count: 3, model: 'gpt-4.1-mini' });
    await assert.rejects(openai.chat.completions.create({ model: 'patient', messages: question }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError && error.status === 502, String(error));
      assert.equal(error.headers?.get('x-switchyard-attempts'), '3');
      return true;
    });
  });
});

describe('fallbacks named by the request', () => {
  test('`models` (OpenRouter) and `fallbacks` (LiteLLM) move to another provider; the routing fields never go upstream', async () => {
    for (const field of ['models', 'fallbacks'] as const) {
      gateway.simulator.reset();
      fault({ kind: 'status', status: 500, family: 'openai' });
      const extra = field === 'models' ? { models: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'] } : { fallbacks: ['anthropic/claude-haiku-4-5'] };
      const { data, response } = await openai.chat.completions
        .create({ model: 'openai/gpt-4o-mini', messages: question, ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .withResponse();
      assert.ok(data.choices[0]!.message.content);
      assert.equal(response.headers.get('x-provider'), 'anthropic');
      const rows = await attempts(response.headers.get('x-request-id'));
      assert.deepEqual(rows.map((row) => [row.provider, row.status]), [
        ['openai', 502],
        ['anthropic', 200],
      ]);
      for (const recorded of gateway.simulator.requests()) {
        const body = recorded.body as Record<string, unknown>;
        assert.equal(body.models, undefined, field);
        assert.equal(body.fallbacks, undefined, field);
      }
    }
  });

  test('X-Switchyard-Fallbacks works from any SDK (here Anthropic’s, to an OpenAI model)', async () => {
    gateway.simulator.reset();
    fault({ kind: 'status', status: 529, family: 'anthropic' });
    const { data, response } = await anthropic.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: question }, { headers: { 'x-switchyard-fallbacks': 'openai/gpt-4o-mini' } })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.equal(response.headers.get('x-provider'), 'openai');
  });

  test('an unknown fallback model is a 404 naming it; too many fallbacks a 400', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: question, fallbacks: ['no-such-model'] } as never),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError, String(error));
        assert.match(error.message, /Fallback model 1 \('no-such-model'\)/);
        return true;
      },
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: question, fallbacks: Array(6).fill('openai/gpt-4o') } as never),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.match(error.message, /At most 5 fallback models/);
        return true;
      },
    );
  });
});

describe('per-request timeouts', () => {
  test('X-Switchyard-Timeout-Ms shortens the request: a slow answer is a 504; a malformed value a 400', async () => {
    gateway.simulator.reset();
    fault({ kind: 'latency', delayMs: 2_000, model: 'gpt-4.1' });
    await assert.rejects(
      openai.chat.completions.create({ model: 'openai/gpt-4.1', messages: question }, { headers: { 'x-switchyard-timeout-ms': '200' } }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError && error.status === 504, String(error));
        return true;
      },
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'openai/gpt-4.1', messages: question }, { headers: { 'x-switchyard-timeout-ms': 'soon' } }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.match(error.message, /x-switchyard-timeout-ms/);
        return true;
      },
    );
  });
});

describe('hedged requests', () => {
  test('no first token within the hedge delay: a second deployment starts, the first to answer wins, the other is cancelled and metered', async () => {
    for (const stream of [false, true]) {
      gateway.simulator.reset();
      fault(stream ? { kind: 'slow-first-token', delayMs: 3_000, model: 'gpt-4o-mini' } : { kind: 'latency', delayMs: 3_000, model: 'gpt-4o-mini' });
      const started = Date.now();
      let headers: Headers;
      if (stream) {
        const { data, response } = await openai.chat.completions.create({ model: 'hedged', messages: question, stream: true }).withResponse();
        let text = '';
        for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
        assert.ok(text.length > 0);
        ({ headers } = response);
      } else {
        const { data, response } = await openai.chat.completions.create({ model: 'hedged', messages: question }).withResponse();
        assert.ok(data.choices[0]!.message.content);
        ({ headers } = response);
      }
      assert.ok(Date.now() - started < 2_500, 'answered by the hedge, not after the slow deployment');
      assert.equal(headers.get('x-switchyard-deployment'), 'spare');
      const requestId = headers.get('x-request-id');
      let rows = await attempts(requestId);
      // The cancelled attempt's row is written when its cancellation lands: wait for it.
      for (let tries = 0; tries < 50 && rows.length < 2; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        rows = await attempts(requestId);
      }
      assert.deepEqual(
        rows.map((row) => [row.attempt, row.deployment, row.status, row.errorCode]),
        [
          [1, 'tardy', 499, 'hedge_lost'],
          [2, 'spare', 200, null],
        ],
        `stream: ${stream}`,
      );
      assert.equal(gateway.simulator.requests().length, 2, 'two upstream calls');
    }
  });

  test('a first attempt that answers within the delay is the only one', async () => {
    gateway.simulator.reset();
    const { response } = await openai.chat.completions.create({ model: 'hedged', messages: question }).withResponse();
    assert.equal(response.headers.get('x-switchyard-attempts'), '1');
    assert.equal(gateway.simulator.requests().length, 1);
  });
});

describe('what the client sees of the routing', () => {
  test('GET /v1/models lists each group with its deployments; GET /v1/models/{group} shows one', async () => {
    const list = await openai.models.list();
    const pool = list.data.find((model) => model.id === 'pool') as unknown as { routing: { strategy: string; deployments: Array<{ id: string }> }; capabilities: string[] };
    assert.ok(pool, 'the group is listed');
    assert.equal(pool.routing.strategy, 'cost-first');
    assert.deepEqual(pool.routing.deployments.map((deployment) => deployment.id), ['cheap', 'dear']);
    assert.ok(pool.capabilities.includes('chat'));
    const one = (await openai.models.retrieve('pool')) as unknown as { id: string; owned_by: string };
    assert.deepEqual([one.id, one.owned_by], ['pool', 'switchyard']);
  });

  test('a malformed chunk after the first byte ends the stream with the error event, one attempt only', async () => {
    gateway.simulator.reset();
    fault({ kind: 'malformed-chunk', afterChunks: 2, family: 'anthropic' });
    const response = await fetch(`${gateway.v1}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-haiku-4-5', fallbacks: ['openai/gpt-4o-mini'], messages: question, stream: true }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(!text.includes('[DONE]'), text);
    assert.match(text, /"error"/);
    const rows = await attempts(response.headers.get('x-request-id'));
    assert.deepEqual(rows.map((row) => [row.provider, row.status >= 500]), [['anthropic', true]]);
  });
});
