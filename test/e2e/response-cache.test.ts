// The response cache end to end, with the official SDKs: a second identical request is answered from the cache
// in every dialect (OpenAI, Anthropic, Gemini, the simple surface), as JSON or as a replayed stream whatever
// the first one was; the provider is not called again; the ledger has the hit with no tokens and no cost;
// Cache-Control and X-Switchyard-Cache bypass or refresh it; hot requests are skipped; organizations do not
// share entries; failed and broken answers are never stored. Once more on Redis, shared by two gateways.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { createRedisResponseCache } from '../../src/state/redis/redis-response-cache.js';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { redisTestConnection } from '../helpers/redis.js';

let gateway: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;
let gemini: GoogleGenAI;

const cacheConfig = { cache: { enabled: true, maxTemperature: 0.2 } };

before(async () => {
  gateway = await startTestGateway({ config: cacheConfig });
  openai = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: gateway.adminKey, baseURL: gateway.url, maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl: gateway.url } });
});

after(async () => {
  await gateway?.close();
});

let counter = 0;
/** A question no other test asks, so every test starts with an empty cache for it. */
const fresh = (text = 'Say hello') => `${text} (#${++counter} ${Date.now()})`;
const upstreamCalls = () => gateway.simulator.stats().requests;

async function row(requestId: string | null | undefined): Promise<RequestLogEntry> {
  assert.ok(requestId, 'the response carries X-Request-Id');
  await gateway.store.requestLog.flush();
  const entry = await gateway.store.requestLog.get(requestId);
  assert.ok(entry, `a ledger row for ${requestId}`);
  return entry;
}

/** Text of an OpenAI SDK stream, and the usage chunk when there is one. */
async function readOpenAIStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage };
}

