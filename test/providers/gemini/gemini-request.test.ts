// The exact bodies, paths and headers the Gemini adapter sends for representative requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, Message } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { callContext } from '../adapter-calls.js';
import { fixture, json, sse, sseFromLines, startGemini, type GeminiHarness } from './gemini-test-server.js';

let gemini: GeminiHarness;

before(async () => {
  gemini = await startGemini({ headers: { 'x-static': 'from-config' } });
});
after(() => gemini.close());

function chatRequest(messages: Message[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'gemini-2.5-flash', stream: false, messages, ...extra };
}

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

/** Sends the request and returns the body Gemini received. */
async function sent(request: ChatRequest): Promise<unknown> {
  gemini.reply(json(200, fixture('google-text.json')));
  const before = gemini.requests.length;
  await gemini.adapter.chat(request, callContext());
  assert.equal(gemini.requests.length, before + 1);
  return gemini.requests.at(-1)!.body;
}

test('system messages become systemInstruction; every mapped generation option is sent; dropped ones are not', async () => {
  gemini.reply(json(200, fixture('google-text.json')));
  await gemini.adapter.chat(
    chatRequest(
      [
        { role: 'system', content: 'You are terse.' },
        user('Hi'),
        { role: 'system', content: 'Answer in French.' },
        { role: 'system', content: '' },
      ],
      {
        maxTokens: 100,
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        stop: ['END', 'STOP'],
        n: 2,
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        logprobs: true,
        topLogprobs: 3,
        logitBias: { '50256': -100 },
        user: 'user-1',
        parallelToolCalls: false,
      },
    ),
    callContext(undefined, { 'x-per-call': 'yes' }),
  );
  const captured = gemini.requests.at(-1)!;
  assert.equal(captured.method, 'POST');
  assert.equal(captured.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal(captured.headers['x-goog-api-key'], 'test-key');
  assert.equal(captured.headers['content-type'], 'application/json');
  assert.equal(captured.headers['x-static'], 'from-config');
  assert.equal(captured.headers['x-per-call'], 'yes');
  assert.deepEqual(captured.body, {
    systemInstruction: { parts: [{ text: 'You are terse.' }, { text: 'Answer in French.' }] },
    contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
    generationConfig: {
      maxOutputTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END', 'STOP'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      responseLogprobs: true,
      logprobs: 3,
    },
  });
});

const toolConversation: Message[] = [
  user('Weather in Paris, time in Tokyo?'),
  {
    role: 'assistant',
    content: [{ type: 'text', text: 'Checking.' }],
    toolCalls: [
      { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_b', name: 'get_time', arguments: '{"city":"Tokyo"}' },
    ],
  },
  // Answered out of order: Gemini gets them in call order.
  { role: 'tool', toolCallId: 'call_b', content: [{ type: 'text', text: 'noon' }] },
  { role: 'tool', toolCallId: 'call_a', content: [{ type: 'text', text: '18C' }] },
  user('Thanks. Now ping.'),
  { role: 'assistant', content: [{ type: 'text', text: '' }], toolCalls: [{ id: 'call_c', name: 'ping', arguments: '' }] },
  { role: 'tool', toolCallId: 'call_c', content: [{ type: 'text', text: 'po' }, { type: 'text', text: 'ng' }] },
];

test('multi-turn with parallel tool results: one user turn, call order, names recovered, same-role turns merged', async () => {
  assert.deepEqual(await sent(chatRequest(toolConversation)), {
    contents: [
      { role: 'user', parts: [{ text: 'Weather in Paris, time in Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: { city: 'Tokyo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { content: '18C' } } },
          { functionResponse: { name: 'get_time', response: { content: 'noon' } } },
          { text: 'Thanks. Now ping.' },
        ],
      },
      { role: 'model', parts: [{ functionCall: { name: 'ping', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'ping', response: { content: 'pong' } } }] },
    ],
  });
});

test('Gemini 3 models get the documented skip sentinel on replayed function calls', async () => {
  const body = (await sent(chatRequest(toolConversation.slice(0, 4), { model: 'gemini-3-pro-preview' }))) as {
    contents: Array<{ parts: unknown[] }>;
  };
  assert.deepEqual(body.contents[1]!.parts.slice(1), [
    { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'skip_thought_signature_validator' },
    { functionCall: { name: 'get_time', args: { city: 'Tokyo' } }, thoughtSignature: 'skip_thought_signature_validator' },
  ]);
});

test('images, audio and PDFs become inlineData / fileData; a media-only turn gets no extra text', async () => {
  const body = await sent(
    chatRequest([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'text', text: '' },
          { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
          { type: 'image', url: 'https://example.com/cats/tabby.PNG?size=large' },
          { type: 'image', url: 'https://example.com/photo' },
          { type: 'audio', data: 'UklGRg==', format: 'wav' },
          { type: 'file', data: 'JVBERi0xLjQ=', mediaType: 'application/pdf', filename: 'a.pdf' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'They differ.' }] },
      { role: 'user', content: [{ type: 'image', url: 'data:image/webp;base64,UklGRlAA' }] },
    ]),
  );
  assert.deepEqual(body, {
    contents: [
      {
        role: 'user',
        parts: [
          { text: 'Compare these.' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cats/tabby.PNG?size=large' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/photo' } },
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQ=' } },
        ],
      },
      { role: 'model', parts: [{ text: 'They differ.' }] },
      { role: 'user', parts: [{ inlineData: { mimeType: 'image/webp', data: 'UklGRlAA' } }] },
    ],
  });
});

