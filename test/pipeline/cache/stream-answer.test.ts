// Stored answers ⇄ neutral streams: folding a stream gives the JSON form, replaying a result gives a stream every
// surface encoder turns into well-formed events carrying the same text, tool calls and finish.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser } from 'eventsource-parser';
import type { ChatResult, StreamPart, Usage } from '../../../src/core/chat.js';
import { partsToResult, resultToParts, textPieces } from '../../../src/pipeline/cache/stream-answer.js';
import { AnthropicStreamEncoder } from '../../../src/surfaces/anthropic/anthropic-stream-encoder.js';
import { GeminiStreamEncoder } from '../../../src/surfaces/gemini/gemini-stream-encoder.js';
import { OpenAIStreamEncoder } from '../../../src/surfaces/openai/openai-stream-encoder.js';
import { SimpleStreamEncoder } from '../../../src/surfaces/simple/simple-stream-encoder.js';

const usage: Usage = { input: { total: 120, cacheRead: 100, cacheWrite: 0 }, output: { total: 40, reasoning: 12 } };
const stop = { unified: 'stop', raw: 'stop' } as const;

// 300 letters then an emoji across the 256 boundary then more: several deltas, one surrogate pair kept whole.
const longText = `${'a'.repeat(255)}😀${'b'.repeat(300)} end`;

const results: Record<string, ChatResult> = {
  text: {
    id: 'chatcmpl-1',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { content: longText }, finish: stop }],
    usage,
  },
  multiChoice: {
    id: 'chatcmpl-2',
    model: 'gpt-4o',
    choices: [
      { index: 0, message: { content: 'first' }, finish: stop },
      { index: 1, message: { content: 'second' }, finish: { unified: 'length', raw: 'length' } },
      { index: 2, message: { content: 'third' }, finish: stop },
    ],
    usage,
  },
  parallelToolCalls: {
    id: 'msg_1',
    model: 'claude-sonnet-4-5',
    choices: [
      {
        index: 0,
        message: {
          content: null,
          toolCalls: [
            { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' },
            { id: 'call_b', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
            { id: 'call_c', name: 'get_time', arguments: '{}' },
          ],
        },
        finish: { unified: 'tool_calls', raw: 'tool_use' },
      },
    ],
    usage,
  },
  textAndTool: {
    model: 'gemini-2.5-flash',
    choices: [
      {
        index: 0,
        message: { content: 'Looking it up.', toolCalls: [{ id: 'call_x', name: 'search', arguments: '{"q":"ünïcode ✓"}' }] },
        finish: { unified: 'tool_calls', raw: 'STOP' },
      },
    ],
    usage,
  },
  reasoning: {
    id: 'r-1',
    model: 'o3-mini',
    choices: [{ index: 0, message: { content: 'The answer is 4.', reasoning: `Two plus two. ${'x'.repeat(400)}` }, finish: stop }],
    usage,
  },
};

describe('round trip', () => {
  for (const [name, result] of Object.entries(results)) {
    test(`partsToResult(resultToParts(r)) is r: ${name}`, () => {
      assert.deepEqual(partsToResult(resultToParts(result)), result);
    });
  }

  test('long text goes out in pieces of at most 256 units, the surrogate pair whole, usage last', () => {
    const parts = resultToParts(results.text!);
    const texts = parts.filter((part) => part.type === 'text-delta').map((part) => part.text);
    assert.ok(texts.length >= 3);
    assert.ok(texts.every((text) => text.length <= 256));
    assert.equal(texts[0], 'a'.repeat(255), 'the high surrogate is not left at the end of a piece');
    assert.ok(texts[1]!.startsWith('😀'));
    assert.equal(texts.join(''), longText);
    assert.deepEqual(parts[0], { type: 'start', id: 'chatcmpl-1', model: 'gpt-4o-mini' });
    assert.equal(parts.at(-1)!.type, 'usage');
    assert.deepEqual(resultToParts(results.text!), parts, 'deterministic');
  });

  test('textPieces of the empty text is no piece', () => {
    assert.deepEqual(textPieces(''), []);
  });
});

describe('partsToResult', () => {
  const start: StreamPart = { type: 'start', id: 'id', model: 'm' };

  test('choices default to 0 and are sorted; the last usage wins; content is "" for a choice without text', () => {
    const later: Usage = { ...usage, output: { total: 41, reasoning: 12 } };
    const result = partsToResult([
      start,
      { type: 'text-delta', text: 'one', choice: 1 },
      { type: 'usage', usage },
      { type: 'text-delta', text: 'zero' },
      { type: 'finish', reason: stop, choice: 1 },
      { type: 'finish', reason: stop },
      { type: 'finish', reason: stop, choice: 2 },
      { type: 'usage', usage: later },
    ]);
    assert.deepEqual(result, {
      id: 'id',
      model: 'm',
      choices: [
        { index: 0, message: { content: 'zero' }, finish: stop },
        { index: 1, message: { content: 'one' }, finish: stop },
        { index: 2, message: { content: '' }, finish: stop },
      ],
      usage: later,
    });
  });

  test('tool calls in our index order, fragments concatenated, whatever order they arrive in', () => {
    const result = partsToResult([
      start,
      { type: 'tool-call-start', index: 1, id: 'b', name: 'second' },
      { type: 'tool-call-start', index: 0, id: 'a', name: 'first' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '1}' },
      { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
      { type: 'usage', usage },
    ]);
    assert.deepEqual(result?.choices[0]?.message, {
      content: null,
      toolCalls: [
        { id: 'a', name: 'first', arguments: '{"x":1}' },
        { id: 'b', name: 'second', arguments: '{}' },
      ],
    });
  });

  test('not a complete answer: undefined', () => {
    const text: StreamPart = { type: 'text-delta', text: 'hi' };
    const usagePart: StreamPart = { type: 'usage', usage };
    assert.equal(partsToResult([start, text, usagePart]), undefined, 'no finish');
    assert.equal(partsToResult([start, text, { type: 'finish', reason: stop }]), undefined, 'no usage');
    assert.equal(partsToResult([start, usagePart]), undefined, 'no choice at all');
    assert.equal(
      partsToResult([start, text, { type: 'finish', reason: { unified: 'error', raw: null } }, usagePart]),
      undefined,
      'a finish with error',
    );
    assert.equal(
      partsToResult([start, text, { type: 'finish', reason: stop }, { type: 'text-delta', text: 'x', choice: 1 }, usagePart]),
      undefined,
      'one choice left open',
    );
  });
});

/** The `data:` payloads (and `event:` names) of an SSE text, parsed by a real SSE parser. */
function sseEvents(text: string): Array<{ event: string | undefined; data: string }> {
  const events: Array<{ event: string | undefined; data: string }> = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event, data: message.data }) });
  parser.feed(text);
  return events;
}