describe('OpenAI surface', () => {
  for (const model of ['gpt-4o-mini', 'claude-haiku-4-5', 'gemini-2.5-flash']) {
    test(`${model}: JSON then JSON, then a stream, all from one upstream call`, async () => {
      const messages = [{ role: 'user' as const, content: fresh() }];
      const before = upstreamCalls();
      const first = await openai.chat.completions.create({ model, messages, temperature: 0 }).withResponse();
      assert.equal(first.response.headers.get('x-cache'), 'MISS');
      const second = await openai.chat.completions.create({ model, messages, temperature: 0, user: 'someone-else' }).withResponse();
      assert.equal(second.response.headers.get('x-cache'), 'HIT');
      assert.equal(second.data.choices[0]!.message.content, first.data.choices[0]!.message.content);
      assert.deepEqual(second.data.usage, first.data.usage, 'the answer carries the usage it had');
      assert.equal(second.response.headers.get('x-switchyard-attempts'), '0');
      assert.equal(second.response.headers.get('x-provider'), first.response.headers.get('x-provider'));
      assert.equal(second.response.headers.get('x-cost'), '0');

      const { data, response } = await openai.chat.completions
        .create({ model, messages, temperature: 0, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      assert.equal(response.headers.get('x-cache'), 'HIT');
      const streamed = await readOpenAIStream(data);
      assert.equal(streamed.text, first.data.choices[0]!.message.content);
      assert.equal(streamed.usage?.completion_tokens, first.data.usage?.completion_tokens);
      assert.equal(upstreamCalls() - before, 1, 'only the first request reached the provider');

      const missRow = await row(first.response.headers.get('x-request-id'));
      assert.equal(missRow.cacheStatus, 'MISS');
      assert.ok(missRow.completionTokens > 0);
      for (const hit of [second.response, response]) {
        const hitRow = await row(hit.headers.get('x-request-id'));
        assert.equal(hitRow.cacheStatus, 'HIT');
        assert.equal(hitRow.status, 200);
        assert.equal(hitRow.promptTokens + hitRow.completionTokens + hitRow.costMicroUsd, 0, 'a hit used no tokens and cost nothing');
      }
    });
  }

  test('a stream first (forwarded byte for byte, no usage asked), then JSON and a stream from the cache', async () => {
    const messages = [{ role: 'user' as const, content: fresh('Tell a story') }];
    const before = upstreamCalls();
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0, stream: true }).withResponse();
    assert.equal(response.headers.get('x-cache'), 'MISS');
    const first = await readOpenAIStream(data);
    assert.equal(first.usage, undefined);
    const json = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse();
    assert.equal(json.response.headers.get('x-cache'), 'HIT');
    assert.equal(json.data.choices[0]!.message.content, first.text);
    assert.ok(json.data.usage!.completion_tokens > 0, 'the usage the gateway metered for the stream');
    const again = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0, stream: true }).withResponse();
    assert.equal(again.response.headers.get('x-cache'), 'HIT');
    const replayed = await readOpenAIStream(again.data);
    assert.equal(replayed.text, first.text);
    assert.equal(replayed.usage, undefined, 'no usage chunk for a client that did not ask');
    assert.equal(upstreamCalls() - before, 1);
  });

  test('tool calls replay as tool calls', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const messages = [{ role: 'user' as const, content: fresh('[[tool:weather]] Weather in Paris?') }];
    for (const model of ['gpt-4o-mini', 'claude-haiku-4-5']) {
      const first = await openai.chat.completions.create({ model, messages, tools, temperature: 0 });
      const { data, response } = await openai.chat.completions.create({ model, messages, tools, temperature: 0, stream: true }).withResponse();
      assert.equal(response.headers.get('x-cache'), 'HIT');
      const calls = new Map<number, { name: string; args: string }>();
      for await (const chunk of data) {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
          const seen = calls.get(call.index) ?? { name: '', args: '' };
          seen.name += call.function?.name ?? '';
          seen.args += call.function?.arguments ?? '';
          calls.set(call.index, seen);
        }
      }
      const expected = first.choices[0]!.message.tool_calls!.map((call) => (call.type === 'function' ? { name: call.function.name, args: call.function.arguments } : undefined));
      assert.deepEqual([...calls.values()], expected, model);
    }
  });

  test('embeddings: the same vectors, float and base64 kept apart', async () => {
    const input = [fresh('one'), fresh('two')];
    const before = upstreamCalls();
    // The SDK asks for base64 unless told otherwise, and decodes it.
    const first = await openai.embeddings.create({ model: 'text-embedding-3-small', input }).withResponse();
    const second = await openai.embeddings.create({ model: 'text-embedding-3-small', input }).withResponse();
    assert.equal(first.response.headers.get('x-cache'), 'MISS');
    assert.equal(second.response.headers.get('x-cache'), 'HIT');
    assert.deepEqual(second.data.data, first.data.data);
    const float = await openai.embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' }).withResponse();
    assert.equal(float.response.headers.get('x-cache'), 'MISS');
    assert.equal(upstreamCalls() - before, 2);
  });

  test('legacy completions', async () => {
    const prompt = fresh('Once upon a time');
    const first = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt, temperature: 0 }).withResponse();
    const second = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt, temperature: 0 }).withResponse();
    assert.equal(second.response.headers.get('x-cache'), 'HIT');
    assert.equal(second.data.choices[0]!.text, first.data.choices[0]!.text);
  });
});

/** Temperature 0, which the Messages API takes though the newest SDK's types leave it out. */
const cold = <T extends object>(params: T): T => ({ ...params, temperature: 0 });

describe('Anthropic surface', () => {
  for (const model of ['claude-haiku-4-5', 'gpt-4o-mini']) {
    test(`${model}: a message, then the same as JSON and as events from the cache`, async () => {
      const messages = [{ role: 'user' as const, content: fresh() }];
      const before = upstreamCalls();
      const first = await anthropic.messages.create(cold({ model, max_tokens: 100, messages })).withResponse();
      assert.equal(first.response.headers.get('x-cache'), 'MISS');
      const second = await anthropic.messages.create(cold({ model, max_tokens: 100, messages })).withResponse();
      assert.equal(second.response.headers.get('x-cache'), 'HIT');
      assert.deepEqual(second.data.content, first.data.content);
      const stream = anthropic.messages.stream(cold({ model, max_tokens: 100, messages }));
      const message = await stream.finalMessage();
      assert.deepEqual(message.content, first.data.content);
      assert.equal(message.usage.output_tokens, first.data.usage.output_tokens);
      assert.equal(upstreamCalls() - before, 1);
    });
  }

  test('a stream first (relayed byte for byte), then JSON from the cache', async () => {
    const messages = [{ role: 'user' as const, content: fresh('Tell a story') }];
    const first = await anthropic.messages.stream(cold({ model: 'claude-haiku-4-5', max_tokens: 100, messages })).finalMessage();
    const second = await anthropic.messages.create(cold({ model: 'claude-haiku-4-5', max_tokens: 100, messages })).withResponse();
    assert.equal(second.response.headers.get('x-cache'), 'HIT');
    assert.deepEqual(second.data.content, first.content);
    assert.equal(second.data.usage.output_tokens, first.usage.output_tokens);
  });
});

