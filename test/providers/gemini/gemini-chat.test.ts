// Non-streamed answers: recorded generateContent bodies → ChatResult.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { toFinishReason } from '../../../src/providers/gemini/gemini-finish-reason.js';
import { callContext } from '../adapter-calls.js';
import { fixture, json, startGemini, type GeminiHarness } from './gemini-test-server.js';

let gemini: GeminiHarness;
before(async () => {
  gemini = await startGemini();
});
after(() => gemini.close());

const request: ChatRequest = {
  model: 'gemini-3-pro-preview',
  stream: false,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in San Francisco?' }] }],
};

const callId = /^call_[0-9a-f]{24}$/;

test('a function call: synthesised id, JSON arguments, content null, STOP with a call is tool_calls', async () => {
  gemini.reply(json(200, fixture('google-tool-call.json')));
  const result = await gemini.adapter.chat(request, callContext());
  const call = result.choices[0]?.message.toolCalls?.[0];
  assert.ok(call);
  assert.match(call.id, callId);
  assert.deepEqual(result, {
    id: 'm36LaZGyCLz1xs0PtNSB-QU',
    model: 'gemini-3-pro-preview',
    choices: [
      {
        index: 0,
        message: { content: null, toolCalls: [{ id: call.id, name: 'weather', arguments: '{"location":"San Francisco"}' }] },
        finish: { unified: 'tool_calls', raw: 'STOP' },
      },
    ],
    // 29 prompt; 15 visible + 893 thinking tokens of output.
    usage: { input: { total: 29, cacheRead: 0, cacheWrite: 0 }, output: { total: 908, reasoning: 893 } },
  });
  gemini.reply(json(200, fixture('google-tool-call.json')));
  const again = await gemini.adapter.chat(request, callContext());
  assert.notEqual(again.choices[0]?.message.toolCalls?.[0]?.id, call.id, 'every call gets its own id');
});

test('plain text with thinking tokens counted as reasoning output', async () => {
  gemini.reply(json(200, fixture('google-reasoning.json')));
  assert.deepEqual(await gemini.adapter.chat(request, callContext()), {
    id: 'YH6LaZT7ENmPxN8P-r2J8Aw',
    model: 'gemini-3-pro-preview',
    choices: [
      {
        index: 0,
        message: { content: 'There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.' },
        finish: { unified: 'stop', raw: 'STOP' },
      },
    ],
    usage: { input: { total: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 311, reasoning: 282 } },
  });
});

test('usage: tool-use prompt tokens are input, cached content is cacheRead, thoughts are output', async () => {
  gemini.reply(json(200, fixture('issue-19822-complete-usage.json')));
  const result = await gemini.adapter.chat(request, callContext());
  assert.equal(result.model, 'gemini-2.5-flash');
  assert.equal(result.choices[0]?.message.content, '42');
  assert.deepEqual(result.usage, { input: { total: 19 + 63, cacheRead: 3, cacheWrite: 0 }, output: { total: 4 + 56, reasoning: 56 } });
});

test('a blocked prompt (no candidates) is one empty content_filter choice', async () => {
  gemini.reply(json(200, fixture('issue-19758-prompt-block.json')));
  assert.deepEqual(await gemini.adapter.chat(request, callContext()), {
    id: 'EXCPaojyHaDUjMcP656rqAk',
    model: 'gemini-3.7-flash',
    choices: [{ index: 0, message: { content: '' }, finish: { unified: 'content_filter', raw: 'PROHIBITED_CONTENT' } }],
    usage: { input: { total: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } },
  });
});

test('several candidates become choices by index; thought parts are reasoning; an upstream id is kept', async () => {
  // Constructed from the recorded shapes above (no recorded multi-candidate answer was found).
  const body = {
    candidates: [
      { content: { role: 'model', parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS', index: 1 },
      {
        content: {
          role: 'model',
          parts: [
            { text: 'Thinking about it.', thought: true },
            { text: 'A' },
            { functionCall: { id: 'abc123', name: 'lookup' } },
          ],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 6 },
  };
  gemini.reply(json(200, JSON.stringify(body)));
  const result = await gemini.adapter.chat({ ...request, n: 2 }, callContext());
  assert.equal(result.id, undefined);
  assert.equal(result.model, 'gemini-3-pro-preview', 'falls back to the requested model');
  assert.deepEqual(result.choices, [
    {
      index: 0,
      message: { content: 'A', reasoning: 'Thinking about it.', toolCalls: [{ id: 'abc123', name: 'lookup', arguments: '{}' }] },
      finish: { unified: 'tool_calls', raw: 'STOP' },
    },
    { index: 1, message: { content: 'B' }, finish: { unified: 'length', raw: 'MAX_TOKENS' } },
  ]);
});

test('a 200 without candidates or block reason, or of the wrong shape, is a bad upstream response', async () => {
  for (const body of ['{"usageMetadata":{"promptTokenCount":1}}', '{"candidates":"nope"}', 'not json']) {
    gemini.reply(json(200, body));
    await assert.rejects(gemini.adapter.chat(request, callContext()), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.code, 'upstream_bad_response');
      assert.equal(error.status, 502);
      return true;
    });
  }
});

test('finish reasons map as documented', () => {
  const cases: Array<[string | undefined, boolean, string]> = [
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ['OTHER', true, 'stop'],
    [undefined, false, 'stop'],
  ];
  for (const [raw, sawCall, unified] of cases) {
    assert.deepEqual(toFinishReason(raw, sawCall), { unified, raw: raw ?? null }, `${raw} ${sawCall}`);
  }
});
