// Errors on the simple surface (/ai): every failure, before or during a stream, in the envelope
// {"error":{"code","message","retry_after"?,"status"}}, and bad input on every endpoint never a 500.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway();
});
afterEach(() => gateway.simulator.reset());
after(async () => {
  await gateway.close();
});

type ErrorBody = { error: { code: string; message: string; status: number; retry_after?: number; param?: string; request_id: string } };

async function send(method: string, path: string, body?: string | object, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}`, ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, response, text };
}

/** Sends a request that must fail and checks the envelope: code, message, status (equal to the HTTP status). */
async function fail(method: string, path: string, body?: string | object, headers: Record<string, string> = {}) {
  const { status, response, text } = await send(method, path, body, headers);
  assert.ok((status >= 400 && status < 500) || status === 502 || status === 503, `an error status, got ${status}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const parsed = JSON.parse(text) as ErrorBody;
  assert.equal(typeof parsed.error.code, 'string');
  assert.ok(parsed.error.code.length > 0);
  assert.equal(typeof parsed.error.message, 'string');
  assert.ok(parsed.error.message.length > 0);
  assert.equal(parsed.error.status, status, 'error.status is the HTTP status');
  assert.equal(parsed.error.request_id, response.headers.get('x-request-id'));
  return { status, error: parsed.error, response };
}

const hello = [{ role: 'user', content: 'Hello there' }];

/** The `data:` payloads of an SSE body, in order. */
async function streamEvents(body: object) {
  const { status, response, text } = await send('POST', '/ai/chat', { ...body, stream: true });
  assert.equal(status, 200, text);
  return {
    response,
    events: text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.slice('data: '.length))
      .map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as Record<string, unknown>))),
  };
}

describe('errors before the answer', () => {
  test('an unknown model is a 404 model_not_found on every model endpoint', async () => {
    for (const [path, body] of [
      ['/ai/chat', { model: 'made-up-model-9000', messages: hello }],
      ['/ai/generate', { model: 'made-up-model-9000', prompt: 'hi' }],
      ['/ai/embeddings', { model: 'made-up-model-9000', input: 'hi' }],
    ] as const) {
      const { status, error } = await fail('POST', path, body);
      assert.equal(status, 404, path);
      assert.equal(error.code, 'model_not_found');
      assert.equal(error.param, 'model');
    }
  });

  test('a bad gateway key is a 401', async () => {
    const { status, error, response } = await fail('POST', '/ai/chat', { model: 'gpt-4o-mini', messages: hello }, { authorization: 'Bearer sy-not-a-real-key' });
    assert.equal(status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.ok(response.headers.get('www-authenticate'));
  });

  test('no credential at all is a 401 on every route', async () => {
    for (const [method, path] of [['POST', '/ai/chat'], ['POST', '/ai/generate'], ['POST', '/ai/embeddings'], ['GET', '/ai/models']]) {
      const { status } = await fail(method!, path!, method === 'POST' ? {} : undefined, { authorization: '' });
      assert.equal(status, 401, path);
    }
  });

  test('a provider key the provider refuses is a 401 invalid_provider_key', async () => {
    const { status, error } = await fail('POST', '/ai/chat', { model: 'gpt-4o-mini', messages: hello }, { 'x-provider-key': 'bad-brought-key' });
    assert.equal(status, 401);
    assert.equal(error.code, 'invalid_provider_key');
  });

  test('a provider 429 is a 429 rate_limit_exceeded with retry_after and the Retry-After header', async () => {
    gateway.simulator.inject({ kind: 'status', status: 429, retryAfter: 60, family: 'openai' });
    const { status, error, response } = await fail('POST', '/ai/chat', { model: 'gpt-4o-mini', messages: hello });
    assert.equal(status, 429);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.retry_after, 60);
    assert.equal(response.headers.get('retry-after'), '60');
  });

  test('a Gemini 429 from a fault directive carries the RetryInfo delay as retry_after', async () => {
    const { status, error } = await fail('POST', '/ai/generate', { model: 'gemini-2.5-flash', prompt: 'hi [sim:fault=status:429]' });
    assert.equal(status, 429);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.retry_after, 1, "the simulator's default RetryInfo delay");
  });

  test('a 429 on a streamed request comes before the stream, as JSON', async () => {
    gateway.simulator.inject({ kind: 'status', status: 429, retryAfter: 5, family: 'anthropic' });
    const { status, error } = await fail('POST', '/ai/chat', { model: 'claude-haiku-4-5', messages: hello, stream: true });
    assert.equal(status, 429);
    assert.equal(error.retry_after, 5);
  });

  test('a provider 503 keeps retry_after; a 500 is a 502 without it', async () => {
    gateway.simulator.inject({ kind: 'status', status: 503, retryAfter: 9, family: 'openai' });
    const overloaded = await fail('POST', '/ai/embeddings', { model: 'text-embedding-3-small', input: 'hi' });
    assert.equal(overloaded.status, 503);
    assert.equal(overloaded.error.retry_after, 9);
    gateway.simulator.inject({ kind: 'status', status: 500, family: 'openai' });
    const broken = await fail('POST', '/ai/chat', { model: 'gpt-4o-mini', messages: hello });
    assert.equal(broken.status, 502);
    assert.equal('retry_after' in broken.error, false);
    await gateway.store.requestLog.flush();
    const row = await gateway.store.requestLog.get(broken.response.headers.get('x-request-id')!);
    assert.equal(row?.status, 502, 'the failed call is metered');
  });
});

