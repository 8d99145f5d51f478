// The usage estimate (src/core/usage-estimate.ts) and the pieces that feed it: request text in every wire format
// (src/providers/shared/request-text.ts) and the stream wrapper that hands each translated stream one usage part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, StreamPart, Usage } from '../../src/core/chat.js';
import { GatewayError } from '../../src/core/errors.js';
import {
  IMAGE_TOKENS,
  MESSAGE_TOKENS,
  OutputTally,
  TokenTally,
  chatPromptText,
  countTextTokens,
  needsEstimate,
  settleEmbedUsage,
  settleUsage,
} from '../../src/core/usage-estimate.js';
import { requestPromptText } from '../../src/providers/shared/request-text.js';
import { settleStreamUsage } from '../../src/providers/shared/stream-usage.js';

const tally = (...texts: string[]): TokenTally => {
  const result = new TokenTally();
  for (const text of texts) result.add(text);
  return result;
};

const output = (answer: string, reasoning = ''): OutputTally => {
  const result = new OutputTally();
  result.answer.add(answer);
  result.reasoning.add(reasoning);
  return result;
};

const reported = (input: number, output: number, extra: Partial<Usage['input']> = {}, reasoning = 0): Usage => ({
  input: { total: input, cacheRead: 0, cacheWrite: 0, ...extra },
  output: { total: output, reasoning },
});

const untouchable = (): TokenTally => {
  throw new Error('the prompt was read although the provider reported usage');
};

test('countTextTokens counts o200k_base tokens', () => {
  assert.equal(countTextTokens(''), 0);
  assert.equal(countTextTokens('hi'), 1);
  assert.equal(countTextTokens('Hello there, how are you doing today?'), 9);
});

test('countTextTokens stays bounded on text a tokenizer chokes on (one long word, megabytes of text)', { timeout: 30_000 }, () => {
  // Unsliced, BPE on 200,000 characters without a space takes minutes; sliced it is one token per few characters.
  const word = countTextTokens('a'.repeat(200_000));
  assert.ok(word >= 200_000 / 32 && word <= 200_000, String(word));
  // Beyond the tokenized sample the count is extrapolated, in proportion.
  const sentence = 'Hello there, how are you doing today? ';
  const long = sentence.repeat(50_000);
  const counted = countTextTokens(long);
  assert.ok(Math.abs(counted - 9 * 50_000) < 9 * 50_000 * 0.05, String(counted));
});

test('a complete report is returned as it is, without reading the prompt', () => {
  const usage = reported(12, 30);
  assert.equal(needsEstimate({ reported: usage, output: output('Hello') }), false);
  assert.equal(settleUsage({ reported: usage, prompt: untouchable, output: output('Hello') }), usage);
  // An empty answer with an output count of 0 is complete too.
  const empty = reported(12, 0);
  assert.equal(settleUsage({ reported: empty, prompt: untouchable, output: new OutputTally() }), empty);
});

test('no report: prompt and output are counted, reasoning apart, and the usage is marked estimated', () => {
  const usage = settleUsage({
    prompt: () => tally('You are terse.', 'What is the capital of France?'),
    output: output('Paris', 'Thinking about it.'),
  });
  // "You are terse.\nWhat is the capital of France?" is 11 tokens; "Paris" 1, "Thinking about it." 4.
  assert.deepEqual(usage, { input: { total: 11, cacheRead: 0, cacheWrite: 0 }, output: { total: 5, reasoning: 4 }, estimated: true });
});

test('a prompt-only report is completed: the reported input kept, the output counted', () => {
  const usage = settleUsage({ reported: reported(339, 0, { cacheRead: 320 }), prompt: untouchable, output: output('Paris') });
  assert.deepEqual(usage, { input: { total: 339, cacheRead: 320, cacheWrite: 0 }, output: { total: 1, reasoning: 0 }, estimated: true });
});

test('a report without a prompt count gets one, never below its cached and cache-write parts', () => {
  const usage = settleUsage({ reported: reported(0, 7, { cacheRead: 40, cacheWrite: 10 }), prompt: () => tally('hi'), output: output('x') });
  assert.deepEqual(usage, { input: { total: 50, cacheRead: 40, cacheWrite: 10 }, output: { total: 7, reasoning: 0 }, estimated: true });
});

