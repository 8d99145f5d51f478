// generateContent bodies → the neutral ChatRequest: contents and roles, tool-call ids and response pairing,
// generation config, tools and tool config, and the 400s that name the field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, Message } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { validate } from '../../../src/http/validate.js';
import { decodeGenerateContent } from '../../../src/surfaces/gemini/gemini-decode.js';
import { generateContentSchema } from '../../../src/surfaces/gemini/gemini-request-schemas.js';

function decode(body: unknown, reasons = false): ChatRequest {
  return decodeGenerateContent(validate(generateContentSchema, body), { upstreamModel: 'upstream-id', stream: false, reasons });
}

function rejects(body: unknown, param: string, message?: RegExp): void {
  assert.throws(
    () => decode(body),
    (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.status, 400);
      assert.equal(error.param, param);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

const user = (text: string) => ({ role: 'user', parts: [{ text }] });
const weather = { name: 'get_weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } };

describe('contents', () => {
  test('system instruction, roles and multi-turn text', () => {
    const request = decode({
      systemInstruction: { role: 'user', parts: [{ text: 'Be terse.' }, { text: 'Be kind.' }] },
      contents: [user('Hi'), { role: 'model', parts: [{ text: 'Hello' }] }, { parts: [{ text: 'Trains?' }] }],
    });
    assert.equal(request.model, 'upstream-id');
    assert.equal(request.stream, false);
    assert.deepEqual(request.messages, [
      { role: 'system', content: 'Be terse.\nBe kind.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'user', content: [{ type: 'text', text: 'Trains?' }] },
    ] satisfies Message[]);
  });

  test('inline images, audio and files, and file URIs', () => {
    const request = decode({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Look' },
            { inlineData: { mimeType: 'image/png', data: 'iVBO' } },
            { inlineData: { mimeType: 'audio/mpeg', data: 'SUQz' } },
            { inlineData: { mimeType: 'application/pdf', data: 'JVBE' } },
            { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/a.jpg' } },
            { fileData: { mimeType: 'application/pdf', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/x' } },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages[0], {
      role: 'user',
      content: [
        { type: 'text', text: 'Look' },
        { type: 'image', url: 'data:image/png;base64,iVBO' },
        { type: 'audio', data: 'SUQz', format: 'mp3' },
        { type: 'file', data: 'JVBE', mediaType: 'application/pdf' },
        { type: 'image', url: 'https://example.com/a.jpg' },
        { type: 'file', fileId: 'https://generativelanguage.googleapis.com/v1beta/files/x', mediaType: 'application/pdf' },
      ],
    });
  });

  test('thought summaries in a model turn become its reasoning; a turn of thoughts only is dropped', () => {
    const request = decode({
      contents: [
        user('Q1'),
        { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'A1', thoughtSignature: 'sig' }] },
        user('Q2'),
        { role: 'model', parts: [{ text: 'only thoughts', thought: true }] },
        user('Q3'),
      ],
    });
    assert.deepEqual(request.messages[1], { role: 'assistant', content: [{ type: 'text', text: 'A1' }], reasoning: 'thinking…' });
    assert.equal(request.messages.length, 4);
  });

  test('a function call without id gets a stable one; its response is paired by name', () => {
    const body = {
      contents: [
        user('Weather?'),
        { role: 'model', parts: [{ text: 'Checking.' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '18C' } } }, { text: 'And?' }] },
      ],
    };
    const request = decode(body);
    assert.deepEqual(request.messages.slice(1), [
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'Checking.' }],
        toolCalls: [{ id: 'call_1_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      },
      { role: 'tool', toolCallId: 'call_1_1', content: [{ type: 'text', text: '18C' }] },
      { role: 'user', content: [{ type: 'text', text: 'And?' }] },
    ] satisfies Message[]);
    assert.deepEqual(decode(body).messages, request.messages, 'the same history gets the same ids');
  });

  test('parallel calls of one function are answered in order; ids sent by the client are used', () => {
    const request = decode({
      contents: [
        user('Two cities'),
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
            { functionCall: { id: 'abc', name: 'get_time', args: {} } },
            { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { id: 'abc', name: 'get_time', response: { output: '14:05' } } },
            { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } },
            { functionResponse: { name: 'get_weather', response: { temperature: 21, unit: 'C' } } },
          ],
        },
      ],
    });
    const results = request.messages.filter((message) => message.role === 'tool');
    assert.deepEqual(
      results.map((message) => [message.toolCallId, message.content[0]!.text]),
      [
        ['abc', '14:05'],
        ['call_1_0', 'sunny'],
        ['call_1_2', '{"temperature":21,"unit":"C"}'],
      ],
    );
  });

  test('a response with no waiting call of its name is a 400 naming the part', () => {
    rejects(
      { contents: [user('Hi'), { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: {} } }] }] },
      'contents[1].parts[0].functionResponse.name',
      /get_weather/,
    );
    // Calls of an older model turn are not waiting any more.
    rejects(
      {
        contents: [
          user('Hi'),
          { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
          { role: 'model', parts: [{ text: 'done' }] },
          { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
        ],
      },
      'contents[4].parts[0].functionResponse.name',
    );
  });

  test('misplaced and unknown parts, bad types and missing contents are 400s naming the field', () => {
    rejects({ contents: [{ role: 'user', parts: [{ functionCall: { name: 'f' } }] }] }, 'contents[0].parts[0].functionCall');
    rejects({ contents: [{ role: 'model', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, 'contents[0].parts[0].functionResponse');
    rejects({ contents: [{ role: 'user', parts: [{ executableCode: { code: 'x' } }] }] }, 'contents[0].parts[0]', /Unsupported part/);
    rejects({ contents: [{ role: 'assistant', parts: [] }] }, 'contents[0].role');
    rejects({ contents: [{ role: 'user', parts: [{ text: 42 }] }] }, 'contents[0].parts[0].text');
    rejects({ contents: 'hello' }, 'contents');
    rejects({}, 'contents');
    rejects({ contents: [user('x')], systemInstruction: { parts: [{ inlineData: { mimeType: 'image/png', data: 'x' } }] } }, 'systemInstruction.parts[0]');
    rejects({ contents: [user('x')], generationConfig: { maxOutputTokens: '10' } }, 'generationConfig.maxOutputTokens');
  });

  test('unknown fields are tolerated', () => {
    const request = decode({
      contents: [{ role: 'user', parts: [{ text: 'hi', videoMetadata: {} }], extra: 1 }],
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      labels: { team: 'a' },
      generationConfig: { responseModalities: ['TEXT'], mediaResolution: 'MEDIA_RESOLUTION_LOW' },
    });
    assert.equal(request.messages.length, 1);
  });
});

describe('generation config', () => {
  test('sampling fields map one to one', () => {
    const request = decode({
      contents: [user('x')],
      generationConfig: {
        temperature: 0.3, topP: 0.9, topK: 40, maxOutputTokens: 100, stopSequences: ['END'], candidateCount: 2,
        seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5,
      },
    });
    assert.deepEqual(
      { ...request, messages: undefined },
      {
        model: 'upstream-id', messages: undefined, stream: false, temperature: 0.3, topP: 0.9, topK: 40, maxTokens: 100,
        stop: ['END'], n: 2, seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5,
      },
    );
  });

  test('JSON output: responseSchema converted, responseJsonSchema as it is, no schema = json_object', () => {
    const withSchema = decode({
      contents: [user('x')],
      generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { a: { type: 'INTEGER' } } } },
    });
    assert.deepEqual(withSchema.responseFormat, {
      type: 'json_schema', name: 'response', schema: { type: 'object', properties: { a: { type: 'integer' } } },
    });
    const jsonSchema = { type: 'object', properties: { b: { type: ['string', 'null'] } }, additionalProperties: false };
    const withJsonSchema = decode({ contents: [user('x')], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: jsonSchema } });
    assert.deepEqual(withJsonSchema.responseFormat, { type: 'json_schema', name: 'response', schema: jsonSchema });
    assert.deepEqual(decode({ contents: [user('x')], generationConfig: { responseMimeType: 'application/json' } }).responseFormat, { type: 'json_object' });
    assert.equal(decode({ contents: [user('x')], generationConfig: { responseMimeType: 'text/plain' } }).responseFormat, undefined);
    rejects({ contents: [user('x')], generationConfig: { responseMimeType: 'text/x.enum' } }, 'generationConfig.responseMimeType');
  });

  test('thinkingConfig becomes a reasoning effort for reasoning models only', () => {
    const effort = (thinkingConfig: object, reasons = true) =>
      decode({ contents: [user('x')], generationConfig: { thinkingConfig } }, reasons).reasoningEffort;
    assert.equal(effort({ thinkingLevel: 'HIGH' }), 'high');
    assert.equal(effort({ thinkingBudget: 0 }), 'none');
    assert.equal(effort({ thinkingBudget: 512 }), 'low');
    assert.equal(effort({ thinkingBudget: 8192 }), 'medium');
    assert.equal(effort({ thinkingBudget: 20000 }), 'high');
    assert.equal(effort({ thinkingBudget: -1 }), undefined);
    assert.equal(effort({ includeThoughts: true }), undefined);
    assert.equal(effort({ thinkingLevel: 'HIGH' }, false), undefined);
  });
});