describe('a stream that breaks after its first byte', () => {
  const families = [
    { family: 'openai' as const, model: 'gpt-4o-mini' },
    { family: 'anthropic' as const, model: 'claude-haiku-4-5' },
    { family: 'gemini' as const, model: 'gemini-2.5-flash' },
  ];
  for (const { family, model } of families) {
    for (const kind of ['stream-error', 'cut-stream', 'malformed-chunk'] as const) {
      test(`${family}: ${kind} ends with an error event, no finish_reason and no [DONE]`, async () => {
        gateway.simulator.inject({ kind, afterChunks: 2, family });
        const { events, response } = await streamEvents({ model, messages: [{ role: 'user', content: 'Tell me a long story' }] });
        const last = events.at(-1) as { error?: ErrorBody['error'] };
        assert.ok(last.error, `the last event is an error: ${JSON.stringify(events)}`);
        assert.equal(typeof last.error.code, 'string');
        assert.equal(typeof last.error.message, 'string');
        assert.ok(last.error.status >= 500);
        assert.ok(!events.includes('[DONE]'));
        assert.ok(events.every((event) => typeof event === 'string' || !('finish_reason' in event)), 'no finish_reason');
        const text = events
          .slice(0, -1)
          .map((event) => ((event as { delta?: { content?: string } }).delta?.content ?? ''))
          .join('');
        assert.equal(text, 'Simulated answer', 'the pieces before the failure arrived');
        await gateway.store.requestLog.flush();
        const row = await gateway.store.requestLog.get(response.headers.get('x-request-id')!);
        assert.equal(row?.status, last.error.status, 'metered as failed');
        assert.equal(row?.errorCode, last.error.code);
      });
    }
  }
});

describe('a client that leaves mid-stream', () => {
  for (const model of ['gpt-4o-mini', 'gemini-2.5-flash']) {
    test(`${model}: the upstream call is closed and the call is logged as 499`, async () => {
      const slow = await startTestGateway({ simulator: { chunkDelayMs: 200 } });
      try {
        const controller = new AbortController();
        const response = await fetch(`${slow.url}/ai/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${slow.adminKey}` },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }], stream: true }),
          signal: controller.signal,
        });
        const requestId = response.headers.get('x-request-id')!;
        const reader = response.body!.getReader();
        let received = '';
        while (!received.includes('"content"')) {
          const { value, done } = await reader.read();
          assert.equal(done, false, 'the stream is still open');
          received += new TextDecoder().decode(value);
        }
        controller.abort();
        await reader.cancel().catch(() => undefined);
        const settled = async (check: () => Promise<boolean>) => {
          for (let attempt = 0; attempt < 100 && !(await check()); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
        };
        await settled(async () => {
          await slow.store.requestLog.flush();
          return (await slow.store.requestLog.get(requestId)) !== undefined;
        });
        const row = await slow.store.requestLog.get(requestId);
        assert.equal(row?.status, 499);
        assert.equal(row?.errorCode, 'client_closed');
        await settled(async () => slow.simulator.stats().abandoned > 0);
        assert.equal(slow.simulator.stats().abandoned, 1);
      } finally {
        await slow.close();
      }
    });
  }
});

