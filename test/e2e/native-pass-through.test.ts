// Native pass-through: each official SDK pointed at `/{provider}` (or a `{provider}.<host>` subdomain) works by
// changing only its base URL, bodies stay in the provider's format, and every model call is metered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import Anthropic0 from 'anthropic-sdk-0';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startTestGateway, testKeys, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    simulator: { keys: [testKeys.openai, testKeys.anthropic, testKeys.gemini, 'test-groq-key', 'sim', 'sk-brought-0123456789'] },
  });
});
after(async () => {
  await gateway.close();
});

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

async function rowFor(requestId: string | null) {
  assert.ok(requestId, 'the response has an X-Request-Id');
  for (let attempt = 0; attempt < 50; attempt++) {
    await gateway.store.requestLog.flush();
    const row = await gateway.store.requestLog.get(requestId);
    if (row) return row;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no request-log row for ${requestId}`);
}

describe('OpenAI and compatible providers under /{provider}', () => {
  for (const base of ['/openai', '/openai/v1']) {
    test(`the openai SDK at ${base}: chat, stream with usage, tools, embeddings, models`, async () => {
      const client = new OpenAI({ apiKey: gateway.adminKey, baseURL: `${gateway.url}${base}`, maxRetries: 0 });
      const { data: completion, response } = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] })
        .withResponse();
      assert.match(completion.choices[0]!.message.content ?? '', /Hello there/);
      assert.equal(response.headers.get('x-provider'), 'openai');
      const row = await rowFor(response.headers.get('x-request-id'));
      assert.equal(row.provider, 'openai');
      assert.ok(row.promptTokens > 0 && row.completionTokens > 0);

      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Stream please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        usage = chunk.usage ?? usage;
      }
      assert.match(text, /Stream please/);
      assert.ok(usage && usage.prompt_tokens > 0);

      const tools = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ type: 'function', function: weatherTool }],
      });
      assert.equal(tools.choices[0]!.message.tool_calls?.[0]?.type, 'function');

      const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
      assert.ok(embedding.data[0]!.embedding.length > 0);
      const models = await client.models.list();
      assert.ok(models.data.length > 0, 'GET /models is relayed from the provider');
    });
  }

  test('unknown fields reach the provider unchanged', async () => {
    const before = gateway.simulator.requests().length;
    const response = await fetch(`${gateway.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], future_field: { a: 1 } }),
    });
    assert.equal(response.status, 200);
    const upstream = gateway.simulator.requests().slice(before).at(-1)!;
    assert.deepEqual((upstream.body as Record<string, unknown>).future_field, { a: 1 });
    assert.equal(upstream.headers.authorization, `Bearer ${testKeys.openai}`, 'our credential, not the caller’s gateway key');
  });

  test('a compatible preset (groq) by path and by subdomain', async () => {
    const client = new OpenAI({ apiKey: gateway.adminKey, baseURL: `${gateway.url}/groq/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(completion.choices[0]!.message.content);

    const port = new URL(gateway.url).port;
    const viaHost = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { host: `groq.localhost:${port}`, authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'by host' }] }));
    });
    assert.equal(viaHost.status, 200, viaHost.body);
    assert.match(viaHost.body, /by host/);
  });

  test('no credential, a wrong one, or an unknown provider: errors in the OpenAI envelope', async () => {
    const anonymous = await fetch(`${gateway.url}/openai/v1/models`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { type: string } }).error.type, 'authentication_error');
    const unknown = await fetch(`${gateway.url}/nosuchprovider/v1/models`, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    assert.equal(unknown.status, 404);
    const unconfigured = await fetch(`${gateway.url}/mistral/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(unconfigured.status, 404);
    assert.match(((await unconfigured.json()) as { error: { message: string } }).error.message, /X-Provider-Key/);
  });
});

