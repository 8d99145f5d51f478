// The Gemini front door's failures, in Google's envelope: as @google/genai sees them (unknown model, bad key,
// upstream failures before and after the first byte) and as plain requests see them (bad input).
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startTestGateway, testKeys, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
let ai: GoogleGenAI;

before(async () => {
  gateway = await startTestGateway();
  ai = new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl: gateway.url } });
});
afterEach(() => gateway.simulator.reset());
after(async () => {
  await gateway.close();
});

const models = ['gemini-2.5-flash', 'gpt-4o-mini', 'claude-haiku-4-5', 'sim-chat'];

type GoogleError = { error: { code: number; message: string; status: string; details: Array<Record<string, any>> } };

/** ApiError's message is the JSON body (before a stream) or `got status: … {body}` (inside one). */
function envelopeOf(error: ApiError): GoogleError {
  return JSON.parse(error.message.slice(error.message.indexOf('{'))) as GoogleError;
}

async function logRow(requestId: string) {
  await gateway.store.requestLog.flush();
  return gateway.store.requestLog.get(requestId);
}

describe('errors the SDK sees', () => {
  test('an unknown model is an ApiError 404 NOT_FOUND', async () => {
    await assert.rejects(ai.models.generateContent({ model: 'no-such-model', contents: 'hi' }), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 404);
      const body = envelopeOf(error);
      assert.equal(body.error.status, 'NOT_FOUND');
      assert.equal(body.error.code, 404);
      assert.match(body.error.message, /no-such-model/);
      return true;
    });
  });

  test('a bad key is an ApiError 401 UNAUTHENTICATED, on both methods', async () => {
    const stranger = new GoogleGenAI({ apiKey: 'sy-not-a-real-key', httpOptions: { baseUrl: gateway.url } });
    for (const call of [
      () => stranger.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }),
      () => stranger.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' }),
    ]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.status, 401);
        assert.equal(envelopeOf(error).error.status, 'UNAUTHENTICATED');
        return true;
      });
    }
    assert.equal(gateway.simulator.stats().requests, 0, 'nothing reached a provider');
  });

  for (const model of models) {
    test(`${model}: a provider failure before the first byte keeps its meaning and is logged`, async () => {
      // A Gemini model's error is relayed as Google sent it; the others' are the gateway's (a provider's 500 is its 502).
      const relayed = model === 'gemini-2.5-flash';
      const cases = [
        { directive: '[sim:fault=status:503]', status: 503, rpc: 'UNAVAILABLE' },
        relayed
          ? { directive: '[sim:fault=status:500]', status: 500, rpc: 'INTERNAL' }
          : { directive: '[sim:fault=status:500]', status: 502, rpc: 'UNAVAILABLE' },
      ];
      for (const { directive, status, rpc } of cases) {
        for (const stream of [false, true]) {
          const request = { model, contents: `Hello ${directive}` };
          const call = stream ? ai.models.generateContentStream(request) : ai.models.generateContent(request);
          await assert.rejects(call, (error: unknown) => {
            assert.ok(error instanceof ApiError, String(error));
            assert.equal(error.status, status);
            const body = envelopeOf(error);
            assert.equal(body.error.status, rpc);
            assert.equal(body.error.code, status);
            return true;
          });
        }
      }
      // The request id of the last failure is in its envelope: its row carries the status.
      const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.adminKey },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello [sim:fault=status:503]' }] }] }),
      });
      const body = (await response.json()) as GoogleError;
      assert.equal(response.status, 503);
      const requestId = response.headers.get('x-request-id')!;
      if (relayed) assert.equal(body.error.message, 'The model is overloaded. Please try again later.', "the provider's message");
      else assert.equal(body.error.details[0]!.metadata.requestId, requestId);
      const row = await logRow(requestId);
      assert.equal(row?.status, 503);
      assert.equal(row?.model, model);
    });

    for (const fault of ['stream-error', 'cut-stream']) {
      test(`${model}: ${fault} after the first chunks ends the stream with an error chunk`, async () => {
        const stream = await ai.models.generateContentStream({
          model,
          contents: `Tell me a long story about a gateway that never fails [sim:fault=${fault}:2]`,
        });
        let text = '';
        let finish: string | undefined;
        let requestId: string | undefined;
        await assert.rejects(
          (async () => {
            for await (const chunk of stream) {
              text += chunk.text ?? '';
              finish = chunk.candidates?.[0]?.finishReason ?? finish;
              requestId = chunk.sdkHttpResponse?.headers?.['x-request-id'];
            }
          })(),
          (error: unknown) => {
            assert.ok(error instanceof ApiError, String(error));
            assert.ok(error.status >= 500, `status ${error.status}`);
            return true;
          },
        );
        assert.equal(text, 'Simulated answer', 'the chunks before the failure arrived');
        assert.equal(finish, undefined, 'no fake finishReason');
        assert.ok(requestId, 'the chunks carry the request id');
        const row = await logRow(requestId);
        assert.ok(row && row.status >= 500, `logged as failed: ${row?.status}`);
        assert.equal(row.stream, true);
      });
    }
  }
});