test('a running count cut short is raised to what the produced text counts, never lowered', () => {
  // Anthropic's message_start says output_tokens 1 before any text.
  const low = settleUsage({ reported: reported(12, 1), outputFinal: false, prompt: untouchable, output: output('Hello there, how are you doing today?') });
  assert.deepEqual(low, { input: { total: 12, cacheRead: 0, cacheWrite: 0 }, output: { total: 9, reasoning: 0 }, estimated: true });
  // Gemini's running totals can be ahead of the visible text (thoughts are counted, not shown).
  const ahead = settleUsage({ reported: reported(9, 208, {}, 185), outputFinal: false, prompt: untouchable, output: output('There are 3') });
  assert.deepEqual(ahead, { input: { total: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 208, reasoning: 185 }, estimated: true });
});

test('chatPromptText: every message with its framing, images at a flat rate, tool definitions as JSON', () => {
  const request: ChatRequest = {
    model: 'm',
    stream: false,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', url: 'data:image/png;base64,AAAA' }] },
      { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'sunny' }] },
    ],
    tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
  };
  const prompt = chatPromptText(request);
  assert.equal(prompt.fixed, MESSAGE_TOKENS * 5 + IMAGE_TOKENS);
  assert.deepEqual(prompt.texts, [
    'You are terse.',
    'What is this?',
    'get_weather',
    '{"city":"Paris"}',
    'sunny',
    '[{"name":"get_weather","parameters":{"type":"object"}}]',
  ]);
});

test('requestPromptText reads the text of OpenAI, Anthropic and Gemini bodies, not their media or settings', () => {
  const openai = requestPromptText({
    model: 'gpt-4o',
    temperature: 0.2,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather' } }],
  });
  assert.deepEqual(openai.texts, [
    'You are terse.',
    'What is this?',
    'get_weather',
    '{"city":"Paris"}',
    'sunny',
    '[{"type":"function","function":{"name":"get_weather"}}]',
  ]);
  assert.equal(openai.fixed, MESSAGE_TOKENS * 5 + IMAGE_TOKENS);

  const anthropic = requestPromptText({
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'text', text: 'What is this?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
    ],
  });
  assert.deepEqual(anthropic.texts, ['You are terse.', 'What is this?', 'get_weather', '{"city":"Paris"}', 'sunny']);
  assert.equal(anthropic.fixed, MESSAGE_TOKENS * 4 + IMAGE_TOKENS);

  const gemini = requestPromptText({
    systemInstruction: { parts: [{ text: 'You are terse.' }] },
    contents: [
      { role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
    ],
    generationConfig: { temperature: 0 },
  });
  assert.deepEqual(gemini.texts, ['You are terse.', 'What is this?', 'get_weather', '{"city":"Paris"}']);
  assert.equal(gemini.fixed, MESSAGE_TOKENS * 3 + IMAGE_TOKENS);

  // Embeddings and completions: strings, or token ids at one token each.
  assert.deepEqual(requestPromptText({ model: 'e', input: ['a b', 'c'] }).texts, ['a b', 'c']);
  assert.equal(requestPromptText({ model: 'e', input: [[1, 2, 3], [4]] }).fixed, 4);
  assert.equal(requestPromptText({ model: 'c', prompt: [5, 6, 7] }).fixed, 3);
  assert.deepEqual(requestPromptText({ requests: [{ model: 'models/e', content: { parts: [{ text: 'embed me' }] } }] }).texts, ['embed me']);
  assert.equal(requestPromptText('not an object').empty, true);
});

test('embedding usage: the reported count, else the input counted and marked estimated', () => {
  assert.deepEqual(settleEmbedUsage(42, ['anything']), { input: 42 });
  assert.deepEqual(settleEmbedUsage(undefined, ['Hello there, how are you doing today?', 'hi']), { input: 10, estimated: true });
  assert.deepEqual(settleEmbedUsage(undefined, [[1, 2, 3], [4]]), { input: 4, estimated: true });
  assert.deepEqual(settleEmbedUsage(0, ['hi']), { input: 1, estimated: true });
});

async function* parts(list: StreamPart[], failure?: Error): AsyncGenerator<StreamPart> {
  yield* list;
  if (failure) throw failure;
}

