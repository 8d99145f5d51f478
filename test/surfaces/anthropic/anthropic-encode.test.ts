// The neutral ChatResult → an Anthropic Messages response, and Anthropic's error envelope.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatResult, FinishReason, ToolCall, Usage } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import {
  encodeMessage,
  encodeStopReason,
  encodeUsage,
  messageId,
  type EncodeOptions,
} from '../../../src/surfaces/anthropic/anthropic-encode.js';
import { anthropicErrorBody, anthropicErrorType, anthropicStreamErrorEvent } from '../../../src/surfaces/anthropic/anthropic-errors.js';

const usage: Usage = { input: { total: 100, cacheRead: 60, cacheWrite: 15 }, output: { total: 20, reasoning: 5 } };
const identity = { id: 'msg_1', model: 'gpt-4o-mini' };

function result(message: ChatResult['choices'][number]['message'], finish: FinishReason = { unified: 'stop', raw: 'stop' }): ChatResult {
  return { model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message, finish }], usage };
}

function options(overrides: Partial<EncodeOptions> = {}): EncodeOptions {
  return { stopSequences: undefined, thinking: false, onInvalidToolInput: () => assert.fail('no invalid input expected'), ...overrides };
}

describe('encodeMessage', () => {
  test('a text answer, with the model as the client named it and Anthropic usage', () => {
    assert.deepEqual(encodeMessage(result({ content: 'Hello' }), identity, options()), {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 25, output_tokens: 20, cache_creation_input_tokens: 15, cache_read_input_tokens: 60 },
    });
  });

  test('text then tool_use blocks with parsed input', () => {
    const toolCalls: ToolCall[] = [
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_2', name: 'ping', arguments: '' },
    ];
    const message = encodeMessage(result({ content: 'Checking', toolCalls }, { unified: 'tool_calls', raw: 'tool_calls' }), identity, options());
    assert.deepEqual(message.content, [
      { type: 'text', text: 'Checking' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'ping', input: {} },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
  });

  test('tool calls alone carry no empty text block', () => {
    const toolCalls: ToolCall[] = [{ id: 'call_1', name: 'x', arguments: '{}' }];
    const message = encodeMessage(result({ content: null, toolCalls }, { unified: 'tool_calls', raw: null }), identity, options());
    assert.deepEqual(message.content.map((block) => block.type), ['tool_use']);
  });

  test('arguments that are not a JSON object become {} and are reported', () => {
    const reported: string[] = [];
    const toolCalls: ToolCall[] = [
      { id: 'call_1', name: 'broken', arguments: '{"city": "Par' },
      { id: 'call_2', name: 'array', arguments: '[1,2]' },
    ];
    const message = encodeMessage(result({ content: null, toolCalls }, { unified: 'tool_calls', raw: null }), identity, options({
      onInvalidToolInput: (call) => reported.push(call.id),
    }));
    assert.deepEqual(message.content.map((block) => ('input' in block ? block.input : undefined)), [{}, {}]);
    assert.deepEqual(reported, ['call_1', 'call_2']);
  });

  test('an empty answer is one empty text block', () => {
    const message = encodeMessage(result({ content: null }, { unified: 'length', raw: 'length' }), identity, options());
    assert.deepEqual(message.content, [{ type: 'text', text: '' }]);
    assert.equal(message.stop_reason, 'max_tokens');
  });

  test('a refusal is shown as text with stop_reason refusal', () => {
    const message = encodeMessage(result({ content: null, refusal: 'I cannot help with that.' }, { unified: 'content_filter', raw: 'content_filter' }), identity, options());
    assert.deepEqual(message.content, [{ type: 'text', text: 'I cannot help with that.' }]);
    assert.equal(message.stop_reason, 'refusal');
  });

  test('reasoning is a thinking block only when the client enabled thinking', () => {
    const answer = result({ content: 'Answer', reasoning: 'Because.' });
    assert.deepEqual(encodeMessage(answer, identity, options()).content.map((block) => block.type), ['text']);
    assert.deepEqual(encodeMessage(answer, identity, options({ thinking: true })).content, [
      { type: 'thinking', thinking: 'Because.', signature: '' },
      { type: 'text', text: 'Answer' },
    ]);
  });
});

describe('encodeStopReason', () => {
  const cases: [FinishReason, boolean, string][] = [
    [{ unified: 'stop', raw: 'stop' }, false, 'end_turn'],
    [{ unified: 'stop', raw: 'STOP' }, false, 'end_turn'],
    [{ unified: 'stop', raw: 'end_turn' }, false, 'end_turn'],
    [{ unified: 'length', raw: 'length' }, false, 'max_tokens'],
    [{ unified: 'length', raw: 'model_context_window_exceeded' }, false, 'model_context_window_exceeded'],
    [{ unified: 'tool_calls', raw: 'tool_calls' }, true, 'tool_use'],
    [{ unified: 'content_filter', raw: 'SAFETY' }, false, 'refusal'],
    [{ unified: 'other', raw: 'OTHER' }, false, 'end_turn'],
    [{ unified: 'error', raw: null }, false, 'end_turn'],
    // Gemini-style: tool calls with a plain stop still tell the client to run them.
    [{ unified: 'stop', raw: 'STOP' }, true, 'tool_use'],
  ];
  for (const [reason, hasToolCalls, expected] of cases) {
    test(`${reason.unified}/${reason.raw}${hasToolCalls ? ' with tool calls' : ''} → ${expected}`, () => {
      assert.equal(encodeStopReason(reason, hasToolCalls, undefined).stop_reason, expected);
    });
  }

  test('an Anthropic stop_sequence names the sequence when only one was set', () => {
    const reason: FinishReason = { unified: 'stop', raw: 'stop_sequence' };
    assert.deepEqual(encodeStopReason(reason, false, ['END']), { stop_reason: 'stop_sequence', stop_sequence: 'END' });
    assert.deepEqual(encodeStopReason(reason, false, ['END', 'STOP']), { stop_reason: 'stop_sequence', stop_sequence: null });
  });
});

test('encodeUsage subtracts cache reads and writes from input_tokens, never below zero', () => {
  assert.deepEqual(encodeUsage({ input: { total: 10, cacheRead: 0, cacheWrite: 0 }, output: { total: 3, reasoning: 0 } }), {
    input_tokens: 10,
    output_tokens: 3,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  });
  assert.equal(encodeUsage({ input: { total: 5, cacheRead: 8, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } }).input_tokens, 0);
});

test('messageId is msg_ and the request id without dashes', () => {
  assert.equal(messageId('01a201d5-b561-7367-8fb6-36fd470107c3'), 'msg_01a201d5b56173678fb636fd470107c3');
});

describe('errors', () => {
  test('error types by status', () => {
    const expected: Record<number, string> = {
      400: 'invalid_request_error',
      401: 'authentication_error',
      402: 'billing_error',
      403: 'permission_error',
      404: 'not_found_error',
      405: 'invalid_request_error',
      413: 'request_too_large',
      415: 'invalid_request_error',
      429: 'rate_limit_error',
      500: 'api_error',
      502: 'api_error',
      503: 'overloaded_error',
      504: 'timeout_error',
      529: 'overloaded_error',
    };
    for (const [status, type] of Object.entries(expected)) assert.equal(anthropicErrorType(Number(status)), type, status);
  });

  test('the envelope and the terminal stream event', () => {
    const error = new GatewayError('upstream_error', 'The provider failed.');
    assert.deepEqual(anthropicErrorBody(error, 'req-1'), {
      type: 'error',
      error: { type: 'api_error', message: 'The provider failed.' },
      request_id: 'req-1',
    });
    assert.equal(
      anthropicStreamErrorEvent(error, 'req-1'),
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The provider failed."},"request_id":"req-1"}\n\n',
    );
  });
});
