// The official @google/genai SDK pointed at the gateway, served by a Gemini, an OpenAI, an Anthropic and the
// sim model: each request translated to the model's provider (checked on what the simulator received) and
// each answer translated back, except for the Gemini model, which gets the request and answers as written;
// every call metered and logged.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FunctionCallingConfigMode, GoogleGenAI, Type, type Content, type FunctionDeclaration } from '@google/genai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Dialect = 'openai' | 'anthropic' | 'gemini';

const families: Array<{ model: string; provider: string; dialect: Dialect }> = [
  { model: 'gemini-2.5-flash', provider: 'gemini', dialect: 'gemini' },
  { model: 'gpt-4o-mini', provider: 'openai', dialect: 'openai' },
  // Provider-qualified: the model's `/` travels inside the path segment.
  { model: 'anthropic/claude-haiku-4-5', provider: 'anthropic', dialect: 'anthropic' },
  { model: 'sim-chat', provider: 'sim', dialect: 'openai' },
];

const getWeather: FunctionDeclaration = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] },
};
const getTime: FunctionDeclaration = {
  name: 'get_time',
  description: 'Local time in a city',
  parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

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

type Body = Record<string, any>;

function upstreamBody(): Body {
  const recorded = gateway.simulator.lastRequest();
  assert.ok(recorded, 'the simulator received a request');
  return recorded.body as Body;
}

/** The system text and the turn roles of the request the provider received, in a dialect-neutral shape. */
function upstreamConversation(dialect: Dialect, body: Body): { system: string; roles: string[] } {
  if (dialect === 'openai') {
    const messages = body.messages as Body[];
    return {
      system: messages.filter((message) => message.role === 'system').map((message) => message.content).join('\n'),
      roles: messages.filter((message) => message.role !== 'system').map((message) => message.role),
    };
  }
  if (dialect === 'anthropic') {
    const system = typeof body.system === 'string' ? body.system : (body.system as Body[]).map((block) => block.text).join('\n');
    return { system, roles: (body.messages as Body[]).map((message) => message.role) };
  }
  return {
    system: (body.systemInstruction.parts as Body[]).map((part) => part.text).join('\n'),
    roles: (body.contents as Body[]).map((content) => (content.role === 'model' ? 'assistant' : content.role)),
  };
}

/** The tool results the provider received, as [call id or name, result text] in order. */
function upstreamToolResults(dialect: Dialect, body: Body): string[] {
  if (dialect === 'openai') {
    const messages = body.messages as Body[];
    const callIds = messages.flatMap((message) => (message.tool_calls ?? []).map((call: Body) => call.id));
    return messages
      .filter((message) => message.role === 'tool')
      .map((message) => {
        assert.ok(callIds.includes(message.tool_call_id), 'each result answers a call of the history');
        return message.content as string;
      });
  }
  if (dialect === 'anthropic') {
    const blocks = (body.messages as Body[]).flatMap((message) => (Array.isArray(message.content) ? message.content : []));
    const callIds = blocks.filter((block) => block.type === 'tool_use').map((block) => block.id);
    return blocks
      .filter((block) => block.type === 'tool_result')
      .map((block) => {
        assert.ok(callIds.includes(block.tool_use_id), 'each result answers a call of the history');
        return typeof block.content === 'string' ? block.content : block.content.map((part: Body) => part.text).join('');
      });
  }
  // A Gemini model receives the client's functionResponse parts unchanged: `response` is still `{output}`.
  return (body.contents as Body[])
    .flatMap((content) => content.parts as Body[])
    .filter((part) => part.functionResponse)
    .map((part) => part.functionResponse.response.output as string);
}

async function logRow(requestId: string) {
  await gateway.store.requestLog.flush();
  return gateway.store.requestLog.get(requestId);
}

for (const family of families) {
  describe(`@google/genai → ${family.model}`, () => {
    test('generateContent with a system instruction and a multi-turn history', async () => {
      const response = await ai.models.generateContent({
        model: family.model,
        contents: [
          { role: 'user', parts: [{ text: 'First question' }] },
          { role: 'model', parts: [{ text: 'First answer' }] },
          { role: 'user', parts: [{ text: 'Second question about trains' }] },
        ],
        config: { systemInstruction: 'You are terse.', temperature: 0.3, maxOutputTokens: 200 },
      });
      assert.match(response.text ?? '', /Second question about trains/);
      const candidate = response.candidates?.[0];
      assert.equal(candidate?.finishReason, 'STOP');
      assert.equal(candidate?.content?.role, 'model');
      assert.equal(response.modelVersion, family.model);
      const usage = response.usageMetadata!;
      assert.ok(usage.promptTokenCount! > 0 && usage.candidatesTokenCount! > 0);
      assert.equal(usage.totalTokenCount, usage.promptTokenCount! + usage.candidatesTokenCount!);

      const headers = response.sdkHttpResponse?.headers ?? {};
      assert.equal(headers['x-provider'], family.provider);
      assert.equal(headers['x-tokens-prompt'], String(usage.promptTokenCount));
      assert.equal(headers['x-tokens-completion'], String(usage.candidatesTokenCount));
      assert.match(headers['x-cost'] ?? '', /^\d+(\.\d+)?$/);
      const requestId = headers['x-request-id']!;
      if (family.dialect === 'gemini') assert.match(response.responseId ?? '', /^sim/, "a Gemini model's own responseId, relayed");
      else assert.equal(response.responseId, requestId);

      const sent = upstreamBody();
      assert.deepEqual(upstreamConversation(family.dialect, sent), {
        system: 'You are terse.',
        roles: ['user', 'assistant', 'user'],
      });
      const temperature = family.dialect === 'gemini' ? sent.generationConfig.temperature : sent.temperature;
      assert.equal(temperature, 0.3);
      if (family.dialect === 'gemini') {
        // The SDK's own body, not a translation (which would drop the system instruction's role).
        assert.deepEqual(sent.systemInstruction, { parts: [{ text: 'You are terse.' }], role: 'user' });
        assert.deepEqual(sent.generationConfig, { temperature: 0.3, maxOutputTokens: 200 });
      }

      const row = await logRow(requestId);
      assert.ok(row, 'a request-log row exists');
      assert.equal(row.status, 200);
      assert.equal(row.endpoint, 'chat');
      assert.equal(row.model, family.model);
      assert.equal(row.provider, family.provider);
      assert.equal(row.stream, false);
      assert.equal(row.promptTokens, usage.promptTokenCount);
      assert.equal(row.completionTokens, usage.candidatesTokenCount);
    });

    test('generateContentStream: text chunks, then finishReason and usage on the last', async () => {
      const stream = await ai.models.generateContentStream({
        model: family.model,
        contents: 'Stream a few words please',
      });
      let text = '';
      let chunks = 0;
      let last: Awaited<ReturnType<typeof stream.next>>['value'];
      const responseIds = new Set<string | undefined>();
      for await (const chunk of stream) {
        chunks++;
        text += chunk.text ?? '';
        last = chunk;
        responseIds.add(chunk.responseId);
      }
      const requestId = last?.sdkHttpResponse?.headers?.['x-request-id'];
      assert.ok(requestId, 'the stream carries the request id');
      // One responseId for the whole stream: a Gemini model's own, else the gateway's request id.
      assert.deepEqual([...responseIds], [family.dialect === 'gemini' ? last?.responseId : requestId]);
      if (family.dialect === 'gemini') assert.match(last?.responseId ?? '', /^sim/);
      assert.ok(chunks > 2, `expected several chunks, got ${chunks}`);
      assert.equal(text, 'Simulated answer to: Stream a few words please');
      assert.equal(last?.candidates?.[0]?.finishReason, 'STOP');
      const usage = last?.usageMetadata;
      assert.ok(usage && usage.promptTokenCount! > 0 && usage.candidatesTokenCount! > 0);

      const row = await logRow(requestId);
      assert.equal(row?.status, 200);
      assert.equal(row?.stream, true);
      assert.equal(row?.promptTokens, usage.promptTokenCount);
      assert.equal(row?.completionTokens, usage.candidatesTokenCount);
    });

    test('function calling: a call, then its response, then an answer from the result', async () => {
      const tools = [{ functionDeclarations: [getWeather] }];
      const question: Content = { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] };
      const first = await ai.models.generateContent({ model: family.model, contents: [question], config: { tools } });
      assert.equal(first.candidates?.[0]?.finishReason, 'STOP');
      const call = first.functionCalls?.[0];
      assert.equal(call?.name, 'get_weather');
      assert.deepEqual(call?.args, { city: 'Paris' });

      const sentTools = upstreamBody().tools as Body[];
      if (family.dialect === 'gemini') {
        // A Gemini model gets the declaration as the client wrote it, in Gemini's schema dialect.
        assert.deepEqual(sentTools, [{ functionDeclarations: [getWeather] }]);
      } else {
        const schema = family.dialect === 'openai' ? sentTools[0]!.function.parameters : sentTools[0]!.input_schema;
        assert.deepEqual(schema, { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, 'OBJECT/STRING became JSON Schema');
      }

      // The client replays the model's turn as it came, and answers by name.
      const second = await ai.models.generateContent({
        model: family.model,
        contents: [
          question,
          first.candidates![0]!.content!,
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '18C and sunny' } } }] },
        ],
        config: { tools },
      });
      assert.equal(second.candidates?.[0]?.finishReason, 'STOP');
      assert.match(second.text ?? '', /18C and sunny/);
      assert.deepEqual(upstreamToolResults(family.dialect, upstreamBody()), ['18C and sunny']);
    });

    test('parallel function calls, streamed whole, answered by name without ids', async () => {
      const tools = [{ functionDeclarations: [getWeather, getTime] }];
      const question: Content = { role: 'user', parts: [{ text: 'Weather and time in Paris [sim:parallel]' }] };
      const stream = await ai.models.generateContentStream({ model: family.model, contents: [question], config: { tools } });
      const calls: Array<{ name?: string; args?: Record<string, unknown> }> = [];
      let finish: string | undefined;
      for await (const chunk of stream) {
        calls.push(...(chunk.functionCalls ?? []));
        finish = chunk.candidates?.[0]?.finishReason ?? finish;
      }
      assert.equal(finish, 'STOP');
      assert.deepEqual(calls.map((call) => [call.name, call.args]), [
        ['get_weather', { city: 'Paris' }],
        ['get_time', { city: 'Paris' }],
      ]);

      // A 2.x-style client that keeps only names: a Gemini model pairs them by name itself; for the others the
      // gateway pairs the responses with the calls.
      const answer = await ai.models.generateContent({
        model: family.model,
        contents: [
          question,
          { role: 'model', parts: calls.map((call) => ({ functionCall: { name: call.name!, args: call.args! } })) },
          {
            role: 'user',
            parts: [
              { functionResponse: { name: 'get_weather', response: { output: '18C' } } },
              { functionResponse: { name: 'get_time', response: { output: '14:05' } } },
            ],
          },
        ],
        config: { tools },
      });
      assert.match(answer.text ?? '', /18C/);
      assert.match(answer.text ?? '', /14:05/);
      assert.deepEqual(upstreamToolResults(family.dialect, upstreamBody()), ['18C', '14:05']);
    });

    test('a forced function (ANY with one allowed name)', async () => {
      const response = await ai.models.generateContent({
        model: family.model,
        contents: 'Tell me the time in Paris',
        config: {
          tools: [{ functionDeclarations: [getWeather, getTime] }],
          toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_time'] } },
        },
      });
      assert.equal(response.functionCalls?.[0]?.name, 'get_time');
    });

    test('JSON output with a Gemini responseSchema', async () => {
      const response = await ai.models.generateContent({
        model: family.model,
        contents: 'Describe a city as JSON',
        config: {
          responseMimeType: 'application/json',
          responseSchema: {
            type: Type.OBJECT,
            properties: { city: { type: Type.STRING }, population: { type: Type.INTEGER } },
            required: ['city', 'population'],
          },
        },
      });
      const parsed = JSON.parse(response.text ?? '') as Record<string, unknown>;
      assert.equal(typeof parsed.city, 'string');
      assert.equal(typeof parsed.population, 'number');
    });

    test('an inline image reaches the provider', async () => {
      const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
      const response = await ai.models.generateContent({
        model: family.model,
        contents: [{ role: 'user', parts: [{ text: 'What is in this picture?' }, { inlineData: { mimeType: 'image/png', data: pixel } }] }],
      });
      assert.match(response.text ?? '', /1 image/);
    });

    test('countTokens answers an estimate that grows with the input', async () => {
      const short = await ai.models.countTokens({ model: family.model, contents: 'hello' });
      const long = await ai.models.countTokens({ model: family.model, contents: 'hello '.repeat(100) });
      assert.equal(short.totalTokens, 2);
      assert.equal(long.totalTokens, 150);
    });
  });
}

describe('embeddings', () => {
  for (const model of ['gemini-embedding-001', 'text-embedding-3-small', 'sim-embed']) {
    test(`embedContent with ${model}, one or several texts`, async () => {
      const response = await ai.models.embedContent({ model, contents: ['first text', 'second text'], config: { outputDimensionality: 8 } });
      assert.equal(response.embeddings?.length, 2);
      for (const embedding of response.embeddings ?? []) assert.equal(embedding.values?.length, 8);
      assert.notDeepEqual(response.embeddings?.[0]?.values, response.embeddings?.[1]?.values);
    });
  }

  test('a single embedContent request gets one embedding', async () => {
    const response = await fetch(`${gateway.url}/v1beta/models/text-embedding-3-small:embedContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.adminKey },
      body: JSON.stringify({ content: { parts: [{ text: 'hello' }] } }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { embedding: { values: number[] } };
    assert.equal(body.embedding.values.length, 1536);
  });

  test('a chat model cannot embed', async () => {
    await assert.rejects(ai.models.embedContent({ model: 'gpt-4o-mini', contents: 'x' }), (error: unknown) => {
      assert.equal((error as { status?: number }).status, 400);
      return true;
    });
  });
});