const endpoints = [
  { path: '/ai/chat', valid: { model: 'gpt-4o-mini', messages: hello }, wrongType: { messages: 'hi' }, required: 'messages' },
  { path: '/ai/generate', valid: { model: 'gemini-2.5-flash', prompt: 'hi' }, wrongType: { prompt: ['hi'] }, required: 'prompt' },
  { path: '/ai/embeddings', valid: { model: 'text-embedding-3-small', input: 'hi' }, wrongType: { input: 42 }, required: 'input' },
];

for (const endpoint of endpoints) {
  describe(`bad input on POST ${endpoint.path}`, () => {
    test('the valid body works (the cases below differ from it in one thing)', async () => {
      const { status, text } = await send('POST', endpoint.path, endpoint.valid);
      assert.equal(status, 200, text);
    });

    test('malformed JSON is a 400 invalid_json', async () => {
      const { status, error } = await fail('POST', endpoint.path, '{"model": "gpt-4o-mini", "messages": [');
      assert.equal(status, 400);
      assert.equal(error.code, 'invalid_json');
      assert.match(error.message, /not valid JSON/);
    });

    test('a body that is not an object is a 400 invalid_json', async () => {
      const { status, error } = await fail('POST', endpoint.path, '[1,2,3]');
      assert.equal(status, 400);
      assert.equal(error.code, 'invalid_json');
    });

    test('an empty body is a 400', async () => {
      const { status, error } = await fail('POST', endpoint.path, '');
      assert.equal(status, 400);
      assert.match(error.message, /empty/);
    });

    test('a wrong type is a 400 naming the field', async () => {
      const { status, error } = await fail('POST', endpoint.path, { ...endpoint.valid, ...endpoint.wrongType });
      assert.equal(status, 400);
      assert.equal(error.code, 'invalid_value');
      assert.equal(error.param, endpoint.required);
      assert.match(error.message, new RegExp(endpoint.required));
    });

    test('a model that is not a string is a 400 naming model', async () => {
      const { status, error } = await fail('POST', endpoint.path, { ...endpoint.valid, model: 42 });
      assert.equal(status, 400);
      assert.equal(error.param, 'model');
    });

    test('a missing model is a 400 naming model', async () => {
      const { model: _model, ...rest } = endpoint.valid;
      const { status, error } = await fail('POST', endpoint.path, rest);
      assert.equal(status, 400);
      assert.equal(error.param, 'model');
    });

    test(`a missing ${endpoint.required} is a 400 naming it`, async () => {
      const { status, error } = await fail('POST', endpoint.path, { model: endpoint.valid.model });
      assert.equal(status, 400);
      assert.equal(error.param, endpoint.required);
    });

    test('an oversized body is a 413 request_too_large', async () => {
      const { status, error } = await fail('POST', endpoint.path, { ...endpoint.valid, padding: 'x'.repeat(1024 * 1024 + 10) });
      assert.equal(status, 413);
      assert.equal(error.code, 'request_too_large');
      assert.match(error.message, /limit of 1048576 bytes/);
    });

    test('an unknown model is a 404', async () => {
      const { status, error } = await fail('POST', endpoint.path, { ...endpoint.valid, model: 'no-such-model' });
      assert.equal(status, 404);
      assert.equal(error.code, 'model_not_found');
    });

    test('a wrong content type is a 415', async () => {
      const { status } = await fail('POST', endpoint.path, JSON.stringify(endpoint.valid), { 'content-type': 'text/plain' });
      assert.equal(status, 415);
    });
  });
}

