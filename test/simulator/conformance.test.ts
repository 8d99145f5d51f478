// The simulator's output compared with real provider recordings (src/providers/<family>/__fixtures__/, each
// with its source in the README there): same key names and JSON types at every level, same SSE event grammar.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import { ANTHROPIC_HEADERS, GEMINI_HEADERS, OPENAI_HEADERS, dataObjects, postJson, postSse, type SseEvent } from './helpers.js';
import { collapse, readFixtureJson, readFixtureStream, shapeOf, unrecorded, type RecordedEvent } from './recorded-shape.js';

const OPENAI_TOOLS = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_stock_price', parameters: { type: 'object', properties: { ticker: { type: 'string' } }, required: ['ticker'] } } },
];
const ANTHROPIC_TOOLS = [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } }];
const GEMINI_TOOLS = [{ functionDeclarations: [{ name: 'weather', parameters: { type: 'OBJECT', properties: { location: { type: 'STRING' } }, required: ['location'] } }] }];

/** Nullable in the spec though the recordings happen to carry a value (shared/reference/openai.md §6). */
const OPENAI_ERROR_NULLABLE = { '$.error.param': 'null', '$.error.code': 'null' };

function assertConforms(label: string, recorded: unknown[], simulated: unknown[], documented: Record<string, string> = {}): void {
  assert.ok(recorded.length > 0 && simulated.length > 0, `${label}: nothing to compare`);
  const shape = shapeOf(recorded);
  for (const [path, type] of Object.entries(documented)) shape.get(path)?.add(type);
  const problems = unrecorded(shape, shapeOf(simulated));
  assert.deepEqual(problems, [], `${label}: simulator output differs from the recordings`);
}

function recordedData(family: string, names: string[]): Record<string, unknown>[] {
  return names.flatMap((name) => readFixtureStream(family, name).map((event) => event.data));
}

/** OpenAI chunk kinds in order: role, content, tool, finish, usage. */
function openaiChunkKinds(chunks: Record<string, any>[]): string[] {
  return collapse(
    chunks.map((chunk) => {
      const choice = chunk.choices[0];
      if (choice === undefined) return 'usage';
      if (choice.finish_reason !== null) return 'finish';
      if (choice.delta.role !== undefined) return 'role';
      return choice.delta.tool_calls !== undefined ? 'tool' : 'content';
    }),
  );
}

/**
 * Anthropic's grammar with each content block (start, deltas, stop, same index) folded into `block`, and pings
 * left out (they may come anywhere): message_start, block+, message_delta, message_stop.
 */
function anthropicGrammar(events: { name: string | undefined; data: Record<string, unknown> }[]): string[] {
  const grammar: string[] = [];
  let open: unknown;
  for (const { name, data } of events) {
    if (name === 'ping') continue;
    if (name === 'content_block_start') {
      assert.equal(open, undefined, 'blocks do not nest');
      open = data.index;
      grammar.push('block');
    } else if (name === 'content_block_delta' || name === 'content_block_stop') {
      assert.equal(data.index, open, `${name} belongs to the open block`);
      if (name === 'content_block_stop') open = undefined;
    } else {
      grammar.push(name ?? '');
    }
  }
  return collapse(grammar);
}

function recordedAnthropicEvents(name: string): { name: string; data: Record<string, unknown> }[] {
  return readFixtureStream('anthropic', name).map((event: RecordedEvent) => {
    // Raw SSE recordings carry the name; Vercel's one-line format implies it through data.type.
    if (event.event !== undefined) assert.equal(event.event, event.data.type);
    return { name: String(event.data.type), data: event.data };
  });
}

function simulatedAnthropicEvents(events: SseEvent[]): { name: string | undefined; data: Record<string, unknown> }[] {
  return events.map((event) => ({ name: event.event, data: JSON.parse(event.data) as Record<string, unknown> }));
}

describe('recorded-shape comparison', () => {
  it('catches renamed, added and retyped keys but allows fewer keys', () => {
    const recorded = shapeOf([{ id: 'a', choices: [{ index: 0, text: 'x', logprobs: null }] }]);
    assert.deepEqual(unrecorded(recorded, shapeOf([{ id: 'b', choices: [{ index: 1 }] }])), []);
    assert.deepEqual(unrecorded(recorded, shapeOf([{ id: 'b', choices: [{ index: '1', txt: 'y' }] }])), [
      '$.choices[].index is string, recorded as number',
      '$.choices[].txt is not in the recordings',
    ]);
  });
});