function encodeAll(encoder: { encode(part: StreamPart): string; end(): string }, parts: StreamPart[]): string {
  return parts.map((part) => encoder.encode(part)).join('') + encoder.end();
}

type Seen = { text: string; calls: Array<{ id: string; name: string; arguments: string }>; finish: string | undefined };

/** OpenAI chunks (also the simple surface's events, same delta shape) → per-choice text, tool calls, finish. */
function readOpenAIChunks(text: string): { choices: Map<number, Seen>; usage: unknown } {
  const events = sseEvents(text);
  assert.equal(events.at(-1)?.data, '[DONE]');
  const choices = new Map<number, Seen>();
  let usage: unknown;
  for (const { data } of events.slice(0, -1)) {
    const chunk = JSON.parse(data) as Record<string, unknown>;
    if (chunk.usage) usage = chunk.usage;
    const list = (chunk.choices as Array<Record<string, unknown>> | undefined) ?? [{ index: 0, ...chunk }];
    for (const choice of list) {
      const index = (choice.index as number | undefined) ?? 0;
      const seen = choices.get(index) ?? { text: '', calls: [], finish: undefined };
      choices.set(index, seen);
      const delta = (choice.delta ?? {}) as { content?: string; tool_calls?: Array<Record<string, any>> };
      seen.text += delta.content ?? (choice.text as string | undefined) ?? '';
      for (const call of delta.tool_calls ?? []) {
        seen.calls[call.index] ??= { id: call.id, name: call.function.name, arguments: '' };
        seen.calls[call.index]!.arguments += call.function.arguments ?? '';
      }
      if (typeof choice.finish_reason === 'string') seen.finish = choice.finish_reason;
    }
  }
  return { choices, usage };
}

