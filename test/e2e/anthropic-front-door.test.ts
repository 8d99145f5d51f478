// The official Anthropic SDKs (1.x with a Bearer token, 0.x with x-api-key) against POST /v1/messages on the main
// host, served by an OpenAI, a Gemini, an Anthropic and the sim model; the gateway talks to the simulator over HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import Anthropic0 from 'anthropic-sdk-0';
import type { RecordedRequest } from '../../src/simulator/simulator.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Family = 'openai' | 'anthropic' | 'gemini';
const models: { model: string; provider: string; family: Family }[] = [
  { model: 'gpt-4o-mini', provider: 'openai', family: 'openai' },
  { model: 'gemini-2.5-flash', provider: 'gemini', family: 'gemini' },
  { model: 'claude-haiku-4-5', provider: 'anthropic', family: 'anthropic' },
  { model: 'sim-chat', provider: 'sim', family: 'openai' },
];

// Both SDK generations share the Messages API used here; the 0.x client is typed as the 1.x one.
const sdks: { name: string; client: (gateway: TestGateway) => Anthropic }[] = [
  { name: '@anthropic-ai/sdk 1.x (authToken)', client: (gateway) => new Anthropic({ authToken: gateway.adminKey, baseURL: gateway.url, maxRetries: 0 }) },
  {
    name: '@anthropic-ai/sdk 0.137 (apiKey)',
    client: (gateway) => new Anthropic0({ apiKey: gateway.adminKey, baseURL: gateway.url, maxRetries: 0 }) as unknown as Anthropic,
  },
];

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway();
});
after(async () => {
  await gateway.close();
});

function lastUpstream(): RecordedRequest & { body: Record<string, any> } {
  const recorded = gateway.simulator.lastRequest();
  assert.ok(recorded, 'the simulator saw a request');
  return recorded as RecordedRequest & { body: Record<string, any> };
}

/** What the provider was sent, read in its own dialect. */
const upstreamView = {
  system(family: Family, body: Record<string, any>): string {
    if (family === 'openai') return body.messages.find((message: any) => message.role === 'system')?.content;
    if (family === 'anthropic') return body.system;
    return body.systemInstruction?.parts?.map((part: any) => part.text).join('');
  },
  toolNames(family: Family, body: Record<string, any>): string[] {
    if (family === 'openai') return body.tools.map((tool: any) => tool.function.name);
    if (family === 'anthropic') return body.tools.map((tool: any) => tool.name);
    return body.tools.flatMap((tool: any) => tool.functionDeclarations.map((declaration: any) => declaration.name));
  },
  /** The tool call and its result as the provider received them (Gemini matches by name, it has no ids). */
  toolRound(family: Family, body: Record<string, any>): { callId?: string; resultId?: string; name: string; result: string } {
    if (family === 'openai') {
      const call = body.messages.find((message: any) => message.tool_calls)?.tool_calls[0];
      const result = body.messages.find((message: any) => message.role === 'tool');
      return { callId: call.id, resultId: result.tool_call_id, name: call.function.name, result: result.content };
    }
    if (family === 'anthropic') {
      const blocks = body.messages.flatMap((message: any) => message.content);
      const call = blocks.find((block: any) => block.type === 'tool_use');
      const result = blocks.find((block: any) => block.type === 'tool_result');
      return { callId: call.id, resultId: result.tool_use_id, name: call.name, result: result.content };
    }
    const parts = body.contents.flatMap((content: any) => content.parts);
    const call = parts.find((part: any) => part.functionCall)?.functionCall;
    const result = parts.find((part: any) => part.functionResponse)?.functionResponse;
    assert.equal(result.name, call.name);
    return { name: call.name, result: result.response.content };
  },
};

