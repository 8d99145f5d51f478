import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, Message } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { buildAnthropicRequest, defaultMaxTokens } from '../../../src/providers/anthropic/anthropic-request.js';

const base = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude-sonnet-4-5',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  stream: false,
  ...overrides,
});

const userText = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

function rejects(request: ChatRequest, param: string): void {
  assert.throws(
    () => buildAnthropicRequest(request),
    (error: unknown) => error instanceof GatewayError && error.code === 'invalid_request' && error.status === 400 && error.param === param,
  );
}

test('lifts system messages from any position into top-level system and merges same-role turns', () => {
  const { body } = buildAnthropicRequest(
    base({
      messages: [
        { role: 'system', content: 'You are terse.' },
        userText('Hello'),
        { role: 'system', content: 'Answer in French.' },
        userText('How are you?'),
      ],
    }),
  );
  assert.deepEqual(body, {
    model: 'claude-sonnet-4-5',
    max_tokens: defaultMaxTokens,
    system: 'You are terse.\n\nAnswer in French.',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'text', text: 'How are you?' },
        ],
      },
    ],
  });
});

test('puts tool results first in one user turn, followed by the user text, and tool calls after assistant text', () => {
  const { body } = buildAnthropicRequest(
    base({
      messages: [
        userText('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'Checking both.' }],
          toolCalls: [
            { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'call_2', name: 'get_weather', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: [{ type: 'text', text: '18C' }] },
        userText('Also, be brief.'),
        { role: 'tool', toolCallId: 'call_2', content: [] },
      ],
    }),
  );
  assert.deepEqual(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
        { type: 'tool_result', tool_use_id: 'call_2' },
        { type: 'text', text: 'Also, be brief.' },
      ],
    },
  ]);
});

test('refuses tool call arguments that are not a JSON object, naming the field', () => {
  const withArguments = (text: string) =>
    base({
      messages: [
        userText('x'),
        { role: 'assistant', content: [], toolCalls: [{ id: 'a', name: 'f', arguments: '{}' }, { id: 'b', name: 'f', arguments: text }] },
      ],
    });
  rejects(withArguments('{"city":'), 'messages[1].tool_calls[1].function.arguments');
  rejects(withArguments('[1,2]'), 'messages[1].tool_calls[1].function.arguments');
});

test('drops empty text parts and trims the trailing whitespace of a final assistant prefill', () => {
  const { body } = buildAnthropicRequest(
    base({
      messages: [
        { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'Write a haiku' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Autumn moon, ' }, { type: 'text', text: ' \n' }] },
      ],
    }),
  );
  assert.deepEqual(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Write a haiku' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Autumn moon,' }] },
  ]);
});