describe('bad parameters', () => {
  const chat = { model: 'gpt-4o-mini', messages: hello };
  const cases: Array<[string, string, object, string]> = [
    ['/ai/chat', 'an empty messages array', { messages: [] }, 'messages'],
    ['/ai/chat', 'an unknown role', { messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
    ['/ai/chat', 'a message without content', { messages: [{ role: 'user' }] }, 'messages[0].content'],
    ['/ai/chat', 'a tool message without tool_call_id', { messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    ['/ai/chat', 'an assistant message with neither content nor tool_calls', { messages: [...hello, { role: 'assistant', content: null }] }, 'messages[1].content'],
    ['/ai/chat', 'a temperature above 2', { temperature: 2.5 }, 'temperature'],
    ['/ai/chat', 'a negative temperature', { temperature: -0.1 }, 'temperature'],
    ['/ai/chat', 'a top_p above 1', { top_p: 1.5 }, 'top_p'],
    ['/ai/chat', 'a max_tokens of 0', { max_tokens: 0 }, 'max_tokens'],
    ['/ai/chat', 'a fractional max_tokens', { max_tokens: 1.5 }, 'max_tokens'],
    ['/ai/chat', 'temperature as a string', { temperature: '0.7' }, 'temperature'],
    ['/ai/chat', 'stream as a string', { stream: 'yes' }, 'stream'],
    ['/ai/chat', 'tools that are not an array', { tools: { type: 'function' } }, 'tools'],
    ['/ai/chat', 'a tool without a function name', { tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name'],
    ['/ai/chat', 'an unknown tool_choice', { tool_choice: 'always' }, 'tool_choice'],
    ['/ai/generate', 'an empty prompt', { model: 'gemini-2.5-flash', prompt: '' }, 'prompt'],
    ['/ai/generate', 'a top_p below 0', { model: 'gemini-2.5-flash', prompt: 'hi', top_p: -1 }, 'top_p'],
    ['/ai/embeddings', 'an empty input array', { model: 'text-embedding-3-small', input: [] }, 'input'],
    ['/ai/embeddings', 'a number in the input array', { model: 'text-embedding-3-small', input: ['a', 1] }, 'input'],
    ['/ai/embeddings', 'dimensions as a string', { model: 'text-embedding-3-small', input: 'a', dimensions: '256' }, 'dimensions'],
  ];
  for (const [path, name, patch, param] of cases) {
    test(`${path}: ${name} is a 400 naming ${param}`, async () => {
      const { status, error } = await fail('POST', path, { ...chat, ...patch });
      assert.equal(status, 400);
      assert.ok(error.param?.startsWith(param.split('[')[0]!), `param ${error.param} should name ${param}`);
      assert.match(error.message, new RegExp(param.split('[')[0]!));
    });
  }

  test('a tool result for a call that never happened is a 400 (translated providers check the history)', async () => {
    const { status, error } = await fail('POST', '/ai/chat', {
      model: 'gemini-2.5-flash',
      messages: [...hello, { role: 'tool', tool_call_id: 'call_nowhere', content: 'x' }],
    });
    assert.equal(status, 400);
    assert.match(error.message, /tool_call_id/);
  });

  test('null reads as "not given" for optional parameters', async () => {
    const { status, text } = await send('POST', '/ai/chat', { ...chat, temperature: null, max_tokens: null, top_p: null, stream: null });
    assert.equal(status, 200, text);
  });
});

describe('routes under /ai', () => {
  test('an unknown path is a 404 in this envelope', async () => {
    const { status, error } = await fail('POST', '/ai/nothing-here', {});
    assert.equal(status, 404);
    assert.equal(error.code, 'unknown_route');
  });

  test('a wrong method is a 405 naming the right one', async () => {
    const { status, error, response } = await fail('GET', '/ai/chat');
    assert.equal(status, 405);
    assert.equal(error.code, 'method_not_allowed');
    assert.equal(response.headers.get('allow'), 'POST');
    const models = await fail('DELETE', '/ai/models');
    assert.equal(models.status, 405);
    assert.equal(models.response.headers.get('allow'), 'GET');
  });
});