for (const sdk of sdks) {
  for (const { model, provider, family } of models) {
    describe(`${sdk.name} → ${model} (${provider})`, () => {
      let client: Anthropic;
      before(() => {
        client = sdk.client(gateway);
      });

      test('a plain message with a system prompt and history', async () => {
        const { data: message, response } = await client.messages
          .create({
            model,
            max_tokens: 200,
            system: 'You are terse.',
            messages: [
              { role: 'user', content: 'First question' },
              { role: 'assistant', content: 'First answer' },
              { role: 'user', content: [{ type: 'text', text: 'Second question about trains' }] },
            ],
          })
          .withResponse();
        assert.equal(message.type, 'message');
        assert.equal(message.role, 'assistant');
        assert.equal(message.model, model);
        const requestId = response.headers.get('x-request-id')!;
        if (family === 'anthropic') {
          // Relayed as the provider answered: the simulator's message id and request-id, not the gateway's.
          assert.match(message.id, /^msg_sim/);
          assert.match(response.headers.get('request-id') ?? '', /^req_sim/);
        } else {
          assert.equal(message.id, `msg_${requestId.replaceAll('-', '')}`);
          assert.equal(response.headers.get('request-id'), requestId);
        }
        assert.equal(message.stop_reason, 'end_turn');
        assert.equal(message.stop_sequence, null);
        const [block] = message.content;
        assert.ok(block?.type === 'text');
        assert.equal(block.text, 'Simulated answer to: Second question about trains');
        assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
        assert.equal(response.headers.get('x-provider'), provider);
        assert.equal(response.headers.get('x-tokens-prompt'), String(message.usage.input_tokens));
        assert.equal(response.headers.get('x-tokens-completion'), String(message.usage.output_tokens));
        assert.match(response.headers.get('x-cost') ?? '', /^\d+(\.\d+)?$/);

        const upstream = lastUpstream();
        assert.equal(upstream.family, family);
        assert.equal(upstreamView.system(family, upstream.body), 'You are terse.');

        await gateway.store.requestLog.flush();
        const row = await gateway.store.requestLog.get(requestId);
        assert.equal(row?.status, 200);
        assert.equal(row?.provider, provider);
        assert.equal(row?.model, model);
        assert.equal(row?.promptTokens, message.usage.input_tokens);
        assert.equal(row?.completionTokens, message.usage.output_tokens);
        assert.equal(row?.stream, false);
      });

      test('messages.stream: text events and finalMessage agree', async () => {
        const stream = client.messages.stream({
          model,
          max_tokens: 200,
          messages: [{ role: 'user', content: 'Stream a few words please' }],
        });
        let streamed = '';
        let textEvents = 0;
        stream.on('text', (text) => {
          streamed += text;
          textEvents++;
        });
        const final = await stream.finalMessage();
        const [block] = final.content;
        assert.ok(block?.type === 'text');
        assert.equal(block.text, 'Simulated answer to: Stream a few words please');
        assert.equal(streamed, block.text);
        assert.ok(textEvents > 1, `expected several text deltas, got ${textEvents}`);
        assert.equal(final.stop_reason, 'end_turn');
        assert.equal(final.model, model);
        assert.ok(final.usage.input_tokens > 0, 'message_delta carried the final input count');
        assert.ok(final.usage.output_tokens > 0);
        const upstream = lastUpstream();
        if (family === 'gemini') assert.match(upstream.path, /:streamGenerateContent$/);
        else assert.equal(upstream.body.stream, true);

        const { response } = await stream.withResponse();
        assert.equal(response.headers.get('x-provider'), provider);
        await gateway.store.requestLog.flush();
        const row = await gateway.store.requestLog.get(response.headers.get('x-request-id')!);
        assert.equal(row?.status, 200);
        assert.equal(row?.stream, true);
        assert.equal(row?.promptTokens, final.usage.input_tokens);
        assert.equal(row?.completionTokens, final.usage.output_tokens);
        assert.ok(row.ttftMs !== null);
      });

      test('a tool round trip: tool_use, then tool_result, then the answer', async () => {
        const question = { role: 'user' as const, content: 'What is the weather in Paris?' };
        const first = await client.messages.create({ model, max_tokens: 200, messages: [question], tools: [weatherTool] });
        assert.equal(first.stop_reason, 'tool_use');
        const toolUse = first.content.find((block) => block.type === 'tool_use');
        assert.ok(toolUse?.type === 'tool_use');
        assert.equal(toolUse.name, 'get_weather');
        assert.deepEqual(toolUse.input, { city: 'Paris' });
        assert.ok(toolUse.id.length > 0);
        assert.deepEqual(upstreamView.toolNames(family, lastUpstream().body), ['get_weather']);

        const second = await client.messages.create({
          model,
          max_tokens: 200,
          tools: [weatherTool],
          messages: [
            question,
            { role: 'assistant', content: first.content },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '18C and sunny' }] },
          ],
        });
        assert.equal(second.stop_reason, 'end_turn');
        const [answer] = second.content;
        assert.ok(answer?.type === 'text');
        assert.equal(answer.text, 'Tool results: 18C and sunny');

        const round = upstreamView.toolRound(family, lastUpstream().body);
        assert.equal(round.name, 'get_weather');
        assert.equal(round.result, '18C and sunny');
        if (family !== 'gemini') {
          // The id the client got back (call_… from OpenAI, toolu_… from Anthropic) reached the provider unchanged.
          assert.equal(round.callId, toolUse.id);
          assert.equal(round.resultId, toolUse.id);
        }
      });

      test('streamed tool input is assembled by the SDK', async () => {
        const stream = client.messages.stream({
          model,
          max_tokens: 200,
          messages: [{ role: 'user', content: 'Weather in Paris, streamed' }],
          tools: [weatherTool],
          tool_choice: { type: 'tool', name: 'get_weather' },
        });
        const kinds: string[] = [];
        for await (const event of stream) {
          kinds.push(event.type === 'content_block_delta' ? event.delta.type : event.type);
        }
        const final = await stream.finalMessage();
        assert.equal(final.stop_reason, 'tool_use');
        const toolUse = final.content.find((block) => block.type === 'tool_use');
        assert.ok(toolUse?.type === 'tool_use');
        assert.equal(toolUse.name, 'get_weather');
        assert.deepEqual(toolUse.input, { city: 'Paris' });
        assert.ok(kinds.includes('input_json_delta'));
        assert.equal(kinds[0], 'message_start');
        assert.deepEqual(kinds.slice(-2), ['message_delta', 'message_stop']);
      });
    });
  }
}

