// The official openai SDK against a running gateway, which talks over HTTP to the simulator for each
// provider family: OpenAI (pass-through), Anthropic and Gemini (translated), Groq (compatible preset).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const families = [
  { name: 'openai (pass-through)', model: 'openai/gpt-4o-mini', provider: 'openai' },
  { name: 'anthropic (translated)', model: 'anthropic/claude-haiku-4-5', provider: 'anthropic' },
  { name: 'gemini (translated)', model: 'gemini/gemini-2.5-flash', provider: 'gemini' },
  { name: 'groq (compatible preset)', model: 'groq/llama-3.3-70b-versatile', provider: 'groq' },
];

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const timeTool = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    description: 'Local time in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  gateway = await startTestGateway();
  client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
});
after(async () => {
  await gateway.close();
});

for (const family of families) {
  describe(`openai SDK → ${family.name}`, () => {
    test('plain chat answers with usage and the gateway headers', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: family.model, messages: [{ role: 'user', content: 'Say hello to Switchyard' }] })
        .withResponse();
      const choice = data.choices[0]!;
      assert.equal(choice.finish_reason, 'stop');
      assert.equal(choice.message.role, 'assistant');
      assert.match(choice.message.content ?? '', /Say hello to Switchyard/);
      assert.ok(data.usage && data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
      assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
      assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(response.headers.get('x-provider'), family.provider);
      assert.equal(response.headers.get('x-tokens-prompt'), String(data.usage.prompt_tokens));
      assert.equal(response.headers.get('x-tokens-completion'), String(data.usage.completion_tokens));
      assert.match(response.headers.get('x-cost') ?? '', /^\d+(\.\d+)?$/);
      assert.equal(response.headers.get('x-cache'), 'SKIP');
    });

    test('multi-turn history with a system prompt', async () => {
      const completion = await client.chat.completions.create({
        model: family.model,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'First question' },
          { role: 'assistant', content: 'First answer' },
          { role: 'user', content: 'Second question about trains' },
        ],
      });
      assert.match(completion.choices[0]!.message.content ?? '', /Second question about trains/);
    });

    test('streams text chunks, a finish reason and the usage chunk', async () => {
      const stream = await client.chat.completions.create({
        model: family.model,
        messages: [{ role: 'user', content: 'Stream a few words please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        for (const choice of chunk.choices) {
          text += choice.delta.content ?? '';
          finish = choice.finish_reason ?? finish;
        }
        if (chunk.usage) usage = chunk.usage;
      }
      assert.ok(chunks > 2, `expected several chunks, got ${chunks}`);
      assert.match(text, /Stream a few words please/);
      assert.equal(finish, 'stop');
      assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    });

    test('a stream without include_usage carries no usage chunk', async () => {
      const stream = await client.chat.completions.create({
        model: family.model,
        messages: [{ role: 'user', content: 'No usage please' }],
        stream: true,
      });
      for await (const chunk of stream) {
        assert.ok(!chunk.usage, 'usage must not reach a client that did not ask for it');
        assert.ok(chunk.choices.length > 0);
      }
    });

    test('the SDK stream helper accumulates a complete message', async () => {
      const runner = client.chat.completions.stream({
        model: family.model,
        messages: [{ role: 'user', content: 'Accumulate me' }],
      });
      const final = await runner.finalChatCompletion();
      assert.match(final.choices[0]!.message.content ?? '', /Accumulate me/);
      assert.equal(final.choices[0]!.finish_reason, 'stop');
    });

    test('a single tool call, then the tool result', async () => {
      const first = await client.chat.completions.create({
        model: family.model,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [weatherTool],
      });
      const choice = first.choices[0]!;
      assert.equal(choice.finish_reason, 'tool_calls');
      const call = choice.message.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
      assert.ok(call.id.length > 0);

      const second = await client.chat.completions.create({
        model: family.model,
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
        ],
        tools: [weatherTool],
      });
      assert.equal(second.choices[0]!.finish_reason, 'stop');
      assert.match(second.choices[0]!.message.content ?? '', /18C and sunny/);
    });

    test('parallel tool calls, streamed, with correct indices, ids and names', async () => {
      const runner = client.chat.completions.stream({
        model: family.model,
        messages: [{ role: 'user', content: 'Weather and time in Paris [sim:parallel]' }],
        tools: [weatherTool, timeTool],
      });
      const final = await runner.finalChatCompletion();
      const calls = final.choices[0]!.message.tool_calls ?? [];
      assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
      assert.deepEqual(
        calls.map((call) => (call.type === 'function' ? call.function.name : '')),
        ['get_weather', 'get_time'],
      );
      assert.equal(new Set(calls.map((call) => call.id)).size, 2);
      for (const call of calls) {
        assert.ok(call.type === 'function');
        assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
      }
      // Answer both calls in one turn: every provider must accept the merged results.
      const answer = await client.chat.completions.create({
        model: family.model,
        messages: [
          { role: 'user', content: 'Weather and time in Paris [sim:parallel]' },
          { role: 'assistant', content: null, tool_calls: calls },
          { role: 'tool', tool_call_id: calls[0]!.id, content: '18C' },
          { role: 'tool', tool_call_id: calls[1]!.id, content: '14:05' },
        ],
        tools: [weatherTool, timeTool],
      });
      assert.match(answer.choices[0]!.message.content ?? '', /18C/);
      assert.match(answer.choices[0]!.message.content ?? '', /14:05/);
    });

    test('a named tool_choice forces that tool', async () => {
      const completion = await client.chat.completions.create({
        model: family.model,
        messages: [{ role: 'user', content: 'Tell me the time in Paris' }],
        tools: [weatherTool, timeTool],
        tool_choice: { type: 'function', function: { name: 'get_time' } },
      });
      const call = completion.choices[0]!.message.tool_calls?.[0];
      assert.ok(call?.type === 'function');
      assert.equal(call.function.name, 'get_time');
    });

    test('JSON mode with a json_schema returns parseable JSON', async () => {
      const completion = await client.chat.completions.create({
        model: family.model,
        messages: [{ role: 'user', content: 'Describe a city as JSON' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'city',
            schema: {
              type: 'object',
              properties: { city: { type: 'string' }, population: { type: 'integer' } },
              required: ['city', 'population'],
            },
          },
        },
      });
      const choice = completion.choices[0]!;
      assert.equal(choice.finish_reason, 'stop');
      const parsed = JSON.parse(choice.message.content ?? '') as Record<string, unknown>;
      assert.equal(typeof parsed.city, 'string');
      assert.equal(typeof parsed.population, 'number');
    });

    test('an image in the user message reaches the provider', async () => {
      const pixel =
        'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
      const completion = await client.chat.completions.create({
        model: family.model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this picture?' },
              { type: 'image_url', image_url: { url: pixel } },
            ],
          },
        ],
      });
      assert.match(completion.choices[0]!.message.content ?? '', /1 image/);
    });
  });
}