describe('Gemini surface', () => {
  for (const model of ['gemini-2.5-flash', 'gpt-4o-mini']) {
    test(`${model}: generateContent, then the same and a stream from the cache`, async () => {
      const contents = fresh();
      const config = { temperature: 0 };
      const before = upstreamCalls();
      const first = await gemini.models.generateContent({ model, contents, config });
      const second = await gemini.models.generateContent({ model, contents, config });
      assert.equal(second.text, first.text);
      let streamed = '';
      for await (const chunk of await gemini.models.generateContentStream({ model, contents, config })) streamed += chunk.text ?? '';
      assert.equal(streamed, first.text);
      assert.equal(upstreamCalls() - before, 1);
    });
  }

  test('embedContent', async () => {
    const contents = fresh('embed me');
    const before = upstreamCalls();
    const first = await gemini.models.embedContent({ model: 'gemini-embedding-001', contents });
    const second = await gemini.models.embedContent({ model: 'gemini-embedding-001', contents });
    assert.deepEqual(second.embeddings, first.embeddings);
    assert.equal(upstreamCalls() - before, 1);
  });
});

describe('simple surface', () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test('/ai/chat: JSON, then JSON and events from the cache', async () => {
    const body = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: fresh() }], temperature: 0 };
    const first = await post('/ai/chat', body);
    assert.equal(first.headers.get('x-cache'), 'MISS');
    const answer = (await first.json()) as { message: { content: string } };
    const second = await post('/ai/chat', body);
    assert.equal(second.headers.get('x-cache'), 'HIT');
    assert.equal(((await second.json()) as typeof answer).message.content, answer.message.content);
    const stream = await post('/ai/chat', { ...body, stream: true });
    assert.equal(stream.headers.get('x-cache'), 'HIT');
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = await stream.text();
    const text = [...events.matchAll(/^data: (.*)$/gm)]
      .map((match) => {
        try {
          return (JSON.parse(match[1]!) as { delta?: { content?: string } }).delta?.content ?? '';
        } catch {
          return '';
        }
      })
      .join('');
    assert.equal(text, answer.message.content);
  });

  test('the caller steers the cache: no-cache refreshes, no-store and bypass leave it alone, force caches a hot request', async () => {
    const body = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: fresh() }], temperature: 0 };
    assert.equal((await post('/ai/chat', body)).headers.get('x-cache'), 'MISS');
    assert.equal((await post('/ai/chat', body, { 'cache-control': 'no-store' })).headers.get('x-cache'), 'SKIP');
    assert.equal((await post('/ai/chat', body, { 'x-switchyard-cache': 'bypass' })).headers.get('x-cache'), 'SKIP');
    const before = upstreamCalls();
    assert.equal((await post('/ai/chat', body, { 'cache-control': 'no-cache' })).headers.get('x-cache'), 'MISS');
    assert.equal((await post('/ai/chat', body, { 'x-switchyard-cache': 'refresh' })).headers.get('x-cache'), 'MISS');
    assert.equal(upstreamCalls() - before, 2, 'a refresh goes to the provider');
    assert.equal((await post('/ai/chat', body)).headers.get('x-cache'), 'HIT');

    const hot = { ...body, temperature: 0.9 };
    assert.equal((await post('/ai/chat', hot)).headers.get('x-cache'), 'SKIP');
    assert.equal((await post('/ai/chat', hot)).headers.get('x-cache'), 'SKIP');
    const { temperature: _omitted, ...unset } = body;
    assert.equal((await post('/ai/chat', unset)).headers.get('x-cache'), 'SKIP', 'no temperature: the provider default, 1');
    assert.equal((await post('/ai/chat', hot, { 'x-switchyard-cache': 'force' })).headers.get('x-cache'), 'MISS');
    assert.equal((await post('/ai/chat', hot, { 'x-switchyard-cache': 'force' })).headers.get('x-cache'), 'HIT');
  });
});

