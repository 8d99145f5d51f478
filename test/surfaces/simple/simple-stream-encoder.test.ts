// The simple surface's stream events: content deltas, tool-call fragments, the held finish event.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamPart, Usage } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { SimpleStreamEncoder } from '../../../src/surfaces/simple/simple-stream-encoder.js';

const usage: Usage = { input: { total: 10, cacheRead: 4, cacheWrite: 0 }, output: { total: 5, reasoning: 2 } };

function encodeAll(parts: StreamPart[]): { events: string[]; encoder: SimpleStreamEncoder } {
  const encoder = new SimpleStreamEncoder();
  return { events: parts.map((part) => encoder.encode(part)), encoder };
}

describe('SimpleStreamEncoder', () => {
  test('text pieces become content deltas; the finish waits for the end and carries the usage that came after it', () => {
    const { events, encoder } = encodeAll([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text-delta', text: 'Once' },
      { type: 'text-delta', text: '' },
      { type: 'reasoning-delta', text: 'hmm' },
      { type: 'text-delta', text: ' upon' },
      { type: 'finish', reason: { unified: 'stop', raw: 'end_turn' } },
      { type: 'usage', usage },
    ]);
    assert.deepEqual(events, ['', 'data: {"delta":{"content":"Once"}}\n\n', '', '', 'data: {"delta":{"content":" upon"}}\n\n', '', '']);
    assert.equal(
      encoder.end(),
      'data: {"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}\n\ndata: [DONE]\n\n',
    );
    assert.deepEqual(encoder.finalUsage, usage);
  });

  test('without usage the finish event has none', () => {
    const { encoder } = encodeAll([{ type: 'finish', reason: { unified: 'length', raw: 'max_tokens' } }]);
    assert.equal(encoder.end(), 'data: {"delta":{},"finish_reason":"length"}\n\ndata: [DONE]\n\n');
  });

  test('finish reasons without a name of their own read as stop', () => {
    const { encoder } = encodeAll([{ type: 'finish', reason: { unified: 'other', raw: 'MALFORMED' } }]);
    assert.match(encoder.end(), /"finish_reason":"stop"/);
  });

  test('tool calls stream as OpenAI-style fragments', () => {
    const { events } = encodeAll([
      { type: 'tool-call-start', index: 0, id: 'call_1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"location":"Tokyo"}' },
    ]);
    assert.deepEqual(events.map((event) => (event === '' ? '' : JSON.parse(event.slice('data: '.length)))), [
      { delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] } },
      '',
      { delta: { tool_calls: [{ index: 0, function: { arguments: '{"location":"Tokyo"}' } }] } },
    ]);
  });

  test('only the first choice is served', () => {
    const { events, encoder } = encodeAll([
      { type: 'text-delta', text: 'other', choice: 1 },
      { type: 'finish', reason: { unified: 'length', raw: null }, choice: 1 },
      { type: 'text-delta', text: 'mine', choice: 0 },
      { type: 'finish', reason: { unified: 'stop', raw: null }, choice: 0 },
    ]);
    assert.deepEqual(events, ['', '', 'data: {"delta":{"content":"mine"}}\n\n', '']);
    assert.match(encoder.end(), /"finish_reason":"stop"/);
  });

  test('a stream that ended without a finish is an error, not a made-up finish_reason', () => {
    const { encoder } = encodeAll([{ type: 'text-delta', text: 'half' }]);
    assert.throws(() => encoder.end(), (error: unknown) => error instanceof GatewayError && error.code === 'upstream_bad_response');
  });
});
