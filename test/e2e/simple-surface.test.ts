// The simple surface (/ai) with plain fetch, against every provider family through the simulator: chat as JSON
// and as a stream, a function-calling round trip, generate, embeddings and the model list, field by field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway();
});
after(async () => {
  await gateway.close();
});

const chatModels = [
  { model: 'gemini-2.5-flash', provider: 'gemini' },
  { model: 'gpt-4o-mini', provider: 'openai' },
  { model: 'claude-haiku-4-5', provider: 'anthropic' },
  { model: 'sim-chat', provider: 'sim' },
];

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get weather for a location',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };
type ToolCall = { id: string; type?: string; function: { name: string; arguments: string } };
type ChatBody = {
  id: string;
  model: string;
  message: { role: string; content: string | null; tool_calls?: ToolCall[] };
  usage: Usage;
  finish_reason: string;
};
type StreamEvent = {
  delta?: { content?: string; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> };
  finish_reason?: string;
  usage?: Usage;
  error?: unknown;
};

async function post(path: string, body: unknown) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}` },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

/** The `data:` payloads of an SSE body, in order; `[DONE]` kept as the string. */
async function postStream(path: string, body: unknown) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}` },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await response.text();
  const events: Array<StreamEvent | '[DONE]'> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    assert.ok(line.startsWith('data: '), `every line is a data line: ${line}`);
    const data = line.slice('data: '.length);
    events.push(data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as StreamEvent));
  }
  return { response, events };
}