describe('Anthropic under /anthropic', () => {
  const clients = () => [
    { name: '@anthropic-ai/sdk 1.x (Bearer)', client: new Anthropic({ authToken: gateway.adminKey, baseURL: `${gateway.url}/anthropic`, maxRetries: 0 }) },
    { name: '@anthropic-ai/sdk 0.x (x-api-key)', client: new Anthropic0({ apiKey: gateway.adminKey, baseURL: `${gateway.url}/anthropic`, maxRetries: 0 }) as unknown as Anthropic },
  ];

  test('messages, streams and tools with both SDK lines, metered from the native usage', async () => {
    for (const { name, client } of clients()) {
      const { data: message, response } = await client.messages
        .create({ model: 'claude-sonnet-4-5', max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello Claude' }] })
        .withResponse();
      assert.equal(message.type, 'message', name);
      assert.match((message.content[0] as { text: string }).text, /Hello Claude/, name);
      const row = await rowFor(response.headers.get('x-request-id'));
      assert.equal(row.provider, 'anthropic');
      assert.equal(row.promptTokens, message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0) + (message.usage.cache_creation_input_tokens ?? 0));
      assert.equal(row.completionTokens, message.usage.output_tokens);
      assert.equal(response.headers.get('x-tokens-completion'), String(message.usage.output_tokens));

      const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'Stream it' }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const final = await stream.finalMessage();
      assert.match(text, /Stream it/, name);
      assert.ok(final.usage.output_tokens > 0);

      const tooled = await client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 200,
        tools: [{ name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.parameters as never }],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      });
      assert.equal(tooled.stop_reason, 'tool_use', name);
      const use = tooled.content.find((block) => block.type === 'tool_use') as { id: string; name: string } | undefined;
      assert.equal(use?.name, 'get_weather');
      const answered = await client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 200,
        tools: [{ name: weatherTool.name, input_schema: weatherTool.parameters as never }],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: tooled.content as never },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: 'sunny, 21 °C' }] },
        ],
      });
      assert.match((answered.content[0] as { text: string }).text, /sunny, 21 °C/, name);
    }
  });

  test('a streamed message is metered from message_start and message_delta', async () => {
    const response = await fetch(`${gateway.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.adminKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Count me' }] }),
    });
    assert.equal(response.headers.get('content-type')?.startsWith('text/event-stream'), true);
    const text = await response.text();
    assert.match(text, /event: message_stop/);
    const row = await rowFor(response.headers.get('x-request-id'));
    assert.equal(row.stream, true);
    assert.ok(row.promptTokens > 0 && row.completionTokens > 0);
  });

  test('a stream the provider ends with its own error event: relayed once, metered as failed', async () => {
    const response = await fetch(`${gateway.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.adminKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'one two three four [sim:fault=stream-error:2]' }] }),
    });
    const text = await response.text();
    assert.equal(text.match(/event: error/g)?.length, 1, text);
    assert.doesNotMatch(text, /message_stop/);
    const row = await rowFor(response.headers.get('x-request-id'));
    assert.notEqual(row.errorCode, null);
  });

  test('count_tokens and an unknown anthropic-version pass through', async () => {
    const before = gateway.simulator.requests().length;
    const response = await fetch(`${gateway.url}/anthropic/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'anthropic-version': '2099-12-31', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'How many tokens?' }] }),
    });
    assert.equal(response.status, 200);
    assert.ok(((await response.json()) as { input_tokens: number }).input_tokens > 0);
    const upstream = gateway.simulator.requests().slice(before).at(-1)!;
    assert.equal(upstream.headers['anthropic-version'], '2099-12-31');
    assert.equal(upstream.headers['x-api-key'], testKeys.anthropic);
    assert.equal(upstream.headers.authorization, undefined, 'the gateway key never reaches the provider');
  });

  test('errors come in Anthropic’s envelope and classes', async () => {
    const client = clients()[0]!.client;
    const bad = new Anthropic({ apiKey: 'sy_0000000000000000000000000000000000000000', baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
    await assert.rejects(bad.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), Anthropic.AuthenticationError);
    await assert.rejects(
      client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: '[sim:fault=status:529]' }] }),
      (error: unknown) => error instanceof Anthropic.APIError && error.status === 529,
    );
  });
});

describe('Gemini under /google and /gemini', () => {
  test('generateContent, stream, function calling and embeddings with @google/genai', async () => {
    for (const prefix of ['/google', '/gemini']) {
      const ai = new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl: `${gateway.url}${prefix}` } });
      const reply = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello Gemini' });
      assert.match(reply.text ?? '', /Hello Gemini/, prefix);
      assert.ok((reply.usageMetadata?.promptTokenCount ?? 0) > 0);

      let streamed = '';
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Stream Gemini' })) {
        streamed += chunk.text ?? '';
      }
      assert.match(streamed, /Stream Gemini/);

      const called = await ai.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'Weather in Paris?',
        config: { tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: weatherTool.parameters }] }] },
      });
      assert.equal(called.functionCalls?.[0]?.name, 'get_weather');

      const embedded = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'embed me' });
      assert.ok((embedded.embeddings?.[0]?.values?.length ?? 0) > 0);
    }
    const rows = await gateway.store.requestLog.list({ limit: 20 });
    const streamed = rows.find((row) => row.provider === 'gemini' && row.stream);
    assert.ok(streamed && streamed.promptTokens > 0 && streamed.completionTokens > 0, 'the stream was metered from usageMetadata');
  });

  test('the /v1/ paths of the newer SDK line and a ?key= credential', async () => {
    const response = await fetch(`${gateway.url}/google/v1/models/gemini-2.5-flash:generateContent?key=${gateway.adminKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'v1 path' }] }] }),
    });
    assert.equal(response.status, 200);
    const upstream = gateway.simulator.requests().at(-1)!;
    assert.equal(upstream.path, '/v1/models/gemini-2.5-flash:generateContent');
    assert.ok(!upstream.query.includes('sy_'), 'the gateway key is not forwarded in the query');
    assert.equal(upstream.headers['x-goog-api-key'], testKeys.gemini);
  });

  test('errors in Google’s envelope', async () => {
    const response = await fetch(`${gateway.url}/google/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error: { code: number; status: string } };
    assert.equal(body.error.code, 401);
    assert.equal(body.error.status, 'UNAUTHENTICATED');
  });
});

describe('bring your own key on the pass-through', () => {
  test('anonymous BYOK: the provider key alone, exactly as a direct client would use it', async () => {
    const open = await startTestGateway({
      simulator: { keys: ['sk-brought-0123456789'] },
      config: { auth: { anonymousByok: { enabled: true } } },
    });
    try {
      const client = new OpenAI({ apiKey: 'sk-brought-0123456789', baseURL: `${open.url}/openai`, maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mine' }] });
      assert.match(completion.choices[0]!.message.content ?? '', /mine/);
      assert.equal(open.simulator.requests().at(-1)!.headers.authorization, 'Bearer sk-brought-0123456789');
      const refused = new OpenAI({ apiKey: 'sk-not-accepted', baseURL: `${open.url}/openai`, maxRetries: 0 });
      await assert.rejects(refused.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
      assert.ok(!open.logs.join('').includes('sk-brought-0123456789'));
    } finally {
      await open.close();
    }
  });

  test('a refused server credential is a 502 in the provider’s envelope', async () => {
    const broken = await startTestGateway({ simulator: { keys: ['only-this'] } });
    try {
      const response = await fetch(`${broken.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': broken.adminKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(response.status, 502);
      const body = (await response.json()) as { type: string; error: { type: string } };
      assert.equal(body.type, 'error');
      assert.ok(!JSON.stringify(body).includes(testKeys.anthropic));
    } finally {
      await broken.close();
    }
  });
});
