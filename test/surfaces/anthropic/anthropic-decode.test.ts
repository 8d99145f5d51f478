// Anthropic Messages requests → the neutral ChatRequest.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Capability } from '../../../src/core/catalogue.js';
import { GatewayError } from '../../../src/core/errors.js';
import { decodeMessagesRequest, wantsThinking } from '../../../src/surfaces/anthropic/anthropic-decode.js';
import { validateMessagesRequest } from '../../../src/surfaces/anthropic/anthropic-validation.js';

const chat: Capability[] = ['chat', 'function_calling', 'vision'];
const reasoning: Capability[] = [...chat, 'reasoning'];

function decode(body: Record<string, unknown>, target: { provider?: string; capabilities?: Capability[] } = {}) {
  const request = validateMessagesRequest({ model: 'client-name', max_tokens: 64, ...body });
  return decodeMessagesRequest(request, {
    upstreamModel: 'upstream-id',
    provider: target.provider ?? 'openai',
    capabilities: target.capabilities ?? chat,
  });
}

function refusal(body: Record<string, unknown>, target?: { provider?: string }): GatewayError {
  try {
    decode(body, target);
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.status, 400);
    return error;
  }
  assert.fail('the request was accepted');
}

const weather = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

describe('messages and system', () => {
  test('the upstream model, max_tokens and sampling fields', () => {
    const request = decode({
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'user-1' },
    });
    assert.deepEqual(request, {
      model: 'upstream-id',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      stream: true,
      maxTokens: 64,
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      stop: ['END'],
      user: 'user-1',
    });
  });

  test('system text blocks become one leading system message', () => {
    const request = decode({
      system: [
        { type: 'text', text: 'You are Claude Code.' },
        { type: 'text', text: 'Be careful.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.deepEqual(request.messages[0], { role: 'system', content: 'You are Claude Code.\n\nBe careful.' });
  });

  test('images by base64 and by URL, PDF and text documents', () => {
    const request = decode({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' }, title: 'report.pdf' },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes' } },
            { type: 'text', text: 'Describe these' },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages, [
      {
        role: 'user',
        content: [
          { type: 'image', url: 'data:image/png;base64,iVBOR' },
          { type: 'image', url: 'https://example.com/cat.jpg' },
          { type: 'file', data: 'JVBER', mediaType: 'application/pdf', filename: 'report.pdf' },
          { type: 'text', text: 'Plain notes' },
          { type: 'text', text: 'Describe these' },
        ],
      },
    ]);
  });

  test('a non-PDF base64 document is refused by field', () => {
    const error = refusal({
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'text/csv', data: 'YSxi' } }] }],
    });
    assert.equal(error.param, 'messages.0.content.0.source.media_type');
  });

  test('thinking blocks are dropped; a turn of thinking only disappears', () => {
    const request = decode({
      messages: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }] },
        { role: 'user', content: 'two' },
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'xyz' },
            { type: 'text', text: 'answer' },
          ],
        },
      ],
    });
    assert.deepEqual(
      request.messages.map((message) => [message.role, message.content]),
      [
        ['user', [{ type: 'text', text: 'one' }]],
        ['user', [{ type: 'text', text: 'two' }]],
        ['assistant', [{ type: 'text', text: 'answer' }]],
      ],
    );
  });
});

