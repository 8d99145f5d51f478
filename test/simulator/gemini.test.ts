import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import { GEMINI_HEADERS, dataObjects, post, postJson, postSse } from './helpers.js';

const WEATHER_TOOLS = [
  {
    functionDeclarations: [
      { name: 'get_weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } },
      { name: 'get_time', parameters: { type: 'OBJECT', properties: { zone: { type: 'STRING', enum: ['UTC', 'CET'] } } } },
    ],
  },
];

function userText(text: string): { role: string; parts: { text: string }[] }[] {
  return [{ role: 'user', parts: [{ text }] }];
}

describe('simulator: Gemini generateContent', () => {
  let sim: SimulatorHandle;
  let base: string;
  before(async () => {
    sim = await startSimulator();
    base = `${sim.url}/v1beta/models/gemini-2.5-flash`;
  });
  after(() => sim.close());

  it('answers with candidates, STOP and usageMetadata', async () => {
    const { status, json } = await postJson(
      `${base}:generateContent`,
      { systemInstruction: { parts: [{ text: 'Be terse.' }] }, contents: userText('What is 2+2?') },
      GEMINI_HEADERS,
    );
    assert.equal(status, 200);
    assert.deepEqual(json.candidates, [
      { content: { parts: [{ text: 'Simulated answer to: What is 2+2?' }], role: 'model' }, finishReason: 'STOP', index: 0 },
    ]);
    assert.equal(json.usageMetadata.promptTokenCount, 6);
    assert.equal(json.usageMetadata.candidatesTokenCount, 9);
    assert.equal(json.usageMetadata.totalTokenCount, 15);
    assert.equal(json.modelVersion, 'gemini-2.5-flash');
    assert.equal(typeof json.responseId, 'string');
  });

  it('counts thoughts apart from candidates, cached tokens inside the prompt', async () => {
    const text = 'abcd [sim:cached=100] [sim:reasoning=50]';
    const { json } = await postJson(`${base}:generateContent`, { contents: userText(text) }, GEMINI_HEADERS);
    const usage = json.usageMetadata;
    const visible = Math.ceil('Simulated answer to: abcd'.length / 4);
    assert.equal(usage.promptTokenCount, Math.ceil(text.length / 4) + 100);
    assert.equal(usage.cachedContentTokenCount, 100);
    assert.equal(usage.candidatesTokenCount, visible);
    assert.equal(usage.thoughtsTokenCount, 50);
    assert.equal(usage.totalTokenCount, usage.promptTokenCount + visible + 50);
  });

  it('cuts at maxOutputTokens with MAX_TOKENS and at stop sequences with STOP', async () => {
    const cut = await postJson(`${base}:generateContent`, { contents: userText('hi'), generationConfig: { maxOutputTokens: 3 } }, GEMINI_HEADERS);
    assert.equal(cut.json.candidates[0].content.parts[0].text, 'Simulated an');
    assert.equal(cut.json.candidates[0].finishReason, 'MAX_TOKENS');
    const stopped = await postJson(`${base}:generateContent`, { contents: userText('hi'), generationConfig: { stopSequences: [' to'] } }, GEMINI_HEADERS);
    assert.equal(stopped.json.candidates[0].content.parts[0].text, 'Simulated answer');
    assert.equal(stopped.json.candidates[0].finishReason, 'STOP');
  });

  it('calls functions without ids, whole args, finishReason STOP', async () => {
    const { json } = await postJson(`${base}:generateContent`, { contents: userText('Weather?'), tools: WEATHER_TOOLS }, GEMINI_HEADERS);
    assert.deepEqual(json.candidates[0].content.parts, [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }]);
    assert.equal(json.candidates[0].finishReason, 'STOP');
    const forced = await postJson(
      `${base}:generateContent`,
      {
        contents: userText('Time? [sim:parallel]'),
        tools: WEATHER_TOOLS,
        toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
      },
      GEMINI_HEADERS,
    );
    assert.deepEqual(forced.json.candidates[0].content.parts, [{ functionCall: { name: 'get_time', args: { zone: 'UTC' } } }]);
    const parallel = await postJson(`${base}:generateContent`, { contents: userText('all [sim:parallel]'), tools: WEATHER_TOOLS }, GEMINI_HEADERS);
    assert.equal(parallel.json.candidates[0].content.parts.length, 2);
    const none = await postJson(
      `${base}:generateContent`,
      { contents: userText('x'), tools: WEATHER_TOOLS, toolConfig: { functionCallingConfig: { mode: 'NONE' } } },
      GEMINI_HEADERS,
    );
    assert.equal(typeof none.json.candidates[0].content.parts[0].text, 'string');
  });

  it('quotes function responses', async () => {
    const { json } = await postJson(
      `${base}:generateContent`,
      {
        tools: WEATHER_TOOLS,
        contents: [
          { role: 'user', parts: [{ text: 'Weather?' }] },
          { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: '18C' } } }] },
        ],
      },
      GEMINI_HEADERS,
    );
    assert.equal(json.candidates[0].content.parts[0].text, 'Tool results: 18C');
  });

  it('answers JSON from responseSchema (OpenAPI types) and responseJsonSchema', async () => {
    const openapi = await postJson(
      `${base}:generateContent`,
      {
        contents: userText('x'),
        generationConfig: {
          responseMimeType: 'application/json',
          responseSchema: { type: 'OBJECT', properties: { ok: { type: 'BOOLEAN' }, n: { type: 'NUMBER' } }, required: ['ok', 'n'] },
        },
      },
      GEMINI_HEADERS,
    );
    assert.deepEqual(JSON.parse(openapi.json.candidates[0].content.parts[0].text), { ok: true, n: 1 });
    const plain = await postJson(
      `${base}:generateContent`,
      { contents: userText('x'), generationConfig: { responseMimeType: 'application/json' } },
      GEMINI_HEADERS,
    );
    assert.deepEqual(JSON.parse(plain.json.candidates[0].content.parts[0].text), { answer: 'Simulated answer to: x' });
  });

  it('counts images in inlineData parts', async () => {
    const { json } = await postJson(
      `${base}:generateContent`,
      { contents: [{ role: 'user', parts: [{ text: 'Look' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] }] },
      GEMINI_HEADERS,
    );
    assert.equal(json.candidates[0].content.parts[0].text, 'Simulated answer to: Look (1 image)');
  });

  it('streams data-only SSE with running usage and finishReason on the last chunk, no terminator', async () => {
    const { text, events } = await postSse(`${base}:streamGenerateContent?alt=sse`, { contents: userText('Hello there') }, GEMINI_HEADERS);
    assert.ok(events.every((event) => event.event === undefined));
    assert.ok(!text.includes('[DONE]'));
    assert.ok(text.endsWith('\r\n\r\n'));
    const chunks = dataObjects(events);
    assert.equal(chunks.length, 5);
    assert.equal(chunks.map((chunk) => chunk.candidates[0].content.parts[0].text).join(''), 'Simulated answer to: Hello there');
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.candidates[0].finishReason === undefined));
    assert.equal(chunks.at(-1)!.candidates[0].finishReason, 'STOP');
    const counts = chunks.map((chunk) => chunk.usageMetadata.candidatesTokenCount as number);
    assert.deepEqual([...counts].sort((a, b) => a - b), counts, 'running totals grow');
    assert.equal(counts.at(-1), Math.ceil('Simulated answer to: Hello there'.length / 4));
  });

  it('streams whole function calls, then a finishing chunk', async () => {
    const { events } = await postSse(`${base}:streamGenerateContent?alt=sse`, { contents: userText('Weather?'), tools: WEATHER_TOOLS }, GEMINI_HEADERS);
    const chunks = dataObjects(events);
    assert.deepEqual(chunks[0]!.candidates[0].content.parts, [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }]);
    assert.equal(chunks.at(-1)!.candidates[0].finishReason, 'STOP');
  });

  it('streams a JSON array without alt=sse', async () => {
    const response = await post(`${base}:streamGenerateContent`, { contents: userText('Hello') }, GEMINI_HEADERS);
    const array = (await response.json()) as Record<string, any>[];
    assert.ok(Array.isArray(array));
    assert.equal(array.map((chunk) => chunk.candidates[0].content.parts[0].text).join(''), 'Simulated answer to: Hello');
  });

  it('serves the same routes under /v1 and accepts ?key=', async () => {
    const { status, json } = await postJson(
      `${sim.url}/v1/models/gemini-2.5-flash:generateContent?key=test-key`,
      { contents: userText('hi') },
      { 'content-type': 'application/json' },
    );
    assert.equal(status, 200);
    assert.equal(json.candidates[0].content.parts[0].text, 'Simulated answer to: hi');
  });

  it('emits thought parts when includeThoughts is set', async () => {
    const { json } = await postJson(
      `${base}:generateContent`,
      { contents: userText('hi [sim:reasoning=5]'), generationConfig: { thinkingConfig: { includeThoughts: true } } },
      GEMINI_HEADERS,
    );
    assert.equal(json.candidates[0].content.parts[0].thought, true);
    assert.equal(json.usageMetadata.thoughtsTokenCount, 5);
  });

  it('refuses a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID', async () => {
    const candidates: Record<string, string>[] = [{ 'content-type': 'application/json', 'x-goog-api-key': 'bad' }, { 'content-type': 'application/json' }];
    for (const headers of candidates) {
      const { status, json } = await postJson(`${base}:generateContent`, { contents: userText('x') }, headers);
      assert.equal(status, 400);
      assert.equal(json.error.code, 400);
      assert.equal(json.error.status, 'INVALID_ARGUMENT');
      assert.equal(json.error.details[0].reason, 'API_KEY_INVALID');
    }
  });

  it('answers 400 to malformed JSON and missing contents, 404 to missing models', async () => {
    const malformed = await postJson(`${base}:generateContent`, '{"contents":', GEMINI_HEADERS);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.status, 'INVALID_ARGUMENT');
    const empty = await postJson(`${base}:generateContent`, {}, GEMINI_HEADERS);
    assert.equal(empty.status, 400);
    const missing = await postJson(`${sim.url}/v1beta/models/missing-gemini:generateContent`, { contents: userText('x') }, GEMINI_HEADERS);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.status, 'NOT_FOUND');
  });
});