describe('tools', () => {
  test('declarations: Gemini schemas converted, JSON schemas kept, no parameters = none', () => {
    const jsonSchema = { type: 'object', properties: { q: { type: 'string' } } };
    const request = decode({
      contents: [user('x')],
      tools: [
        { functionDeclarations: [{ ...weather, description: 'Weather' }] },
        { functionDeclarations: [{ name: 'search', parametersJsonSchema: jsonSchema }, { name: 'now' }] },
      ],
    });
    assert.deepEqual(request.tools, [
      { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      { name: 'search', parameters: jsonSchema },
      { name: 'now' },
    ]);
    assert.equal(request.toolChoice, undefined);
  });

  test('functionCallingConfig modes and allowed names', () => {
    const tools = [{ functionDeclarations: [weather, { name: 'get_time' }, { name: 'get_date' }] }];
    const choose = (functionCallingConfig: object) => {
      const request = decode({ contents: [user('x')], tools, toolConfig: { functionCallingConfig } });
      return { choice: request.toolChoice, names: request.tools?.map((tool) => tool.name) };
    };
    assert.deepEqual(choose({ mode: 'AUTO' }), { choice: 'auto', names: ['get_weather', 'get_time', 'get_date'] });
    assert.deepEqual(choose({ mode: 'VALIDATED' }).choice, 'auto');
    assert.deepEqual(choose({ mode: 'NONE' }).choice, 'none');
    assert.deepEqual(choose({ mode: 'ANY' }).choice, 'required');
    assert.deepEqual(choose({ mode: 'ANY', allowedFunctionNames: ['get_time'] }).choice, { name: 'get_time' });
    assert.deepEqual(choose({ mode: 'ANY', allowedFunctionNames: ['get_time', 'get_date'] }), { choice: 'required', names: ['get_time', 'get_date'] });
    rejects(
      { contents: [user('x')], tools, toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['nope'] } } },
      'toolConfig.functionCallingConfig.allowedFunctionNames[0]',
    );
    rejects({ contents: [user('x')], tools, toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }, 'toolConfig.functionCallingConfig.mode');
  });

  test('a built-in tool is refused by name; a tool config without tools is ignored', () => {
    rejects({ contents: [user('x')], tools: [{ googleSearch: {} }] }, 'tools[0].googleSearch', /built-in/);
    const request = decode({ contents: [user('x')], toolConfig: { functionCallingConfig: { mode: 'ANY' } } });
    assert.equal(request.tools, undefined);
    assert.equal(request.toolChoice, undefined);
  });
});