describe('tool use', () => {
  const toolTurns = [
    { role: 'user', content: 'Weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_def', name: 'get_weather', input: { city: 'Rome' } },
      ],
    },
  ];

  test('tool_use becomes tool calls with the ids kept verbatim', () => {
    const request = decode({
      tools: [weather],
      messages: [
        ...toolTurns,
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_abc', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_def', content: '21C' },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages[1], {
      role: 'assistant',
      content: [{ type: 'text', text: 'Checking.' }],
      toolCalls: [
        { id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'toolu_def', name: 'get_weather', arguments: '{"city":"Rome"}' },
      ],
    });
    assert.deepEqual(request.messages.slice(2), [
      { role: 'tool', toolCallId: 'call_abc', content: [{ type: 'text', text: '18C' }] },
      { role: 'tool', toolCallId: 'toolu_def', content: [{ type: 'text', text: '21C' }] },
    ]);
    assert.deepEqual(request.tools, [{ name: 'get_weather', description: 'Weather', parameters: weather.input_schema }]);
  });

  test('results come before the turn’s text; is_error is visible; images and PDFs in results follow the results', () => {
    const request = decode({
      tools: [weather],
      messages: [
        ...toolTurns,
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go' },
            { type: 'tool_result', tool_use_id: 'call_abc', content: 'city not found', is_error: true },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_def',
              content: [
                { type: 'text', text: '21C' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
                { type: 'text', text: 'sunny' },
                { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'windy' } },
                { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' } },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages.slice(2), [
      { role: 'tool', toolCallId: 'call_abc', content: [{ type: 'text', text: 'Error: city not found' }] },
      { role: 'tool', toolCallId: 'toolu_def', content: [{ type: 'text', text: '21C\nsunny\nwindy' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Here you go' },
          { type: 'image', url: 'data:image/png;base64,iVBOR' },
          { type: 'file', data: 'JVBER', mediaType: 'application/pdf' },
        ],
      },
    ]);
  });

  test('a tool_result with no content is an empty result', () => {
    const request = decode({
      tools: [weather],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1' }] },
      ],
    });
    assert.deepEqual(request.messages[2], { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: '' }] });
    assert.equal((request.messages[1] as { toolCalls: { arguments: string }[] }).toolCalls[0]!.arguments, '{}');
  });

  test('an orphan tool_result and an unanswered tool_use are refused in the client’s numbering', () => {
    const orphan = refusal({
      system: 'sys',
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_zzz', content: 'x' }] }],
    });
    assert.equal(orphan.param, 'messages.0.content.0');
    assert.match(orphan.message, /call_zzz/);
    const unanswered = refusal({ messages: [...toolTurns] });
    assert.equal(unanswered.param, 'messages.2');
    assert.match(unanswered.message, /call_abc, toolu_def/);
  });

  test('tool_choice: auto, any, tool, none and disable_parallel_tool_use', () => {
    const choice = (tool_choice: unknown) => {
      const request = decode({ tools: [weather], tool_choice, messages: [{ role: 'user', content: 'x' }] });
      return [request.toolChoice, request.parallelToolCalls];
    };
    assert.deepEqual(choice({ type: 'auto' }), ['auto', undefined]);
    assert.deepEqual(choice({ type: 'any' }), ['required', undefined]);
    assert.deepEqual(choice({ type: 'tool', name: 'get_weather' }), [{ name: 'get_weather' }, undefined]);
    assert.deepEqual(choice({ type: 'none' }), ['none', undefined]);
    assert.deepEqual(choice({ type: 'auto', disable_parallel_tool_use: true }), ['auto', false]);
    assert.deepEqual(choice({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true }), [{ name: 'get_weather' }, false]);
  });

  test('custom tools marked type custom are accepted; strict is kept', () => {
    const request = decode({ tools: [{ ...weather, type: 'custom', strict: true }], messages: [{ role: 'user', content: 'x' }] });
    assert.equal(request.tools?.[0]?.strict, true);
  });

  test('server tools are refused, naming each one', () => {
    const tools = [weather, { type: 'web_search_20250305', name: 'web_search' }, { type: 'code_execution_20250522', name: 'code_execution' }];
    const error = refusal({ tools, messages: [{ role: 'user', content: 'x' }] }, { provider: 'gemini' });
    assert.equal(error.param, 'tools.1');
    assert.match(error.message, /'web_search' \(web_search_20250305\), 'code_execution' \(code_execution_20250522\)/);
    assert.match(error.message, /served by 'gemini'/);
  });
});

describe('thinking and output format', () => {
  const effort = (thinking: unknown, capabilities = reasoning) =>
    decode({ thinking, messages: [{ role: 'user', content: 'x' }] }, { capabilities }).reasoningEffort;

  test('the budget picks the effort level on reasoning models', () => {
    assert.equal(effort({ type: 'enabled', budget_tokens: 1024 }), 'low');
    assert.equal(effort({ type: 'enabled', budget_tokens: 4095 }), 'low');
    assert.equal(effort({ type: 'enabled', budget_tokens: 4096 }), 'medium');
    assert.equal(effort({ type: 'enabled', budget_tokens: 16384 }), 'high');
    assert.equal(effort({ type: 'adaptive' }), 'medium');
    assert.equal(effort({ type: 'disabled' }), undefined);
  });

  test('models that do not reason get no effort', () => {
    assert.equal(effort({ type: 'enabled', budget_tokens: 8000 }, chat), undefined);
  });

  test('wantsThinking follows the request', () => {
    const body = (thinking?: unknown) => validateMessagesRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], ...(thinking ? { thinking } : {}) });
    assert.equal(wantsThinking(body({ type: 'enabled', budget_tokens: 2000 })), true);
    assert.equal(wantsThinking(body({ type: 'adaptive' })), true);
    assert.equal(wantsThinking(body({ type: 'disabled' })), false);
    assert.equal(wantsThinking(body()), false);
  });

  test('output_config.format becomes a json_schema response format', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const request = decode({ output_config: { format: { type: 'json_schema', schema } }, messages: [{ role: 'user', content: 'x' }] });
    assert.deepEqual(request.responseFormat, { type: 'json_schema', name: 'output', schema });
  });
});
