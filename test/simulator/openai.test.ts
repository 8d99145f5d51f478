import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import { OPENAI_HEADERS, dataObjects, post, postJson, postSse } from './helpers.js';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } }, required: ['city'] },
  },
};
const TIME_TOOL = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };
const NEWS_TOOL = {
  type: 'function',
  function: { name: 'get_news', parameters: { type: 'object', properties: { limit: { type: 'integer' } }, required: ['limit'] } },
};

describe('simulator: OpenAI chat completions', () => {
  let sim: SimulatorHandle;
  let chatUrl: string;
  before(async () => {
    sim = await startSimulator();
    chatUrl = `${sim.url}/v1/chat/completions`;
  });
  after(() => sim.close());

  it('answers deterministically from the last user text, with OpenAI usage', async () => {
    const { status, headers, json } = await postJson(
      chatUrl,
      { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'What is 2+2?' }] },
      OPENAI_HEADERS,
    );
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /^application\/json/);
    assert.match(headers.get('x-request-id') ?? '', /^req_/);
    assert.equal(json.object, 'chat.completion');
    assert.match(json.id, /^chatcmpl-/);
    assert.equal(json.model, 'gpt-4o');
    assert.deepEqual(json.choices[0].message, {
      role: 'assistant',
      content: 'Simulated answer to: What is 2+2?',
      refusal: null,
      annotations: [],
    });
    assert.equal(json.choices[0].finish_reason, 'stop');
    // prompt: 'Be terse.' (9) + 'What is 2+2?' (12) = 21 chars → 6 tokens; answer 33 chars → 9 tokens.
    assert.equal(json.usage.prompt_tokens, 6);
    assert.equal(json.usage.completion_tokens, 9);
    assert.equal(json.usage.total_tokens, 15);
  });

  it('counts images and says so in the answer', async () => {
    const { json } = await postJson(
      chatUrl,
      {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            ],
          },
        ],
      },
      OPENAI_HEADERS,
    );
    assert.equal(json.choices[0].message.content, 'Simulated answer to: Describe (2 images)');
    assert.equal(json.usage.prompt_tokens, 2 + 2 * 85);
  });

  it('reports cached, cache-write and reasoning tokens as OpenAI subsets', async () => {
    const { json } = await postJson(
      chatUrl,
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'abcd [sim:cached=100] [sim:cache_write=20] [sim:reasoning=50]' }] },
      OPENAI_HEADERS,
    );
    const promptChars = 'abcd [sim:cached=100] [sim:cache_write=20] [sim:reasoning=50]'.length;
    const visible = Math.ceil('Simulated answer to: abcd'.length / 4);
    assert.equal(json.choices[0].message.content, 'Simulated answer to: abcd');
    assert.equal(json.usage.prompt_tokens, Math.ceil(promptChars / 4) + 120);
    assert.equal(json.usage.prompt_tokens_details.cached_tokens, 100);
    assert.equal(json.usage.prompt_tokens_details.cache_write_tokens, 20);
    assert.equal(json.usage.completion_tokens_details.reasoning_tokens, 50);
    assert.equal(json.usage.completion_tokens, visible + 50);
  });

  it('gives reasoning models some reasoning tokens by default', async () => {
    const { json } = await postJson(chatUrl, { model: 'o3-mini', messages: [{ role: 'user', content: 'hi' }] }, OPENAI_HEADERS);
    assert.ok(json.usage.completion_tokens_details.reasoning_tokens > 0);
  });

  it('uses a fixed reply when configured and cuts it at max_completion_tokens', async () => {
    const fixed = await startSimulator({ reply: 'The quick brown fox jumps over the lazy dog.' });
    try {
      const url = `${fixed.url}/v1/chat/completions`;
      const whole = await postJson(url, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
      assert.equal(whole.json.choices[0].message.content, 'The quick brown fox jumps over the lazy dog.');
      const cut = await postJson(url, { model: 'm', max_completion_tokens: 3, messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
      assert.equal(cut.json.choices[0].message.content, 'The quick br');
      assert.equal(cut.json.choices[0].finish_reason, 'length');
      assert.equal(cut.json.usage.completion_tokens, 3);
      const stopped = await postJson(url, { model: 'm', stop: ['fox', 'brown'], messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
      assert.equal(stopped.json.choices[0].message.content, 'The quick ');
      assert.equal(stopped.json.choices[0].finish_reason, 'stop');
    } finally {
      await fixed.close();
    }
  });

  it('returns n choices', async () => {
    const { json } = await postJson(chatUrl, { model: 'gpt-4o', n: 3, messages: [{ role: 'user', content: 'hi' }] }, OPENAI_HEADERS);
    assert.deepEqual(
      json.choices.map((choice: { index: number }) => choice.index),
      [0, 1, 2],
    );
    assert.equal(json.usage.completion_tokens, 3 * Math.ceil('Simulated answer to: hi'.length / 4));
  });

  it('streams data-only chunks: role first, one per word, finish, no usage without include_usage, [DONE]', async () => {
    const { status, headers, events } = await postSse(
      chatUrl,
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hello there' }] },
      OPENAI_HEADERS,
    );
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(events.every((event) => event.event === undefined));
    assert.equal(events.at(-1)?.data, '[DONE]');
    const chunks = dataObjects(events);
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && !('usage' in chunk)));
    assert.deepEqual(chunks[0]!.choices[0].delta, { role: 'assistant', content: '', refusal: null });
    const text = chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('');
    assert.equal(text, 'Simulated answer to: Hello there');
    assert.equal(chunks.length, 1 + 5 + 1);
    assert.deepEqual(chunks.at(-1)!.choices[0], { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
  });

  it('sends the usage chunk with choices [] before [DONE] only with include_usage', async () => {
    const { events } = await postSse(
      chatUrl,
      { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello' }] },
      OPENAI_HEADERS,
    );
    const chunks = dataObjects(events);
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage.prompt_tokens, 2);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
    assert.equal(chunks.at(-2)!.choices[0].finish_reason, 'stop');
  });

  it('splits a streamed answer into the configured number of chunks', async () => {
    const chunked = await startSimulator({ chunks: 2, reply: 'abcdefgh' });
    try {
      const { events } = await postSse(
        `${chunked.url}/v1/chat/completions`,
        { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] },
        OPENAI_HEADERS,
      );
      const contents = dataObjects(events).map((chunk) => chunk.choices[0].delta.content).filter((text) => text);
      assert.deepEqual(contents, ['abcd', 'efgh']);
    } finally {
      await chunked.close();
    }
  });

  it('calls the first offered tool with arguments from the schema', async () => {
    const { json } = await postJson(
      chatUrl,
      { model: 'gpt-4o', tools: [WEATHER_TOOL, TIME_TOOL], messages: [{ role: 'user', content: 'Weather in Paris?' }] },
      OPENAI_HEADERS,
    );
    const choice = json.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.match(call.id, /^call_/);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  });

  it('honours tool_choice: named, none, and parallel calls with [sim:parallel]', async () => {
    const tools = [WEATHER_TOOL, TIME_TOOL, NEWS_TOOL];
    const named = await postJson(
      chatUrl,
      { model: 'gpt-4o', tools, tool_choice: { type: 'function', function: { name: 'get_news' } }, messages: [{ role: 'user', content: 'x' }] },
      OPENAI_HEADERS,
    );
    assert.equal(named.json.choices[0].message.tool_calls[0].function.name, 'get_news');
    assert.equal(named.json.choices[0].message.tool_calls[0].function.arguments, '{"limit":1}');
    const none = await postJson(chatUrl, { model: 'gpt-4o', tools, tool_choice: 'none', messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
    assert.equal(none.json.choices[0].finish_reason, 'stop');
    const parallel = await postJson(chatUrl, { model: 'gpt-4o', tools, messages: [{ role: 'user', content: 'all [sim:parallel]' }] }, OPENAI_HEADERS);
    const names = parallel.json.choices[0].message.tool_calls.map((call: { function: { name: string } }) => call.function.name);
    assert.deepEqual(names, ['get_weather', 'get_time', 'get_news']);
    const serial = await postJson(
      chatUrl,
      { model: 'gpt-4o', tools, parallel_tool_calls: false, messages: [{ role: 'user', content: 'all [sim:parallel]' }] },
      OPENAI_HEADERS,
    );
    assert.equal(serial.json.choices[0].message.tool_calls.length, 1);
  });

  it('answers with the tool results after a tool turn', async () => {
    const { json } = await postJson(
      chatUrl,
      {
        model: 'gpt-4o',
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        ],
      },
      OPENAI_HEADERS,
    );
    assert.equal(json.choices[0].message.content, 'Tool results: 18C');
    assert.equal(json.choices[0].finish_reason, 'stop');
  });

  it('streams tool calls: id, type and name first, then argument fragments', async () => {
    const { events } = await postSse(
      chatUrl,
      { model: 'gpt-4o', stream: true, tools: [WEATHER_TOOL, TIME_TOOL], messages: [{ role: 'user', content: 'both [sim:parallel]' }] },
      OPENAI_HEADERS,
    );
    const deltas = dataObjects(events).map((chunk) => chunk.choices[0]);
    assert.deepEqual(deltas[0].delta, {
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: deltas[0].delta.tool_calls[0].id, type: 'function', function: { name: 'get_weather', arguments: '' } }],
    });
    const argumentsByIndex = new Map<number, string>();
    let fragments = 0;
    for (const { delta } of deltas) {
      for (const call of delta.tool_calls ?? []) {
        argumentsByIndex.set(call.index, (argumentsByIndex.get(call.index) ?? '') + call.function.arguments);
        if (call.id === undefined) fragments += 1;
      }
    }
    assert.ok(fragments >= 3, 'arguments arrive in several fragments');
    assert.deepEqual(JSON.parse(argumentsByIndex.get(0)!), { city: 'Paris' });
    assert.deepEqual(JSON.parse(argumentsByIndex.get(1)!), {});
    assert.equal(deltas.at(-1).finish_reason, 'tool_calls');
  });

  it('answers in JSON for json_object and json_schema', async () => {
    const object = await postJson(
      chatUrl,
      { model: 'gpt-4o', response_format: { type: 'json_object' }, messages: [{ role: 'user', content: 'Reply in JSON' }] },
      OPENAI_HEADERS,
    );
    assert.deepEqual(JSON.parse(object.json.choices[0].message.content), { answer: 'Simulated answer to: Reply in JSON' });
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['name', 'age', 'tags'],
    };
    const typed = await postJson(
      chatUrl,
      { model: 'gpt-4o', response_format: { type: 'json_schema', json_schema: { name: 'person', schema } }, messages: [{ role: 'user', content: 'x' }] },
      OPENAI_HEADERS,
    );
    assert.deepEqual(JSON.parse(typed.json.choices[0].message.content), { name: 'example', age: 1, tags: ['example'] });
  });

  it('refuses bad credentials with OpenAI 401 bodies', async () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] };
    for (const authorization of ['Bearer bad-key', 'Bearer invalid-key', 'Bearer ']) {
      const { status, json } = await postJson(chatUrl, body, { 'content-type': 'application/json', authorization });
      assert.equal(status, 401, authorization);
      assert.equal(json.error.code, 'invalid_api_key');
      assert.equal(json.error.type, 'invalid_request_error');
      assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
    }
    const missing = await postJson(chatUrl, body, { 'content-type': 'application/json' });
    assert.equal(missing.status, 401);
    assert.match(missing.json.error.message, /didn't provide an API key/);
  });

  it('accepts only the configured keys when keys are given', async () => {
    const locked = await startSimulator({ keys: ['k-one'] });
    try {
      const url = `${locked.url}/v1/chat/completions`;
      const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] };
      assert.equal((await post(url, body, { 'content-type': 'application/json', authorization: 'Bearer k-one' })).status, 200);
      assert.equal((await post(url, body, { 'content-type': 'application/json', authorization: 'Bearer k-two' })).status, 401);
    } finally {
      await locked.close();
    }
  });

  it('answers 400 to malformed JSON and missing fields, 404 to missing models and unknown paths', async () => {
    const malformed = await postJson(chatUrl, '{"model":', OPENAI_HEADERS);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.type, 'invalid_request_error');
    const noMessages = await postJson(chatUrl, { model: 'gpt-4o' }, OPENAI_HEADERS);
    assert.equal(noMessages.status, 400);
    assert.equal(noMessages.json.error.param, 'messages');
    const missingModel = await postJson(chatUrl, { model: 'missing-model', messages: [] }, OPENAI_HEADERS);
    assert.equal(missingModel.status, 404);
    assert.equal(missingModel.json.error.code, 'model_not_found');
    const unknown = await postJson(`${sim.url}/v1/nothing`, {}, OPENAI_HEADERS);
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error.message, /Invalid URL/);
  });

  it('records requests and counts them by route', async () => {
    const counted = await startSimulator();
    try {
      await post(`${counted.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [{ role: 'user', content: 'record me' }] }, OPENAI_HEADERS);
      await fetch(`${counted.url}/v1/models`, { headers: OPENAI_HEADERS });
      const last = counted.lastRequest();
      assert.equal(last?.method, 'GET');
      assert.equal(last?.path, '/v1/models');
      const first = counted.requests()[0]!;
      assert.equal(first.path, '/v1/chat/completions');
      assert.equal(first.headers.authorization, 'Bearer test-key');
      assert.deepEqual(first.body, { model: 'gpt-4o', messages: [{ role: 'user', content: 'record me' }] });
      assert.deepEqual(counted.stats(), { requests: 2, byRoute: { 'openai.chat.completions': 1, 'openai.models': 1 }, abandoned: 0, tailDelayed: 0 });
      counted.reset();
      assert.deepEqual(counted.stats(), { requests: 0, byRoute: {}, abandoned: 0, tailDelayed: 0 });
      assert.equal(counted.lastRequest(), undefined);
    } finally {
      await counted.close();
    }
  });

  it('is accepted by the official openai SDK, streaming helper included', async () => {
    const client = new OpenAI({ apiKey: 'test-key', baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'SDK' }] });
    assert.equal(completion.choices[0]?.message.content, 'Simulated answer to: SDK');
    const runner = client.chat.completions.stream({
      model: 'gpt-4o',
      tools: [WEATHER_TOOL as OpenAI.ChatCompletionTool],
      messages: [{ role: 'user', content: 'Weather?' }],
      stream_options: { include_usage: true },
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type, 'function');
    assert.equal(call?.type === 'function' ? call.function.arguments : '', '{"city":"Paris"}');
    assert.equal(final.usage?.completion_tokens, Math.ceil(('get_weather'.length + '{"city":"Paris"}'.length) / 4));
  });
});