function assertUsage(usage: Usage) {
  assert.deepEqual(Object.keys(usage).sort(), ['completion_tokens', 'prompt_tokens', 'total_tokens']);
  assert.ok(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0, 'prompt_tokens');
  assert.ok(Number.isInteger(usage.completion_tokens) && usage.completion_tokens > 0, 'completion_tokens');
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

/** Splits a stream into its delta events, the finish event and the terminator, checking their order. */
function splitStream(events: Array<StreamEvent | '[DONE]'>) {
  assert.equal(events.at(-1), '[DONE]', '[DONE] comes last');
  const finish = events.at(-2) as StreamEvent;
  assert.deepEqual(finish.delta, {}, 'the finish event has an empty delta');
  assert.equal(typeof finish.finish_reason, 'string');
  const deltas = events.slice(0, -2) as StreamEvent[];
  for (const event of deltas) {
    assert.ok(event.delta && Object.keys(event.delta).length > 0, 'every earlier event carries a delta');
    assert.equal(event.finish_reason, undefined, 'no finish_reason before the finish event');
  }
  return { deltas, finish };
}

function toolCallsFromDeltas(deltas: StreamEvent[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const event of deltas) {
    for (const fragment of event.delta?.tool_calls ?? []) {
      const call = (calls[fragment.index] ??= { id: '', function: { name: '', arguments: '' } });
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.function.name = fragment.function.name;
      call.function.arguments += fragment.function?.arguments ?? '';
    }
  }
  return calls;
}

async function logRow(requestId: string | null) {
  assert.ok(requestId, 'the response names its request id');
  await gateway.store.requestLog.flush();
  return gateway.store.requestLog.get(requestId);
}

for (const { model, provider } of chatModels) {
  describe(`${model} on /ai/chat`, () => {
    test('a JSON answer has every field of the contract, with its type', async () => {
      const { response, body } = await post('/ai/chat', {
        model,
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'What is machine learning?' },
        ],
        temperature: 0.7,
        max_tokens: 500,
        top_p: 0.9,
      });
      assert.equal(response.status, 200, JSON.stringify(body));
      const chat = body as unknown as ChatBody;
      assert.deepEqual(Object.keys(chat).sort(), ['finish_reason', 'id', 'message', 'model', 'usage']);
      assert.match(chat.id, /^chat_[0-9a-f]{32}$/);
      assert.equal(chat.id, `chat_${response.headers.get('x-request-id')!.replaceAll('-', '')}`);
      assert.equal(chat.model, model);
      assert.deepEqual(chat.message, { role: 'assistant', content: 'Simulated answer to: What is machine learning?' });
      assertUsage(chat.usage);
      assert.equal(chat.finish_reason, 'stop');
      assert.equal(response.headers.get('x-provider'), provider);
      assert.equal(response.headers.get('x-tokens-prompt'), String(chat.usage.prompt_tokens));
      assert.equal(response.headers.get('x-tokens-completion'), String(chat.usage.completion_tokens));
      assert.match(response.headers.get('x-cost') ?? '', /^\d+(\.\d+)?$/);
      assert.equal(response.headers.get('x-cache'), 'SKIP');
      const row = await logRow(response.headers.get('x-request-id'));
      assert.equal(row?.endpoint, 'chat');
      assert.equal(row?.status, 200);
      assert.equal(row?.provider, provider);
      assert.equal(row?.promptTokens, chat.usage.prompt_tokens);
      assert.equal(row?.stream, false);
    });

    test('a stream sends delta events, then the finish event, then [DONE]', async () => {
      const { response, events } = await postStream('/ai/chat', { model, messages: [{ role: 'user', content: 'Write a story' }], stream: true });
      const { deltas, finish } = splitStream(events);
      assert.ok(deltas.length > 1, 'the answer arrives in pieces');
      for (const event of deltas) assert.deepEqual(Object.keys(event), ['delta']);
      assert.equal(deltas.map((event) => event.delta?.content ?? '').join(''), 'Simulated answer to: Write a story');
      assert.equal(finish.finish_reason, 'stop');
      assertUsage(finish.usage!);
      const row = await logRow(response.headers.get('x-request-id'));
      assert.equal(row?.status, 200);
      assert.equal(row?.stream, true);
      assert.equal(row?.completionTokens, finish.usage!.completion_tokens);
    });

    test('function calling: the model calls the tool, the result goes back, the model answers', async () => {
      const question = { role: 'user', content: "What's the weather in Tokyo?" };
      const first = await post('/ai/chat', { model, messages: [question], tools: [weatherTool] });
      assert.equal(first.response.status, 200, JSON.stringify(first.body));
      const call = first.body as unknown as ChatBody;
      assert.equal(call.finish_reason, 'tool_calls');
      assert.equal(call.message.role, 'assistant');
      assert.equal(call.message.content, null);
      assert.equal(call.message.tool_calls?.length, 1);
      const toolCall = call.message.tool_calls![0]!;
      assert.equal(typeof toolCall.id, 'string');
      assert.ok(toolCall.id.length > 0);
      assert.equal(toolCall.function.name, 'get_weather');
      assert.equal(typeof toolCall.function.arguments, 'string');
      assert.deepEqual(JSON.parse(toolCall.function.arguments), { location: 'Paris' });

      // The assistant message goes back exactly as it came.
      const second = await post('/ai/chat', {
        model,
        messages: [question, call.message, { role: 'tool', tool_call_id: toolCall.id, content: 'Sunny, 21 C' }],
        tools: [weatherTool],
      });
      assert.equal(second.response.status, 200, JSON.stringify(second.body));
      const answer = second.body as unknown as ChatBody;
      assert.equal(answer.finish_reason, 'stop');
      assert.match(answer.message.content ?? '', /^Tool results: .*Sunny, 21 C/);
      assert.equal(answer.message.tool_calls, undefined);
    });

    test('function calling streams the call as tool_calls deltas', async () => {
      const { events } = await postStream('/ai/chat', {
        model,
        messages: [{ role: 'user', content: "What's the weather in Tokyo?" }],
        tools: [weatherTool],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        stream: true,
      });
      const { deltas, finish } = splitStream(events);
      assert.equal(finish.finish_reason, 'tool_calls');
      const calls = toolCallsFromDeltas(deltas);
      assert.equal(calls.length, 1);
      assert.ok(calls[0]!.id.length > 0);
      assert.equal(calls[0]!.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(calls[0]!.function.arguments), { location: 'Paris' });
    });

    test('generate answers {id, text, usage}', async () => {
      const { response, body } = await post('/ai/generate', {
        model,
        prompt: 'Explain quantum computing in simple terms',
        max_tokens: 200,
        temperature: 0.5,
      });
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.match(String(body.id), /^gen_[0-9a-f]{32}$/);
      assert.equal(body.text, 'Simulated answer to: Explain quantum computing in simple terms');
      assertUsage(body.usage as Usage);
      assert.equal(body.finish_reason, 'stop');
      const row = await logRow(response.headers.get('x-request-id'));
      assert.equal(row?.endpoint, 'chat');
      assert.equal(row?.status, 200);
    });
  });
}

