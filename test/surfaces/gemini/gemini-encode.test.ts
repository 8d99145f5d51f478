// The neutral ChatResult → GenerateContentResponse, and the usage and finish-reason maps, checked against the
// Gemini provider's own decoders: what the front door writes, a Gemini client reads back as the same values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatResult, FinishReason, Usage } from '../../../src/core/chat.js';
import { toFinishReason } from '../../../src/providers/gemini/gemini-finish-reason.js';
import { toChatResult } from '../../../src/providers/gemini/gemini-response.js';
import { toUsage } from '../../../src/providers/gemini/gemini-usage.js';
import {
  encodeFinishReason,
  encodeGenerateContentResponse,
  encodeUsageMetadata,
} from '../../../src/surfaces/gemini/gemini-encode.js';

const usage = (input: number, cacheRead: number, output: number, reasoning: number): Usage => ({
  input: { total: input, cacheRead, cacheWrite: 0 },
  output: { total: output, reasoning },
});

test('usage: candidates exclude thoughts, the total adds everything; the provider reads it back unchanged', () => {
  const metadata = encodeUsageMetadata(usage(100, 40, 50, 32));
  assert.deepEqual(metadata, {
    promptTokenCount: 100,
    candidatesTokenCount: 18,
    totalTokenCount: 150,
    cachedContentTokenCount: 40,
    thoughtsTokenCount: 32,
  });
  for (const sample of [usage(100, 40, 50, 32), usage(7, 0, 3, 0), usage(0, 0, 0, 0)]) {
    assert.deepEqual(toUsage(encodeUsageMetadata(sample)), sample);
  }
  assert.deepEqual(Object.keys(encodeUsageMetadata(usage(7, 0, 3, 0))), ['promptTokenCount', 'candidatesTokenCount', 'totalTokenCount']);
});

test('finish reasons: neutral → Gemini → neutral keeps the unified reason; Gemini raw values are kept', () => {
  const cases: Array<[FinishReason, string, boolean]> = [
    [{ unified: 'stop', raw: 'stop' }, 'STOP', false],
    [{ unified: 'tool_calls', raw: 'tool_use' }, 'STOP', true],
    [{ unified: 'length', raw: 'max_tokens' }, 'MAX_TOKENS', false],
    [{ unified: 'content_filter', raw: 'refusal' }, 'SAFETY', false],
  ];
  for (const [reason, gemini, sawToolCall] of cases) {
    assert.equal(encodeFinishReason(reason), gemini);
    assert.equal(toFinishReason(gemini, sawToolCall).unified, reason.unified);
  }
  assert.equal(encodeFinishReason({ unified: 'content_filter', raw: 'RECITATION' }), 'RECITATION');
  assert.equal(encodeFinishReason({ unified: 'error', raw: 'error' }), 'OTHER');
  assert.equal(encodeFinishReason({ unified: 'other', raw: null }), 'OTHER');
});

const identity = { modelVersion: 'anthropic/claude-haiku-4-5', responseId: 'req-1' };

test('a text answer, with thoughts only when asked for', () => {
  const result: ChatResult = {
    model: 'claude-haiku-4-5',
    choices: [{ index: 0, message: { content: 'Hello', reasoning: 'Let me think' }, finish: { unified: 'stop', raw: 'end_turn' } }],
    usage: usage(10, 0, 5, 2),
  };
  assert.deepEqual(encodeGenerateContentResponse(result, identity, false), {
    candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 3, totalTokenCount: 15, thoughtsTokenCount: 2 },
    modelVersion: 'anthropic/claude-haiku-4-5',
    responseId: 'req-1',
  });
  const withThoughts = encodeGenerateContentResponse(result, identity, true);
  assert.deepEqual(withThoughts.candidates[0]!.content.parts, [{ text: 'Let me think', thought: true }, { text: 'Hello' }]);
});

test('function calls carry their id and object args; the provider decodes the answer back to the same calls', () => {
  const result: ChatResult = {
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: {
          content: null,
          toolCalls: [
            { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'call_b', name: 'get_time', arguments: '' },
          ],
        },
        finish: { unified: 'tool_calls', raw: 'tool_calls' },
      },
    ],
    usage: usage(10, 0, 5, 0),
  };
  const body = encodeGenerateContentResponse(result, identity, false);
  assert.deepEqual(body.candidates[0], {
    content: {
      role: 'model',
      parts: [
        { functionCall: { id: 'call_a', name: 'get_weather', args: { city: 'Paris' } } },
        { functionCall: { id: 'call_b', name: 'get_time', args: {} } },
      ],
    },
    finishReason: 'STOP',
    index: 0,
  });
  const decoded = toChatResult('gemini', JSON.parse(JSON.stringify(body)), 'x');
  assert.deepEqual(decoded.choices[0]!.message.toolCalls, [
    { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { id: 'call_b', name: 'get_time', arguments: '{}' },
  ]);
  assert.equal(decoded.choices[0]!.finish.unified, 'tool_calls');
  assert.deepEqual(decoded.usage, result.usage);
});

test('arguments that are not a JSON object: the call is left out, the candidate ends MALFORMED_FUNCTION_CALL', () => {
  const result: ChatResult = {
    model: 'm',
    choices: [
      {
        index: 0,
        message: { content: null, toolCalls: [{ id: 'c', name: 'f', arguments: '{"city": "Par' }] },
        finish: { unified: 'tool_calls', raw: 'tool_calls' },
      },
      { index: 1, message: { content: null, toolCalls: [{ id: 'd', name: 'f', arguments: '[1]' }] }, finish: { unified: 'tool_calls', raw: null } },
    ],
    usage: usage(1, 0, 1, 0),
  };
  const body = encodeGenerateContentResponse(result, identity, false);
  for (const candidate of body.candidates) {
    assert.equal(candidate.finishReason, 'MALFORMED_FUNCTION_CALL');
    assert.deepEqual(candidate.content.parts, [{ text: '' }]);
  }
  assert.deepEqual(body.candidates.map((candidate) => candidate.index), [0, 1]);
});
