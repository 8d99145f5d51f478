import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapAnthropicStopReason } from '../../../src/providers/anthropic/anthropic-finish-reason.js';

test('maps every documented stop_reason and keeps the raw value', () => {
  const cases: Array<[string, string]> = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['tool_use', 'tool_calls'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['refusal', 'content_filter'],
    ['something_new', 'other'],
  ];
  for (const [raw, unified] of cases) assert.deepEqual(mapAnthropicStopReason(raw), { unified, raw });
  assert.deepEqual(mapAnthropicStopReason(null), { unified: 'other', raw: null });
});

test('a tool_use stop carried by the synthetic json tool is a plain stop', () => {
  assert.deepEqual(mapAnthropicStopReason('tool_use', true), { unified: 'stop', raw: 'tool_use' });
  assert.deepEqual(mapAnthropicStopReason('max_tokens', true), { unified: 'length', raw: 'max_tokens' });
});