describe('what is never stored', () => {
  test('a provider error and a stream cut mid-way are not cached', async () => {
    const messages = [{ role: 'user' as const, content: fresh() }];
    gateway.simulator.inject({ kind: 'status', status: 500 });
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }));
    const after500 = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse();
    assert.equal(after500.response.headers.get('x-cache'), 'MISS');

    const cut = [{ role: 'user' as const, content: fresh('Tell a long story') }];
    gateway.simulator.inject({ kind: 'cut-stream', afterChunks: 2 });
    const broken = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: cut, temperature: 0, stream: true });
    await assert.rejects(readOpenAIStream(broken));
    const afterCut = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: cut, temperature: 0 }).withResponse();
    assert.equal(afterCut.response.headers.get('x-cache'), 'MISS');
  });
});

describe('scope and quota', () => {
  test("another organization does not see this one's answers", async () => {
    const created = await fetch(`${gateway.url}/api/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'other', admin_email: 'other-admin@example.test', admin_password: 'a long enough password' }),
    });
    assert.equal(created.status, 201);
    const { secret } = (await created.json()) as { secret: string };
    const other = new OpenAI({ apiKey: secret, baseURL: gateway.v1, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: fresh() }];
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 });
    const theirs = await other.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse();
    assert.equal(theirs.response.headers.get('x-cache'), 'MISS');
    const again = await other.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse();
    assert.equal(again.response.headers.get('x-cache'), 'HIT');
  });

  test('a hit counts a tenth of a request against the monthly quota', async () => {
    const patched = await fetch(`${gateway.url}/api/organizations/${gateway.operatorOrganizationId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'pro' }),
    });
    assert.equal(patched.status, 200);
    try {
      const messages = [{ role: 'user' as const, content: fresh() }];
      const miss = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse();
      const remaining = (response: Response) => Number(response.headers.get('x-quota-remaining'));
      // The header shows whole requests: ten hits are one request.
      let last = miss.response;
      for (let hit = 1; hit <= 10; hit++) {
        ({ response: last } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse());
        assert.equal(last.headers.get('x-cache'), 'HIT');
        if (hit === 9) assert.equal(remaining(last), remaining(miss.response) - 1, 'nine hits: 0.9 of a request (1.9 used, shown rounded down)');
      }
      assert.equal(remaining(last), remaining(miss.response) - 1, 'ten hits: one request');
    } finally {
      await fetch(`${gateway.url}/api/organizations/${gateway.operatorOrganizationId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ plan: null }),
      });
    }
  });
});

test('on Redis, two gateways share one cache', async (t) => {
  const first = await redisTestConnection(t);
  if ('skip' in first) return;
  const second = await redisTestConnection(t);
  if ('skip' in second) return;
  const options = { prefix: first.prefix, maxBytes: 1024 * 1024 };
  const a = await startTestGateway({ config: cacheConfig, responseCache: createRedisResponseCache(first.redis, options) });
  const b = await startTestGateway({ config: { ...cacheConfig, cache: { ...cacheConfig.cache, shared: true } }, responseCache: createRedisResponseCache(second.redis, options) });
  try {
    // Two gateways with their own databases (so different organizations) and one Redis: the shared scope lets them meet.
    const c = await startTestGateway({ config: { cache: { enabled: true, maxTemperature: 0.2, shared: true } }, responseCache: createRedisResponseCache(first.redis, options) });
    try {
      const messages = [{ role: 'user' as const, content: fresh() }];
      const viaB = new OpenAI({ apiKey: b.adminKey, baseURL: b.v1, maxRetries: 0 });
      const viaC = new OpenAI({ apiKey: c.adminKey, baseURL: c.v1, maxRetries: 0 });
      const miss = await viaB.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse();
      assert.equal(miss.response.headers.get('x-cache'), 'MISS');
      const hit = await viaC.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0, stream: true }).withResponse();
      assert.equal(hit.response.headers.get('x-cache'), 'HIT');
      assert.equal((await readOpenAIStream(hit.data)).text, miss.data.choices[0]!.message.content);
      // Gateway a keeps its entries per organization: b's shared entry is not its own.
      const viaA = new OpenAI({ apiKey: a.adminKey, baseURL: a.v1, maxRetries: 0 });
      assert.equal((await viaA.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 }).withResponse()).response.headers.get('x-cache'), 'MISS');
    } finally {
      await c.close();
    }
  } finally {
    await a.close();
    await b.close();
  }
});