const tools: ChatRequest['tools'] = [
  {
    name: 'get_weather',
    description: 'Current weather',
    strict: true,
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' }, unit: { type: ['string', 'null'], enum: ['C', 'F', null] } },
      required: ['city'],
      additionalProperties: false,
    },
  },
  { name: 'ping', parameters: { type: 'object', properties: {}, additionalProperties: false } },
  { name: 'now', description: 'No parameters at all' },
];

test('tools become one functionDeclarations entry; empty object schemas are omitted; tool_choice maps to modes', async () => {
  const expectedTools = [
    {
      functionDeclarations: [
        {
          name: 'get_weather',
          description: 'Current weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', nullable: true, enum: ['C', 'F', null] } },
            required: ['city'],
          },
        },
        { name: 'ping' },
        { name: 'now', description: 'No parameters at all' },
      ],
    },
  ];
  assert.deepEqual(await sent(chatRequest([user('Hi')], { tools })), {
    contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
    tools: expectedTools,
  });
  const choices: Array<[ChatRequest['toolChoice'], unknown]> = [
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ name: 'get_weather' }, { mode: 'ANY', allowedFunctionNames: ['get_weather'] }],
  ];
  for (const [toolChoice, functionCallingConfig] of choices) {
    const body = (await sent(chatRequest([user('Hi')], { tools, toolChoice }))) as Record<string, unknown>;
    assert.deepEqual(body.toolConfig, { functionCallingConfig }, JSON.stringify(toolChoice));
    assert.deepEqual(body.tools, expectedTools);
  }
});