describe('replayed through the surface encoders', () => {
  test('OpenAI: every choice, its text, tool calls, finish, and the usage chunk', () => {
    for (const result of Object.values(results)) {
      const encoder = new OpenAIStreamEncoder({ id: 'chatcmpl-x', created: 1, model: result.model }, true);
      const { choices, usage: seenUsage } = readOpenAIChunks(encodeAll(encoder, resultToParts(result)));
      assert.equal(choices.size, result.choices.length);
      for (const choice of result.choices) {
        const seen = choices.get(choice.index)!;
        assert.equal(seen.text, choice.message.content ?? '');
        assert.deepEqual(seen.calls, choice.message.toolCalls ?? []);
        assert.equal(seen.finish, choice.finish.unified === 'tool_calls' ? 'tool_calls' : choice.finish.raw);
      }
      assert.deepEqual(seenUsage, {
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 12 },
      });
    }
  });

  test('simple surface: first choice text and tool calls, the finish with usage, [DONE]', () => {
    for (const result of Object.values(results)) {
      const { choices } = readOpenAIChunks(encodeAll(new SimpleStreamEncoder(), resultToParts(result)));
      const first = result.choices[0]!;
      assert.equal(choices.get(0)!.text, first.message.content ?? '');
      assert.deepEqual(choices.get(0)!.calls, first.message.toolCalls ?? []);
      assert.ok(choices.get(0)!.finish);
    }
  });

  test('Anthropic: named events in order, the blocks rebuilt, stop reason and usage in message_delta', () => {
    for (const result of Object.values(results)) {
      const encoder = new AnthropicStreamEncoder({ id: 'msg_x', model: result.model }, { stopSequences: undefined, thinking: true });
      const events = sseEvents(encodeAll(encoder, resultToParts(result)));
      const payloads = events.map(({ event, data }) => {
        const payload = JSON.parse(data) as Record<string, any>;
        assert.equal(payload.type, event, 'the event line names the data type');
        return payload;
      });
      assert.equal(payloads[0]!.type, 'message_start');
      assert.equal(payloads.at(-1)!.type, 'message_stop');
      const blocks: Array<Record<string, any>> = [];
      for (const payload of payloads) {
        if (payload.type === 'content_block_start') blocks[payload.index] = { ...payload.content_block, json: '' };
        if (payload.type === 'content_block_delta') {
          const block = blocks[payload.index]!;
          if (payload.delta.type === 'text_delta') block.text += payload.delta.text;
          if (payload.delta.type === 'thinking_delta') block.thinking += payload.delta.thinking;
          if (payload.delta.type === 'input_json_delta') block.json += payload.delta.partial_json;
        }
      }
      const first = result.choices[0]!;
      const text = blocks.filter((block) => block.type === 'text').map((block) => block.text).join('');
      assert.equal(text, first.message.content ?? '');
      assert.equal(blocks.filter((block) => block.type === 'thinking').map((block) => block.thinking).join(''), first.message.reasoning ?? '');
      const calls = blocks.filter((block) => block.type === 'tool_use').map((block) => ({ id: block.id, name: block.name, arguments: block.json }));
      assert.deepEqual(calls, first.message.toolCalls ?? []);
      const delta = payloads.find((payload) => payload.type === 'message_delta')!;
      assert.equal(delta.delta.stop_reason, first.message.toolCalls ? 'tool_use' : first.finish.unified === 'length' ? 'max_tokens' : 'end_turn');
      assert.equal(delta.usage.output_tokens, 40);
    }
  });

  test('Gemini (SSE and JSON array): candidates with text, whole function calls, finishReason and usage', () => {
    for (const result of Object.values(results)) {
      for (const framing of ['sse', 'json-array'] as const) {
        const encoder = new GeminiStreamEncoder({ modelVersion: result.model, responseId: 'r' }, framing, true);
        const text = encodeAll(encoder, resultToParts(result));
        const chunks = (framing === 'sse' ? sseEvents(text).map(({ data }) => JSON.parse(data)) : JSON.parse(text)) as Array<Record<string, any>>;
        const seen = new Map<number, { text: string; thoughts: string; calls: unknown[]; finish?: string }>();
        for (const chunk of chunks) {
          for (const candidate of chunk.candidates) {
            const state = seen.get(candidate.index) ?? { text: '', thoughts: '', calls: [] };
            seen.set(candidate.index, state);
            for (const part of candidate.content.parts) {
              if (part.functionCall) state.calls.push(part.functionCall);
              else if (part.thought) state.thoughts += part.text;
              else state.text += part.text;
            }
            if (candidate.finishReason) state.finish = candidate.finishReason;
          }
        }
        for (const choice of result.choices) {
          const state = seen.get(choice.index)!;
          assert.equal(state.text, choice.message.content ?? '');
          assert.equal(state.thoughts, choice.message.reasoning ?? '');
          const calls = (choice.message.toolCalls ?? []).map((call) => ({ id: call.id, name: call.name, args: JSON.parse(call.arguments) }));
          assert.deepEqual(state.calls, calls);
          assert.equal(state.finish, choice.finish.unified === 'length' ? 'MAX_TOKENS' : 'STOP');
        }
        assert.equal(chunks.at(-1)!.usageMetadata.promptTokenCount, 120);
      }
    }
  });
});