const timeTool = {
  name: 'get_time',
  description: 'Local time in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

for (const { model, family } of models) {
  describe(`parallel tool calls → ${model}`, () => {
    test('two tool_use blocks streamed with their own indexes, answered in one user turn', async () => {
      const client = sdks[0]!.client(gateway);
      const question = { role: 'user' as const, content: 'Weather and time in Paris [sim:parallel]' };
      const stream = client.messages.stream({ model, max_tokens: 200, messages: [question], tools: [weatherTool, timeTool] });
      const starts: number[] = [];
      for await (const event of stream) if (event.type === 'content_block_start') starts.push(event.index);
      const final = await stream.finalMessage();
      assert.deepEqual(starts, [0, 1]);
      assert.equal(final.stop_reason, 'tool_use');
      const calls = final.content.filter((block) => block.type === 'tool_use');
      assert.deepEqual(calls.map((call) => call.name), ['get_weather', 'get_time']);
      for (const call of calls) assert.deepEqual(call.input, { city: 'Paris' });
      assert.equal(new Set(calls.map((call) => call.id)).size, 2);

      const answer = await client.messages.create({
        model,
        max_tokens: 200,
        tools: [weatherTool, timeTool],
        messages: [
          question,
          { role: 'assistant', content: final.content },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: calls[0]!.id, content: '18C' },
              { type: 'tool_result', tool_use_id: calls[1]!.id, content: [{ type: 'text', text: '14:05' }] },
            ],
          },
        ],
      });
      const [block] = answer.content;
      assert.ok(block?.type === 'text');
      assert.equal(block.text, 'Tool results: 18C; 14:05');
    });

    test('disable_parallel_tool_use and tool_choice any reach the provider', async () => {
      const client = sdks[0]!.client(gateway);
      const message = await client.messages.create({
        model,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'Anything [sim:parallel]' }],
        tools: [weatherTool, timeTool],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
      });
      const body = lastUpstream().body;
      // Gemini has no switch for parallel calls (mapping.md §1): only the others can promise a single call.
      if (family !== 'gemini') assert.equal(message.content.filter((block) => block.type === 'tool_use').length, 1);
      if (family === 'openai') {
        assert.equal(body.tool_choice, 'required');
        assert.equal(body.parallel_tool_calls, false);
      } else if (family === 'anthropic') {
        assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
      } else {
        assert.equal(body.toolConfig.functionCallingConfig.mode, 'ANY');
      }
    });
  });
}

describe('thinking', () => {
  test('a Gemini model thinks with the budget of the level the Anthropic budget reaches', async () => {
    const client = sdks[0]!.client(gateway);
    const message = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 3000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'Think, then answer' }],
    });
    assert.equal(message.content.at(-1)?.type, 'text');
    // 2048 reaches `low` (under 4096), which the Gemini adapter spends as a 1024-token thinking budget.
    assert.deepEqual(lastUpstream().body.generationConfig.thinkingConfig, { thinkingBudget: 1024 });
  });

  test('an Anthropic model gets thinking as the client wrote it, and its thinking block comes back', async () => {
    const client = sdks[0]!.client(gateway);
    const stream = client.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 3000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'Think, then answer' }],
    });
    const final = await stream.finalMessage();
    assert.deepEqual(final.content.map((block) => block.type), ['thinking', 'text']);
    assert.ok(final.content[0]?.type === 'thinking' && final.content[0].thinking.length > 0);
    // The provider's signature travels back with its reasoning, for the client to send on.
    assert.ok(final.content[0]?.type === 'thinking' && final.content[0].signature.length > 0);
    const body = lastUpstream().body;
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(body.max_tokens, 3000);
  });

  test('a model that does not reason ignores thinking', async () => {
    const client = sdks[0]!.client(gateway);
    const message = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 3000,
      thinking: { type: 'enabled', budget_tokens: 20000 },
      messages: [{ role: 'user', content: 'Think, then answer' }],
    });
    assert.deepEqual(message.content.map((block) => block.type), ['text']);
    assert.ok(!('reasoning_effort' in lastUpstream().body));
  });

  test('an OpenAI reasoning model gets the effort the budget implies', async () => {
    const client = sdks[0]!.client(gateway);
    await client.messages.create({
      model: 'o4-mini',
      max_tokens: 20000,
      thinking: { type: 'enabled', budget_tokens: 16384 },
      messages: [{ role: 'user', content: 'Think hard' }],
    });
    assert.equal(lastUpstream().body.reasoning_effort, 'high');
  });
});
