// Neutral stream parts → Anthropic Messages SSE events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamPart, Usage } from '../../../src/core/chat.js';
import { AnthropicStreamEncoder, type StreamEncoderOptions } from '../../../src/surfaces/anthropic/anthropic-stream-encoder.js';

type Event = { name: string; data: Record<string, any> };

function run(parts: StreamPart[], options: Partial<StreamEncoderOptions> = {}): Event[] {
  const encoder = new AnthropicStreamEncoder({ id: 'msg_1', model: 'gemini-2.5-flash' }, { stopSequences: undefined, thinking: false, ...options });
  const text = parts.map((part) => encoder.encode(part)).join('') + encoder.end();
  assert.ok(text.endsWith('\n\n'));
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const [eventLine = '', dataLine = '', ...rest] = frame.split('\n');
      assert.equal(rest.length, 0, `one event line and one data line: ${frame}`);
      assert.ok(eventLine.startsWith('event: ') && dataLine.startsWith('data: '), frame);
      const event = { name: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) as Record<string, any> };
      assert.equal(event.data.type, event.name, 'data.type repeats the event name');
      return event;
    });
}

/** Compact form: event names with the block index and the delta's payload. */
function outline(events: Event[]): string[] {
  return events.map(({ name, data }) => {
    if (name === 'content_block_start') return `start ${data.index} ${data.content_block.type}`;
    if (name === 'content_block_stop') return `stop ${data.index}`;
    if (name === 'content_block_delta') {
      const delta = data.delta;
      return `delta ${data.index} ${delta.type} ${delta.text ?? delta.partial_json ?? delta.thinking}`;
    }
    return name;
  });
}

const usage: Usage = { input: { total: 50, cacheRead: 10, cacheWrite: 0 }, output: { total: 7, reasoning: 0 } };

test('text, then two tool calls, each its own block in order; usage and stop reason at the end', () => {
  const events = run([
    { type: 'start' },
    { type: 'text-delta', text: 'Let me ' },
    { type: 'text-delta', text: 'check.' },
    { type: 'tool-call-start', index: 0, id: 'call_1', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
    { type: 'tool-call-start', index: 1, id: 'call_2', name: 'get_time' },
    { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
    { type: 'usage', usage },
  ]);
  assert.deepEqual(outline(events), [
    'message_start',
    'start 0 text',
    'delta 0 text_delta Let me ',
    'delta 0 text_delta check.',
    'stop 0',
    'start 1 tool_use',
    'delta 1 input_json_delta {"city":',
    'delta 1 input_json_delta "Paris"}',
    'stop 1',
    'start 2 tool_use',
    'delta 2 input_json_delta {}',
    'stop 2',
    'message_delta',
    'message_stop',
  ]);
  assert.deepEqual(events[0]!.data.message, {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'gemini-2.5-flash',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
  assert.deepEqual(events[5]!.data.content_block, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} });
  assert.deepEqual(events.at(-2)!.data, {
    type: 'message_delta',
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: { input_tokens: 40, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 },
  });
});

test('reasoning is a thinking block only when the client enabled thinking', () => {
  const parts: StreamPart[] = [
    { type: 'reasoning-delta', text: 'Hmm.' },
    { type: 'text-delta', text: 'Yes.' },
    { type: 'finish', reason: { unified: 'stop', raw: 'end_turn' } },
  ];
  assert.deepEqual(outline(run(parts)), ['message_start', 'start 0 text', 'delta 0 text_delta Yes.', 'stop 0', 'message_delta', 'message_stop']);
  const events = run(parts, { thinking: true });
  assert.deepEqual(outline(events), [
    'message_start',
    'start 0 thinking',
    'delta 0 thinking_delta Hmm.',
    'stop 0',
    'start 1 text',
    'delta 1 text_delta Yes.',
    'stop 1',
    'message_delta',
    'message_stop',
  ]);
  assert.equal(events.at(-2)!.data.delta.stop_reason, 'end_turn');
});

test('an answer with no content still has one empty text block; no usage means zero output', () => {
  const events = run([{ type: 'start' }, { type: 'text-delta', text: '' }, { type: 'finish', reason: { unified: 'length', raw: 'MAX_TOKENS' } }]);
  assert.deepEqual(outline(events), ['message_start', 'start 0 text', 'stop 0', 'message_delta', 'message_stop']);
  assert.deepEqual(events.at(-2)!.data, { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 0 } });
});

test('usage known before the first token goes into message_start', () => {
  const events = run([{ type: 'usage', usage }, { type: 'text-delta', text: 'x' }]);
  assert.equal(events[0]!.data.message.usage.input_tokens, 40);
  assert.equal(events[0]!.data.message.usage.cache_read_input_tokens, 10);
});

test('parts of other choices and deltas of unknown tool calls are ignored', () => {
  const events = run([
    { type: 'text-delta', text: 'a', choice: 1 },
    { type: 'tool-call-delta', index: 4, argumentsDelta: '{}' },
    { type: 'text-delta', text: 'b' },
    { type: 'finish', reason: { unified: 'stop', raw: 'stop' }, choice: 1 },
  ]);
  assert.deepEqual(outline(events), ['message_start', 'start 0 text', 'delta 0 text_delta b', 'stop 0', 'message_delta', 'message_stop']);
});

test('a stop_sequence stop names the only sequence requested', () => {
  const events = run([{ type: 'text-delta', text: 'a' }, { type: 'finish', reason: { unified: 'stop', raw: 'stop_sequence' } }], { stopSequences: ['###'] });
  assert.deepEqual(events.at(-2)!.data.delta, { stop_reason: 'stop_sequence', stop_sequence: '###' });
});