describe('simulator conformance with recorded OpenAI traffic', () => {
  let sim: SimulatorHandle;
  let chat: string;
  before(async () => {
    sim = await startSimulator();
    chat = `${sim.url}/v1/chat/completions`;
  });
  after(() => sim.close());

  it('chat completion bodies: text, parallel tool calls, n choices', async () => {
    const text = await postJson(chat, { model: 'gpt-4o', messages: [{ role: 'user', content: 'Invent a holiday' }] }, OPENAI_HEADERS);
    const tools = await postJson(chat, { model: 'gpt-4o', tools: OPENAI_TOOLS, messages: [{ role: 'user', content: 'go [sim:parallel]' }] }, OPENAI_HEADERS);
    const many = await postJson(chat, { model: 'gpt-4o', n: 3, messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
    const recorded = ['openai-text.json', 'openai-parallel-tool-calls.json', 'openai-multiple-choices.json'].map((name) => readFixtureJson('openai', name));
    assertConforms('chat.completion', recorded, [text.json, tools.json, many.json]);
  });

  it('chat completion chunks and their order: role, deltas, finish, usage with choices [], [DONE]', async () => {
    const text = await postSse(
      chat,
      { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Invent a holiday' }] },
      OPENAI_HEADERS,
    );
    const tools = await postSse(
      chat,
      { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, tools: OPENAI_TOOLS, messages: [{ role: 'user', content: 'go [sim:parallel]' }] },
      OPENAI_HEADERS,
    );
    const recordedText = recordedData('openai', ['openai-text.chunks.txt']);
    const recordedTools = recordedData('openai', ['openai-parallel-tool-calls.chunks.txt']);
    assertConforms('chat.completion.chunk', [...recordedText, ...recordedTools], [...dataObjects(text.events), ...dataObjects(tools.events)]);
    for (const stream of [text, tools]) {
      assert.ok(stream.events.every((event) => event.event === undefined), 'no event: lines');
      assert.equal(stream.events.at(-1)?.data, '[DONE]');
    }
    assert.deepEqual(openaiChunkKinds(dataObjects(text.events)), openaiChunkKinds(recordedText));
    assert.deepEqual(openaiChunkKinds(dataObjects(tools.events)), openaiChunkKinds(recordedTools));
  });

  it('legacy completions, JSON and streamed', async () => {
    const url = `${sim.url}/v1/completions`;
    const body = await postJson(url, { model: 'gpt-3.5-turbo-instruct', prompt: 'Invent a holiday' }, OPENAI_HEADERS);
    assertConforms('text_completion', [readFixtureJson('openai', 'openai-completion-text.json')], [body.json]);
    const stream = await postSse(
      url,
      { model: 'gpt-3.5-turbo-instruct', prompt: 'Invent a holiday', stream: true, stream_options: { include_usage: true } },
      OPENAI_HEADERS,
    );
    const recorded = recordedData('openai', ['openai-completion-text.chunks.txt']);
    assertConforms('text_completion chunk', recorded, dataObjects(stream.events));
    const finishes = (chunks: Record<string, any>[]): boolean[] => chunks.map((chunk) => chunk.choices[0]?.finish_reason != null);
    assert.deepEqual(collapse(finishes(dataObjects(stream.events)).map(String)), collapse(finishes(recorded).map(String)));
  });

  it('embeddings as floats and as base64', async () => {
    const url = `${sim.url}/v1/embeddings`;
    const floats = await postJson(url, { model: 'text-embedding-3-small', input: 'x' }, OPENAI_HEADERS);
    const encoded = await postJson(url, { model: 'text-embedding-3-small', input: 'x', encoding_format: 'base64' }, OPENAI_HEADERS);
    assertConforms('embedding float', [readFixtureJson('openai', 'openai-embedding-float.json')], [floats.json]);
    assertConforms('embedding base64', [readFixtureJson('openai', 'openai-embedding-base64.json')], [encoded.json]);
  });

  it('error bodies', async () => {
    sim.inject({ kind: 'status', status: 429 });
    const limited = await postJson(chat, { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
    const unauthorised = await postJson(chat, { model: 'gpt-4o', messages: [] }, { ...OPENAI_HEADERS, authorization: 'Bearer bad' });
    const invalid = await postJson(chat, { model: 'gpt-4o' }, OPENAI_HEADERS);
    assertConforms(
      'error',
      [readFixtureJson('openai', 'openai-error-unsupported-parameter.json')],
      [limited.json, unauthorised.json, invalid.json],
      OPENAI_ERROR_NULLABLE,
    );
  });
});

describe('simulator conformance with recorded Anthropic traffic', () => {
  let sim: SimulatorHandle;
  let messages: string;
  before(async () => {
    sim = await startSimulator();
    messages = `${sim.url}/v1/messages`;
  });
  after(() => sim.close());

  it('message bodies: text, tool use, thinking', async () => {
    const base = { model: 'claude-sonnet-4-5', max_tokens: 2000 };
    const text = await postJson(messages, { ...base, messages: [{ role: 'user', content: 'Hello' }] }, ANTHROPIC_HEADERS);
    const tool = await postJson(messages, { ...base, tools: ANTHROPIC_TOOLS, messages: [{ role: 'user', content: 'Weather?' }] }, ANTHROPIC_HEADERS);
    const thinking = await postJson(
      messages,
      { ...base, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: ANTHROPIC_TOOLS, messages: [{ role: 'user', content: 'Weather?' }] },
      ANTHROPIC_HEADERS,
    );
    const recorded = ['anthropic-text.json', 'anthropic-tool-use.json', 'anthropic-json-tool.json', 'anthropic-thinking-tool-use.json'].map((name) =>
      readFixtureJson('anthropic', name),
    );
    assertConforms('message', recorded, [text.json, tool.json, thinking.json]);
  });

  it('streams: payloads, event names equal to data.type, grammar and cumulative usage placement', async () => {
    const base = { model: 'claude-sonnet-4-5', max_tokens: 2000, stream: true };
    const scenarios = [
      { recording: 'anthropic-text.chunks.txt', body: { ...base, messages: [{ role: 'user', content: 'Hello' }] } },
      { recording: 'anthropic-tool-no-args.chunks.txt', body: { ...base, tools: [{ name: 'update', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'Update' }] } },
      { recording: 'anthropic-json-tool.chunks.txt', body: { ...base, tools: ANTHROPIC_TOOLS, messages: [{ role: 'user', content: 'Weather?' }] } },
      { recording: 'anthropic-thinking.chunks.txt', body: { ...base, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'Hi' }] } },
    ];
    const recordedPayloads: unknown[] = recordedAnthropicEvents('anthropic-tool-use.sse.txt').map((event) => event.data);
    const simulatedPayloads: unknown[] = [];
    for (const scenario of scenarios) {
      const recorded = recordedAnthropicEvents(scenario.recording);
      const simulated = simulatedAnthropicEvents((await postSse(messages, scenario.body, ANTHROPIC_HEADERS)).events);
      for (const event of simulated) assert.equal(event.name, event.data.type, 'event: line names the data type');
      assert.deepEqual(anthropicGrammar(simulated), anthropicGrammar(recorded), scenario.recording);
      const usageKeys = (events: { name?: string; data: Record<string, any> }[]): string[] =>
        Object.keys(events.find((event) => event.data.type === 'message_delta')!.data.usage).sort();
      assert.deepEqual(usageKeys(simulated), usageKeys(recorded), `${scenario.recording}: message_delta usage`);
      recordedPayloads.push(...recorded.map((event) => event.data));
      simulatedPayloads.push(...simulated.map((event) => event.data));
    }
    assertConforms('stream events', recordedPayloads, simulatedPayloads);
  });

  it('the in-band stream error event', async () => {
    sim.inject({ kind: 'stream-error', afterChunks: 1 });
    const stream = await postSse(messages, { model: 'claude', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }, ANTHROPIC_HEADERS);
    const last = stream.events.at(-1)!;
    const recorded = recordedAnthropicEvents('anthropic-error-event.sse.txt');
    assert.equal(last.event, recorded[0]!.name);
    assertConforms('error event', recorded.map((event) => event.data), [JSON.parse(last.data)]);
  });

  it('error bodies', async () => {
    sim.inject({ kind: 'status', status: 529 });
    const overloaded = await postJson(messages, { model: 'claude', max_tokens: 10, messages: [] }, ANTHROPIC_HEADERS);
    const unauthorised = await postJson(messages, { model: 'claude', max_tokens: 10, messages: [] }, { ...ANTHROPIC_HEADERS, 'x-api-key': 'bad' });
    const invalid = await postJson(messages, { model: 'claude', messages: [] }, ANTHROPIC_HEADERS);
    const recorded = [
      'anthropic-error-overloaded.json',
      'anthropic-error-authentication.json',
      'anthropic-error-invalid-request.json',
      'anthropic-error-rate-limit.json',
      'anthropic-error-not-found.json',
    ].map((name) => readFixtureJson('anthropic', name));
    assertConforms('error', recorded, [overloaded.json, unauthorised.json, invalid.json]);
  });
});

describe('simulator conformance with recorded Gemini traffic', () => {
  let sim: SimulatorHandle;
  let model: string;
  before(async () => {
    sim = await startSimulator();
    model = `${sim.url}/v1beta/models/gemini-2.5-flash`;
  });
  after(() => sim.close());

  const reasoningText = [{ role: 'user', parts: [{ text: 'How many rs in strawberry? [sim:reasoning=40]' }] }];
  const weather = [{ role: 'user', parts: [{ text: 'Weather in San Francisco?' }] }];

  it('generateContent bodies: text with thoughts counted, function call', async () => {
    const text = await postJson(`${model}:generateContent`, { contents: reasoningText }, GEMINI_HEADERS);
    const tool = await postJson(`${model}:generateContent`, { contents: weather, tools: GEMINI_TOOLS }, GEMINI_HEADERS);
    const recorded = ['google-text.json', 'google-reasoning.json', 'google-tool-call.json'].map((name) => readFixtureJson('gemini', name));
    assertConforms('GenerateContentResponse', recorded, [text.json, tool.json]);
  });

  it('streams: data-only chunks, usage on every chunk, finishReason only on the last', async () => {
    const text = await postSse(`${model}:streamGenerateContent?alt=sse`, { contents: reasoningText }, GEMINI_HEADERS);
    const tool = await postSse(`${model}:streamGenerateContent?alt=sse`, { contents: weather, tools: GEMINI_TOOLS }, GEMINI_HEADERS);
    const recordedText = recordedData('gemini', ['google-text.chunks.txt']);
    const recordedTool = recordedData('gemini', ['google-tool-call.chunks.txt']);
    assertConforms('stream chunk', [...recordedText, ...recordedTool], [...dataObjects(text.events), ...dataObjects(tool.events)]);
    const layout = (chunks: Record<string, any>[]): string[] =>
      collapse(chunks.map((chunk) => `${'usageMetadata' in chunk}:${chunk.candidates[0].finishReason ?? 'none'}`));
    for (const [stream, recorded] of [
      [text, recordedText],
      [tool, recordedTool],
    ] as const) {
      assert.ok(stream.events.every((event) => event.event === undefined && event.data !== '[DONE]'));
      assert.deepEqual(layout(dataObjects(stream.events)), layout(recorded));
    }
  });

  it('batch embeddings', async () => {
    const batch = await postJson(
      `${sim.url}/v1beta/models/text-embedding-004:batchEmbedContents`,
      { requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }] },
      GEMINI_HEADERS,
    );
    assertConforms('batchEmbedContents', [readFixtureJson('gemini', 'gemini-batch-embed-no-usage.json')], [batch.json]);
  });

  it('error bodies: bad key, quota with RetryInfo, overloaded', async () => {
    const badKey = await postJson(`${model}:generateContent`, { contents: weather }, { ...GEMINI_HEADERS, 'x-goog-api-key': 'bad' });
    sim.inject({ kind: 'status', status: 429, retryAfter: 34 });
    const quota = await postJson(`${model}:generateContent`, { contents: weather }, GEMINI_HEADERS);
    sim.inject({ kind: 'status', status: 503 });
    const overloaded = await postJson(`${model}:generateContent`, { contents: weather }, GEMINI_HEADERS);
    assert.deepEqual(overloaded.json, readFixtureJson('gemini', 'gemini-503-overloaded.json'));
    const recorded = ['gemini-400-api-key-invalid.json', 'google-429-retry-info.json', 'gemini-503-overloaded.json'].map((name) =>
      readFixtureJson('gemini', name),
    );
    assertConforms('error', recorded, [badKey.json, quota.json, overloaded.json]);
  });
});