describe('parameters reach the provider in its own terms', () => {
  const body = {
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ],
    temperature: 0.7,
    top_p: 0.9,
    max_tokens: 500,
    tools: [weatherTool],
    tool_choice: 'none',
  };

  test('OpenAI', async () => {
    await post('/ai/chat', { model: 'gpt-4o-mini', ...body });
    const sent = gateway.simulator.lastRequest()?.body as Record<string, unknown>;
    assert.equal(sent.temperature, 0.7);
    assert.equal(sent.top_p, 0.9);
    assert.equal(sent.max_completion_tokens, 500);
    assert.equal(sent.tool_choice, 'none');
    assert.deepEqual(sent.messages, body.messages);
  });

  test('Anthropic', async () => {
    await post('/ai/chat', { model: 'claude-haiku-4-5', ...body });
    const sent = gateway.simulator.lastRequest()?.body as Record<string, unknown>;
    assert.equal(sent.temperature, 0.7);
    assert.equal(sent.top_p, 0.9);
    assert.equal(sent.max_tokens, 500);
    assert.equal(sent.system, 'Be brief.');
    assert.deepEqual(sent.tool_choice, { type: 'none' });
  });

  test('Gemini', async () => {
    await post('/ai/chat', { model: 'gemini-2.5-flash', ...body });
    const sent = gateway.simulator.lastRequest()?.body as Record<string, unknown>;
    assert.deepEqual(sent.generationConfig, { maxOutputTokens: 500, temperature: 0.7, topP: 0.9 });
    assert.deepEqual(sent.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(sent.toolConfig, { functionCallingConfig: { mode: 'NONE' } });
  });

  test('a user message with an image part reaches the provider as an image', async () => {
    const image = 'data:image/png;base64,iVBORw0KGgo=';
    const { response, body: answer } = await post('/ai/chat', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: image } }] }],
    });
    assert.equal(response.status, 200, JSON.stringify(answer));
    assert.equal((answer.message as { content: string }).content, 'Simulated answer to: What is this? (1 image)');
  });
});

describe('/ai/generate', () => {
  test('max_tokens cuts the text and says so', async () => {
    const { body } = await post('/ai/generate', { model: 'gpt-4o-mini', prompt: 'Explain quantum computing in simple terms', max_tokens: 2 });
    assert.equal(body.finish_reason, 'length');
    assert.equal(body.text, 'Simulated answer to: Explain quantum computing in simple terms'.slice(0, 8));
  });

  test('stream: true streams the text as delta events', async () => {
    const { events } = await postStream('/ai/generate', { model: 'gemini-2.5-flash', prompt: 'Tell me a joke', stream: true });
    const { deltas, finish } = splitStream(events);
    assert.equal(deltas.map((event) => event.delta?.content ?? '').join(''), 'Simulated answer to: Tell me a joke');
    assert.equal(finish.finish_reason, 'stop');
  });
});

describe('/ai/embeddings', () => {
  const embeddingModels = [
    { model: 'text-embedding-3-small', provider: 'openai', dimensions: 1536 },
    { model: 'gemini-embedding-001', provider: 'gemini', dimensions: 3072 },
    { model: 'text-embedding-004', provider: 'gemini', dimensions: 768 },
  ];
  for (const { model, provider, dimensions } of embeddingModels) {
    test(`${model}: a string gives {embedding, dimensions, usage}`, async () => {
      const { response, body } = await post('/ai/embeddings', { model, input: 'Machine learning is fascinating' });
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.equal(response.headers.get('x-provider'), provider);
      const embedding = body.embedding as number[];
      assert.ok(Array.isArray(embedding));
      assert.equal(embedding.length, dimensions);
      assert.ok(embedding.every((value) => typeof value === 'number'));
      assert.equal(body.dimensions, dimensions);
      assert.equal(body.embeddings, undefined);
      const usage = body.usage as { total_tokens: number };
      assert.ok(Number.isInteger(usage.total_tokens) && usage.total_tokens > 0);
      const row = await logRow(response.headers.get('x-request-id'));
      assert.equal(row?.endpoint, 'embeddings');
      assert.equal(row?.promptTokens, usage.total_tokens);
    });

    test(`${model}: an array gives {embeddings, dimensions, usage} in input order`, async () => {
      const single = await post('/ai/embeddings', { model, input: 'Second document' });
      const { response, body } = await post('/ai/embeddings', { model, input: ['First document', 'Second document'] });
      assert.equal(response.status, 200, JSON.stringify(body));
      const embeddings = body.embeddings as number[][];
      assert.equal(embeddings.length, 2);
      for (const vector of embeddings) assert.equal(vector.length, dimensions);
      assert.deepEqual(embeddings[1], single.body.embedding, 'the second vector is the one for the second text');
      assert.notDeepEqual(embeddings[0], embeddings[1]);
      assert.equal(body.dimensions, dimensions);
      assert.equal(body.embedding, undefined);
      assert.ok((body.usage as { total_tokens: number }).total_tokens > 0);
    });
  }

  test('dimensions asks for shorter vectors', async () => {
    const { body } = await post('/ai/embeddings', { model: 'text-embedding-3-small', input: 'hello', dimensions: 256 });
    assert.equal((body.embedding as number[]).length, 256);
    assert.equal(body.dimensions, 256);
  });

  test('a chat model is refused for embeddings with a 400', async () => {
    const { response, body } = await post('/ai/embeddings', { model: 'gpt-4o-mini', input: 'hello' });
    assert.equal(response.status, 400);
    assert.equal((body.error as { code: string }).code, 'model_not_supported');
  });
});