test('translates images (data URL and https) and PDFs; refuses audio', () => {
  const { body } = buildAnthropicRequest(
    base({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
            { type: 'image', url: 'https://example.com/cat.jpg' },
            { type: 'file', data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' },
            { type: 'file', data: 'JVBERi0y', mediaType: 'application/pdf' },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(body.messages[0]?.content, [
    { type: 'text', text: 'Compare' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } },
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0y' } },
  ]);
  rejects(
    base({ messages: [userText('a'), { role: 'user', content: [{ type: 'text', text: 'b' }, { type: 'audio', data: 'AAA', format: 'wav' }] }] }),
    'messages[1].content[1]',
  );
  rejects(base({ messages: [{ role: 'user', content: [{ type: 'image', url: 'ftp://x/y.png' }] }] }), 'messages[0].content[0]');
  rejects(base({ messages: [{ role: 'user', content: [{ type: 'file', fileId: 'file-1' }] }] }), 'messages[0].content[0]');
});

test('maps sampling parameters: clamps temperature to 1, drops whitespace stops, user → metadata, drops the untranslatable', () => {
  const { body } = buildAnthropicRequest(
    base({
      maxTokens: 300,
      temperature: 1.7,
      topP: 0.9,
      topK: 40,
      stop: ['END', ' ', '\n\n'],
      user: 'user-42',
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.5,
      logprobs: true,
      topLogprobs: 2,
      logitBias: { '50256': -100 },
      n: 1,
    }),
  );
  assert.deepEqual(body, {
    model: 'claude-sonnet-4-5',
    max_tokens: 300,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    temperature: 1,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ['END'],
    metadata: { user_id: 'user-42' },
  });
  assert.equal(buildAnthropicRequest(base({ temperature: 0.3 })).body.temperature, 0.3);
});

test('refuses n > 1 naming the parameter', () => {
  rejects(base({ n: 2 }), 'n');
});

test('maps tools and every tool_choice form', () => {
  const tools = [
    { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    { name: 'now' },
  ];
  const choiceFor = (toolChoice: ChatRequest['toolChoice'], parallelToolCalls?: boolean) =>
    buildAnthropicRequest(base({ tools, toolChoice, ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }) })).body.tool_choice;

  assert.deepEqual(buildAnthropicRequest(base({ tools })).body.tools, [
    { name: 'get_weather', description: 'Weather by city', input_schema: tools[0]?.parameters },
    { name: 'now', input_schema: { type: 'object', properties: {} } },
  ]);
  assert.equal(choiceFor(undefined), undefined);
  assert.deepEqual(choiceFor('auto'), { type: 'auto' });
  assert.deepEqual(choiceFor('none'), { type: 'none' });
  assert.deepEqual(choiceFor('required'), { type: 'any' });
  assert.deepEqual(choiceFor({ name: 'now' }), { type: 'tool', name: 'now' });
  assert.deepEqual(choiceFor(undefined, false), { type: 'auto', disable_parallel_tool_use: true });
  assert.deepEqual(choiceFor('required', false), { type: 'any', disable_parallel_tool_use: true });
  assert.deepEqual(choiceFor(undefined, true), undefined);
  rejects(base({ toolChoice: 'required' }), 'tool_choice');
});

test('emulates json_schema and json_object with a forced `json` tool', () => {
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
  const jsonSchema = buildAnthropicRequest(base({ responseFormat: { type: 'json_schema', name: 'reply', schema } }));
  assert.equal(jsonSchema.usesJsonTool, true);
  assert.deepEqual(jsonSchema.body.tools, [{ name: 'json', description: 'Respond with a JSON object.', input_schema: schema }]);
  assert.deepEqual(jsonSchema.body.tool_choice, { type: 'tool', name: 'json' });

  const jsonObject = buildAnthropicRequest(base({ responseFormat: { type: 'json_object' } }));
  assert.deepEqual(jsonObject.body.tools, [
    { name: 'json', description: 'Respond with a JSON object.', input_schema: { type: 'object', additionalProperties: true } },
  ]);

  const text = buildAnthropicRequest(base({ responseFormat: { type: 'text' } }));
  assert.equal(text.usesJsonTool, false);
  assert.equal(text.body.tools, undefined);

  const withClientTools = buildAnthropicRequest(base({ tools: [{ name: 'now' }], responseFormat: { type: 'json_object' } }));
  assert.deepEqual(withClientTools.body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
  rejects(base({ tools: [{ name: 'json' }], responseFormat: { type: 'json_object' } }), 'tools');
});

test('maps reasoning_effort to a thinking budget, raises max_tokens above it and drops temperature/top_k', () => {
  const high = buildAnthropicRequest(base({ reasoningEffort: 'high', maxTokens: 1000, temperature: 0.5, topK: 5, topP: 0.95 })).body;
  assert.deepEqual(high.thinking, { type: 'enabled', budget_tokens: 16384 });
  assert.equal(high.max_tokens, 16384 + 1000);
  assert.equal(high.temperature, undefined);
  assert.equal(high.top_k, undefined);
  assert.equal(high.top_p, 0.95);

  const low = buildAnthropicRequest(base({ reasoningEffort: 'low', maxTokens: 8000 })).body;
  assert.deepEqual(low.thinking, { type: 'enabled', budget_tokens: 1024 });
  assert.equal(low.max_tokens, 8000);

  const medium = buildAnthropicRequest(base({ reasoningEffort: 'medium' })).body;
  assert.deepEqual(medium.thinking, { type: 'enabled', budget_tokens: 4096 });
  assert.equal(medium.max_tokens, 4096 + defaultMaxTokens);

  assert.equal(buildAnthropicRequest(base({ reasoningEffort: 'none' })).body.thinking, undefined);
  rejects(base({ reasoningEffort: 'extreme' }), 'reasoning_effort');

  // Anthropic refuses a forced tool with thinking on: the JSON tool is then offered, not forced.
  const json = buildAnthropicRequest(base({ reasoningEffort: 'low', responseFormat: { type: 'json_object' } })).body;
  assert.deepEqual(json.tool_choice, { type: 'auto' });
});

test('sets stream only for streamed requests', () => {
  assert.equal(buildAnthropicRequest(base({ stream: true })).body.stream, true);
  assert.equal('stream' in buildAnthropicRequest(base()).body, false);
});