async function read(stream: AsyncIterable<StreamPart>): Promise<{ seen: StreamPart[]; error: unknown }> {
  const seen: StreamPart[] = [];
  try {
    for await (const part of stream) seen.push(part);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

test('a stream whose provider reported usage passes through with that very usage part', async () => {
  const usage = reported(12, 30);
  const source: StreamPart[] = [{ type: 'start' }, { type: 'text-delta', text: 'Hello' }, { type: 'usage', usage }, { type: 'finish', reason: { unified: 'stop', raw: 'stop' } }];
  const { seen, error } = await read(settleStreamUsage(parts(source), untouchable));
  assert.equal(error, undefined);
  assert.deepEqual(seen, source);
  assert.equal((seen[2] as { usage: Usage }).usage, usage);
});

test('a stream without usage ends with one estimated usage part', async () => {
  const source: StreamPart[] = [
    { type: 'start' },
    { type: 'reasoning-delta', text: 'Thinking about it.' },
    { type: 'text-delta', text: 'Paris' },
    { type: 'tool-call-start', index: 0, id: 'c', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
    { type: 'finish', reason: { unified: 'tool_calls', raw: 'tool_calls' } },
  ];
  const { seen } = await read(settleStreamUsage(parts(source), () => tally('hi')));
  assert.deepEqual(seen.slice(0, -1), source);
  const last = seen.at(-1);
  assert.equal(last?.type, 'usage');
  const usage = (last as { usage: Usage }).usage;
  assert.equal(usage.estimated, true);
  assert.equal(usage.input.total, 1);
  assert.equal(usage.output.reasoning, 4);
  // "Parisget_weather{"city":"Paris"}" (deltas are one text) plus the 4 reasoning tokens.
  assert.equal(usage.output.total, countTextTokens('Parisget_weather{"city":"Paris"}') + 4);
});

test('a stream that breaks hands its usage so far (completed from the partial report) just before the error', async () => {
  const failure = new GatewayError('upstream_bad_response', 'cut');
  const partial = { usage: reported(12, 1), outputFinal: false };
  const { seen, error } = await read(
    settleStreamUsage(parts([{ type: 'start' }, { type: 'text-delta', text: 'Hello there, how are you doing today?' }], failure), untouchable, partial),
  );
  assert.equal(error, failure);
  assert.deepEqual(seen.at(-1), {
    type: 'usage',
    usage: { input: { total: 12, cacheRead: 0, cacheWrite: 0 }, output: { total: 9, reasoning: 0 }, estimated: true },
  });
  // A usage part already seen is not repeated before the error.
  const settled = await read(settleStreamUsage(parts([{ type: 'usage', usage: reported(3, 4) }], failure), untouchable));
  assert.deepEqual(settled.seen.map((part) => part.type), ['usage']);
  assert.equal(settled.error, failure);
});

test('a consumer that stops reading early is handed the usage so far; one that reads to the end is not', async () => {
  const source: StreamPart[] = [{ type: 'start' }, { type: 'text-delta', text: 'Once upon a time' }, { type: 'text-delta', text: ' there was' }];
  const abandoned: Usage[] = [];
  for await (const part of settleStreamUsage(parts(source), () => tally('tell me a story'), undefined, (usage) => abandoned.push(usage))) {
    if (part.type === 'text-delta') break;
  }
  assert.equal(abandoned.length, 1);
  assert.equal(abandoned[0]!.estimated, true);
  assert.equal(abandoned[0]!.output.total, countTextTokens('Once upon a time'));
  assert.ok(abandoned[0]!.input.total > 0);
  const { seen } = await read(settleStreamUsage(parts(source), () => tally('hi'), undefined, (usage) => abandoned.push(usage)));
  assert.equal(seen.at(-1)?.type, 'usage');
  assert.equal(abandoned.length, 1, 'read to the end: the usage part carries it');
});

test('a prompt counted piece by piece (with remembered pieces) counts exactly as its joined text', () => {
  // Pieces ending in letters, digits, punctuation, spaces, line breaks, emoji and long runs; each starting with
  // something that is not whitespace, as messages do (the pieces are counted apart only then).
  const endings = ['', '.', '!\n', '  ', ' 42', '\t', '…', '😀', ':\n\n', '```', ' don\'t', '\r\n'];
  const starts = ['What', '42 is', '"quoted"', '- item', '😀 ok', '{"a":1}', '#', 'ünïcode', '.leading dot'];
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  for (let round = 0; round < 400; round++) {
    const pieces = Array.from({ length: 1 + next(5) }, () => {
      const run = next(6) === 0 ? 'x'.repeat(60 + next(20)) : '';
      return `${starts[next(starts.length)]} middle words ${run}${endings[next(endings.length)]}`;
    });
    const expected = countTextTokens(pieces.join('\n'));
    assert.equal(tally(...pieces).count(), expected, JSON.stringify(pieces));
    // A second time from the remembered counts.
    assert.equal(tally(...pieces).count(), expected, JSON.stringify(pieces));
  }
  // A piece starting with whitespace is counted in the joined text, where the line break may merge with it.
  assert.equal(tally('a', ' b', '\nc').count(), countTextTokens('a\n b\n\nc'));
});