test('json_schema sends responseMimeType and the converted responseSchema; json_object only the mime type', async () => {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      age: { type: ['integer', 'null'] },
      kind: { const: 'person' },
      email: { type: 'string', format: 'email' },
      born: { type: 'string', format: 'date-time' },
      address: { $ref: '#/$defs/address' },
      nickname: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'optional' },
    },
    required: ['name', 'kind'],
    additionalProperties: false,
    $defs: {
      address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    },
  };
  const body = await sent(
    chatRequest([user('Who?')], { responseFormat: { type: 'json_schema', name: 'person', strict: true, schema } }),
  );
  assert.deepEqual(body, {
    contents: [{ role: 'user', parts: [{ text: 'Who?' }] }],
    generationConfig: {
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1 },
          age: { type: 'integer', nullable: true },
          kind: { enum: ['person'] },
          email: { type: 'string' },
          born: { type: 'string', format: 'date-time' },
          address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          nickname: { type: 'string', nullable: true, description: 'optional' },
        },
        required: ['name', 'kind'],
      },
    },
  });
  const jsonObject = (await sent(chatRequest([user('Who?')], { responseFormat: { type: 'json_object' } }))) as Record<string, unknown>;
  assert.deepEqual(jsonObject.generationConfig, { responseMimeType: 'application/json' });
  const text = (await sent(chatRequest([user('Who?')], { responseFormat: { type: 'text' } }))) as Record<string, unknown>;
  assert.equal(text.generationConfig, undefined);
});

test('reasoning_effort becomes a thinking budget', async () => {
  const budgets: Array<[string, number]> = [
    ['none', 0],
    ['minimal', 0],
    ['low', 1024],
    ['medium', 8192],
    ['high', 24576],
  ];
  for (const [reasoningEffort, thinkingBudget] of budgets) {
    const body = (await sent(chatRequest([user('Think')], { reasoningEffort }))) as Record<string, unknown>;
    assert.deepEqual(body.generationConfig, { thinkingConfig: { thinkingBudget } }, reasoningEffort);
  }
});

test('model ids: the models/ prefix is optional, odd characters stay inside the path segment, streams ask for SSE', async () => {
  await sent(chatRequest([user('Hi')], { model: 'models/gemini-2.5-pro' }));
  assert.equal(gemini.requests.at(-1)!.path, '/v1beta/models/gemini-2.5-pro:generateContent');
  await sent(chatRequest([user('Hi')], { model: '../a/b?c#d' }));
  assert.equal(gemini.requests.at(-1)!.path, '/v1beta/models/..%2Fa%2Fb%3Fc%23d:generateContent');
  gemini.reply(sse(sseFromLines(fixture('google-text.chunks.txt'))));
  for await (const _part of await gemini.adapter.streamChat(chatRequest([user('Hi')], { stream: true }), callContext())) {
    // drain
  }
  assert.equal(gemini.requests.at(-1)!.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
});

async function rejectsBeforeSending(request: ChatRequest, param: string): Promise<void> {
  const count = gemini.requests.length;
  await assert.rejects(gemini.adapter.chat(request, callContext()), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.param, param);
    return true;
  });
  assert.equal(gemini.requests.length, count, 'nothing was sent upstream');
}

test('requests Gemini cannot take are refused with a 400 naming the field, before any upstream call', async () => {
  await rejectsBeforeSending(chatRequest([user('Hi')], { stop: ['1', '2', '3', '4', '5', '6'] }), 'stop');
  await rejectsBeforeSending(chatRequest([user('Hi')], { reasoningEffort: 'extreme' }), 'reasoning_effort');
  await rejectsBeforeSending(
    chatRequest([
      user('Hi'),
      { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'f', arguments: '{"a":' }] },
    ]),
    'messages[1].tool_calls[0].function.arguments',
  );
  await rejectsBeforeSending(
    chatRequest([user('Hi'), { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'f', arguments: '[1]' }] }]),
    'messages[1].tool_calls[0].function.arguments',
  );
  await rejectsBeforeSending(
    chatRequest([
      user('Hi'),
      { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c2', content: [{ type: 'text', text: 'x' }] },
    ]),
    'messages[2].tool_call_id',
  );
  await rejectsBeforeSending(
    chatRequest([{ role: 'user', content: [{ type: 'image', url: 'data:image/png,not-base64' }] }]),
    'messages[0].content[0].image_url',
  );
  await rejectsBeforeSending(chatRequest([{ role: 'user', content: [{ type: 'file', fileId: 'file-abc123' }] }]), 'messages[0].content[0].file');
});