describe('GET /ai/models', () => {
  type Listed = { id: string; provider: string; capabilities: string[]; context_length: number };
  let models: Listed[];

  before(async () => {
    const response = await fetch(`${gateway.url}/ai/models`, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    assert.equal(response.status, 200);
    models = ((await response.json()) as { models: Listed[] }).models;
  });

  test('every model has id, provider, capabilities and context_length with their types', () => {
    assert.ok(models.length > 0);
    for (const model of models) {
      assert.equal(typeof model.id, 'string');
      assert.equal(typeof model.provider, 'string');
      assert.ok(Array.isArray(model.capabilities) && model.capabilities.every((capability) => typeof capability === 'string'));
      assert.ok(Number.isInteger(model.context_length));
    }
  });

  test('Gemini models are listed as Google’s; the others under their provider id', () => {
    const byId = new Map(models.map((model) => [model.id, model]));
    assert.equal(byId.get('gemini-2.5-flash')?.provider, 'google');
    assert.deepEqual(byId.get('gemini-2.5-flash')?.capabilities.slice(0, 2), ['chat', 'vision']);
    assert.equal(byId.get('gpt-4o-mini')?.provider, 'openai');
    assert.equal(byId.get('claude-haiku-4-5')?.provider, 'anthropic');
    assert.equal(byId.get('sim-chat')?.provider, 'sim');
    assert.equal(byId.get('text-embedding-3-small')?.capabilities.includes('embeddings'), true);
    assert.ok(!models.some((model) => model.provider === 'gemini'), 'no model says gemini');
    assert.ok(
      models.every((model) => model.capabilities.includes('chat') || model.capabilities.includes('embeddings')),
      'only models this surface can serve',
    );
    assert.equal(byId.get('gpt-3.5-turbo-instruct'), undefined, 'a completions-only model is not listed');
  });

  test('a google/ model name is accepted', async () => {
    const { response, body } = await post('/ai/chat', { model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(response.headers.get('x-provider'), 'gemini');
    assert.equal(body.model, 'google/gemini-2.5-flash');
  });

  test('a model that is itself named google/… (OpenRouter) keeps its meaning', async () => {
    const withOpenRouter = await startTestGateway({
      config: (simulatorUrl) => ({ providers: { openrouter: { apiKey: 'test-openrouter-key', baseURL: `${simulatorUrl}/v1` } } }),
    });
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${withOpenRouter.adminKey}` };
      const response = await fetch(`${withOpenRouter.url}/ai/chat`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.status, 200, await response.text());
      assert.equal(response.headers.get('x-provider'), 'openrouter');
      const listed = (await (await fetch(`${withOpenRouter.url}/ai/models`, { headers })).json()) as { models: Listed[] };
      const named = listed.models.filter((model) => model.id === 'google/gemini-2.5-flash');
      assert.deepEqual(named.map((model) => model.provider), ['openrouter'], 'one model answers to that name');
    } finally {
      await withOpenRouter.close();
    }
  });
});