describe('simulator: Gemini embeddings, tokens and models', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  it('embeds one content and a batch, deterministically', async () => {
    const single = await postJson(
      `${sim.url}/v1beta/models/text-embedding-004:embedContent`,
      { content: { parts: [{ text: 'alpha' }] } },
      GEMINI_HEADERS,
    );
    assert.equal(single.json.embedding.values.length, 768);
    const batch = await postJson(
      `${sim.url}/v1beta/models/gemini-embedding-001:batchEmbedContents`,
      {
        requests: [
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 768 },
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'beta' }] }, outputDimensionality: 16 },
        ],
      },
      GEMINI_HEADERS,
    );
    assert.equal(batch.json.embeddings.length, 2);
    assert.deepEqual(batch.json.embeddings[0].values, single.json.embedding.values);
    assert.equal(batch.json.embeddings[1].values.length, 16);
  });

  it('counts tokens for contents and for a generateContentRequest', async () => {
    const url = `${sim.url}/v1beta/models/gemini-2.5-flash:countTokens`;
    const direct = await postJson(url, { contents: userText('abcdefgh') }, GEMINI_HEADERS);
    assert.equal(direct.json.totalTokens, 2);
    const wrapped = await postJson(url, { generateContentRequest: { model: 'models/gemini-2.5-flash', contents: userText('abcdefgh') } }, GEMINI_HEADERS);
    assert.equal(wrapped.json.totalTokens, 2);
  });

  it('lists models under /v1beta and, with a Gemini key, under /v1', async () => {
    const beta = (await (await fetch(`${sim.url}/v1beta/models`, { headers: GEMINI_HEADERS })).json()) as Record<string, any>;
    assert.ok(beta.models.some((model: { name: string }) => model.name === 'models/gemini-2.5-flash'));
    const v1 = (await (await fetch(`${sim.url}/v1/models?key=test-key`)).json()) as Record<string, any>;
    assert.deepEqual(v1, beta);
    const one = (await (await fetch(`${sim.url}/v1beta/models/gemini-2.5-pro`, { headers: GEMINI_HEADERS })).json()) as Record<string, any>;
    assert.equal(one.name, 'models/gemini-2.5-pro');
    assert.equal(sim.stats().byRoute['gemini.models'], 3);
  });
});