/** Exactly what @google/genai 3.x sends (it calls /v1 where 2.x calls /v1beta), checked against 2.32's request building. */
function sdkHeaders(key: string): Record<string, string> {
  const label = 'google-genai-sdk/3.0.0 gl-node/v22.12.0';
  return { 'content-type': 'application/json', 'x-goog-api-key': key, 'x-goog-api-client': label, 'user-agent': label };
}
const sdkBody = {
  contents: [
    { parts: [{ text: 'First question' }], role: 'user' },
    { parts: [{ text: 'First answer' }], role: 'model' },
    { parts: [{ text: 'Second question' }], role: 'user' },
  ],
  systemInstruction: { parts: [{ text: 'You are terse.' }], role: 'user' },
  generationConfig: { temperature: 0.5, maxOutputTokens: 100 },
};

describe('the /v1 paths of the 3.x SDK', () => {
  for (const model of models) {
    test(`${model}: /v1/models/{model}:generateContent`, async () => {
      const response = await fetch(`${gateway.url}/v1/models/${model}:generateContent`, {
        method: 'POST',
        headers: sdkHeaders(gateway.adminKey),
        body: JSON.stringify(sdkBody),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, any>;
      assert.match(body.candidates[0].content.parts[0].text, /Second question/);
      assert.equal(body.candidates[0].finishReason, 'STOP');
      assert.equal(body.modelVersion, model);
      assert.equal(body.usageMetadata.totalTokenCount, body.usageMetadata.promptTokenCount + body.usageMetadata.candidatesTokenCount);
      assert.equal(response.headers.get('x-tokens-prompt'), String(body.usageMetadata.promptTokenCount));
    });

    test(`${model}: /v1/models/{model}:streamGenerateContent?alt=sse`, async () => {
      const response = await fetch(`${gateway.url}/v1/models/${model}:streamGenerateContent?alt=sse`, {
        method: 'POST',
        headers: sdkHeaders(gateway.adminKey),
        body: JSON.stringify(sdkBody),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      const events = (await response.text()).split('\r\n\r\n').filter((event) => event !== '');
      const chunks = events.map((event) => {
        assert.ok(event.startsWith('data: '));
        return JSON.parse(event.slice('data: '.length)) as Record<string, any>;
      });
      const text = chunks.map((chunk) => chunk.candidates[0].content.parts.map((part: { text?: string }) => part.text ?? '').join('')).join('');
      assert.equal(text, 'Simulated answer to: Second question');
      assert.equal(chunks.at(-1)!.candidates[0].finishReason, 'STOP');
      assert.ok(chunks.at(-1)!.usageMetadata.promptTokenCount > 0);
      assert.ok(chunks.slice(0, -1).every((chunk) => chunk.candidates[0].finishReason === undefined));
    });
  }

  test('without alt=sse the stream is one JSON array, as Google sends it', async () => {
    const response = await fetch(`${gateway.url}/v1beta/models/claude-haiku-4-5:streamGenerateContent`, {
      method: 'POST',
      headers: sdkHeaders(gateway.adminKey),
      body: JSON.stringify(sdkBody),
    });
    assert.equal(response.headers.get('content-type'), 'application/json');
    const chunks = (await response.json()) as Array<Record<string, any>>;
    assert.ok(chunks.length > 2);
    assert.equal(chunks.at(-1)!.candidates[0].finishReason, 'STOP');
  });

  test('a stream carries the tracking headers as trailers', async () => {
    const { request } = await import('node:http');
    const url = new URL(`${gateway.url}/v1/models/gpt-4o-mini:streamGenerateContent?alt=sse`);
    const { trailers, text } = await new Promise<{ trailers: NodeJS.Dict<string>; text: string }>((resolve, reject) => {
      const outgoing = request(url, { method: 'POST', headers: sdkHeaders(gateway.adminKey) }, (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () => resolve({ trailers: incoming.trailers, text }));
        incoming.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify(sdkBody));
    });
    const last = JSON.parse(text.trim().split('\r\n\r\n').at(-1)!.slice('data: '.length)) as Record<string, any>;
    assert.equal(trailers['x-tokens-prompt'], String(last.usageMetadata.promptTokenCount));
    assert.equal(trailers['x-tokens-completion'], String(last.usageMetadata.candidatesTokenCount));
    assert.match(trailers['x-cost'] ?? '', /^\d+(\.\d+)?$/);
  });
});

describe("bad input, in Google's envelope", () => {
  async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
    const response = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.adminKey, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    assert.equal(response.headers.get('content-type'), 'application/json');
    const parsed = (await response.json()) as GoogleError;
    assert.deepEqual(Object.keys(parsed.error), ['code', 'message', 'status', 'details']);
    assert.equal(parsed.error.code, response.status);
    return { status: response.status, error: parsed.error };
  }

  const generate = '/v1beta/models/gemini-2.5-flash:generateContent';
  const streamSse = '/v1/models/gpt-4o-mini:streamGenerateContent?alt=sse';
  const valid = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

  for (const path of [generate, streamSse]) {
    test(`${path}: malformed JSON, a non-object, an empty body`, async () => {
      const malformed = await post(path, '{"contents": [');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.error.status, 'INVALID_ARGUMENT');
      assert.match(malformed.error.message, /not valid JSON/);
      assert.equal((await post(path, '[1]')).status, 400);
      assert.match((await post(path, '')).error.message, /empty/);
    });

    test(`${path}: wrong types and missing contents name the field`, async () => {
      const cases: Array<[object, string]> = [
        [{}, 'contents'],
        [{ contents: 'hi' }, 'contents'],
        [{ contents: [] }, 'contents'],
        [{ contents: [{ role: 'user', parts: [{ text: 7 }] }] }, 'contents[0].parts[0].text'],
        [{ ...valid, generationConfig: { temperature: 'hot' } }, 'generationConfig.temperature'],
        [{ ...valid, tools: [{ functionDeclarations: [{ description: 'no name' }] }] }, 'tools[0].functionDeclarations[0].name'],
      ];
      // Matching a function response to its call is part of translation: a Gemini model judges that itself.
      if (path !== generate) {
        cases.push([{ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, 'contents[0].parts[0].functionResponse.name']);
      }
      for (const [body, field] of cases) {
        const { status, error } = await post(path, body);
        assert.equal(status, 400, field);
        assert.equal(error.status, 'INVALID_ARGUMENT');
        assert.ok(error.message.includes(field), `${error.message} names ${field}`);
        assert.equal(error.details[0]!.metadata.field, field);
      }
    });
  }

  test('an oversized body is a 413', async () => {
    const { status, error } = await post(generate, { contents: [{ role: 'user', parts: [{ text: 'x'.repeat(1024 * 1024 + 1) }] }] });
    assert.equal(status, 413);
    assert.match(error.message, /larger than the limit/);
  });

  test('a body that is not JSON by its content type is a 415', async () => {
    const { status } = await post(generate, JSON.stringify(valid), { 'content-type': 'text/plain' });
    assert.equal(status, 415);
  });

  test('an unknown model is a 404 NOT_FOUND, on every method', async () => {
    for (const method of ['generateContent', 'streamGenerateContent?alt=sse', 'countTokens']) {
      const { status, error } = await post(`/v1beta/models/gpt-99:${method}`, valid);
      assert.equal(status, 404, method);
      assert.equal(error.status, 'NOT_FOUND');
      assert.match(error.message, /gpt-99/);
    }
  });

  test('an unknown method, or none, is a 404 naming the supported ones', async () => {
    for (const path of ['/v1beta/models/gemini-2.5-flash:predict', '/v1/models/gemini-2.5-flash']) {
      const { status, error } = await post(path, valid);
      assert.equal(status, 404);
      assert.equal(error.status, 'NOT_FOUND');
      assert.match(error.message, /generateContent, :streamGenerateContent, :countTokens, :embedContent, :batchEmbedContents/);
    }
  });

  test('no key at all is a 401', async () => {
    const response = await fetch(`${gateway.url}${generate}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(valid),
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as GoogleError).error.status, 'UNAUTHENTICATED');
  });

  test('a built-in tool and an unsupported response type are refused by name (a translated model)', async () => {
    const translated = '/v1beta/models/gpt-4o-mini:generateContent';
    const search = await post(translated, { ...valid, tools: [{ googleSearch: {} }] });
    assert.equal(search.status, 400);
    assert.equal(search.error.details[0]!.metadata.field, 'tools[0].googleSearch');
    const mime = await post(translated, { ...valid, generationConfig: { responseMimeType: 'text/x.enum' } });
    assert.equal(mime.status, 400);
    assert.equal(mime.error.details[0]!.metadata.field, 'generationConfig.responseMimeType');
    assert.equal(gateway.simulator.stats().requests, 0, 'nothing reached a provider');
  });

  test('a Gemini model receives the body as written: built-in tools, other response types, unknown fields', async () => {
    const sent = {
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
      ],
      tools: [{ googleSearch: {} }, { codeExecution: {} }],
      generationConfig: { responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING', enum: ['a', 'b'] }, someFutureKnob: 3 },
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      cachedContent: 'cachedContents/abc',
      aFieldNoOneKnows: { nested: [1, null] },
    };
    const response = await fetch(`${gateway.url}/v1beta/models/gemini/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.adminKey },
      body: JSON.stringify(sent),
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(((await response.json()) as { responseId: string }).responseId, /^sim/, "the provider's answer, relayed");
    const upstream = gateway.simulator.lastRequest();
    assert.equal(upstream?.family, 'gemini');
    // The provider-qualified name became the upstream id in the path; the body is untouched.
    assert.equal(upstream?.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.deepEqual(upstream?.body, sent);
    // The provider sees the gateway's credential, never the client's gateway key.
    assert.equal(upstream?.headers['x-goog-api-key'], testKeys.gemini);
  });
});
