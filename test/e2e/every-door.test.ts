// The same conversation with a tool, through every door the gateway has, with each door's official client:
// the tool call (name and arguments) and the final answer built from the tool's result must be equivalent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
before(async () => {
  gateway = await startTestGateway();
});
after(async () => {
  await gateway.close();
});

const question = 'What is the weather in Paris?';
const toolResult = 'sunny, 21 degrees';
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

type Outcome = { name: string; args: Record<string, unknown>; answer: string };

async function throughOpenAI(baseURL: string, model: string): Promise<Outcome> {
  const client = new OpenAI({ apiKey: gateway.adminKey, baseURL, maxRetries: 0 });
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: schema } }];
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: question },
  ];
  const first = await client.chat.completions.create({ model, messages, tools });
  const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: toolResult });
  const second = await client.chat.completions.create({ model, messages, tools });
  return { name: call.function.name, args: JSON.parse(call.function.arguments), answer: second.choices[0]!.message.content ?? '' };
}

async function throughAnthropic(baseURL: string, model: string): Promise<Outcome> {
  const client = new Anthropic({ apiKey: gateway.adminKey, baseURL, maxRetries: 0 });
  const tools = [{ name: 'get_weather', description: 'Weather for a city', input_schema: schema as Anthropic.Tool.InputSchema }];
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: question }];
  const first = await client.messages.create({ model, max_tokens: 300, system: 'You are terse.', messages, tools });
  const use = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
  messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: toolResult }] });
  const second = await client.messages.create({ model, max_tokens: 300, system: 'You are terse.', messages, tools });
  const text = second.content.find((block): block is Anthropic.TextBlock => block.type === 'text')?.text ?? '';
  return { name: use.name, args: use.input as Record<string, unknown>, answer: text };
}

async function throughGemini(baseUrl: string, model: string): Promise<Outcome> {
  const ai = new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl } });
  const config = {
    systemInstruction: 'You are terse.',
    tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: schema }] }],
  };
  const contents = [{ role: 'user', parts: [{ text: question }] }];
  const first = await ai.models.generateContent({ model, contents, config });
  const call = first.functionCalls![0]!;
  const second = await ai.models.generateContent({
    model,
    config,
    contents: [
      ...contents,
      { role: 'model', parts: [{ functionCall: call }] },
      { role: 'user', parts: [{ functionResponse: { ...(call.id ? { id: call.id } : {}), name: call.name!, response: { output: toolResult } } }] },
    ],
  });
  return { name: call.name!, args: call.args as Record<string, unknown>, answer: second.text ?? '' };
}

async function throughSimple(model: string): Promise<Outcome> {
  const post = async (body: unknown) => {
    const response = await fetch(`${gateway.url}/ai/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> } };
  };
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: schema } }];
  const messages: unknown[] = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: question },
  ];
  const first = await post({ model, messages, tools });
  const call = first.message.tool_calls![0]!;
  const second = await post({
    model,
    tools,
    messages: [...messages, { role: 'assistant', content: null, tool_calls: first.message.tool_calls }, { role: 'tool', tool_call_id: call.id, content: toolResult }],
  });
  return { name: call.function.name, args: JSON.parse(call.function.arguments), answer: second.message.content ?? '' };
}

for (const model of ['gpt-4o-mini', 'gemini-2.5-flash', 'claude-haiku-4-5']) {
  test(`one tool conversation with ${model} gives equivalent results through every door`, async () => {
    const provider = model.startsWith('gpt') ? 'openai' : model.startsWith('gemini') ? 'google' : 'anthropic';
    const doors: Array<[string, () => Promise<Outcome>]> = [
      ['/v1 (openai SDK)', () => throughOpenAI(`${gateway.url}/v1`, model)],
      ['/v1/messages (Anthropic SDK)', () => throughAnthropic(gateway.url, model)],
      ['/v1beta generateContent (Google SDK)', () => throughGemini(gateway.url, model)],
      ['/ai/chat (plain HTTP)', () => throughSimple(model)],
    ];
    if (provider === 'openai') doors.push(['/openai (native, openai SDK)', () => throughOpenAI(`${gateway.url}/openai`, model)]);
    if (provider === 'anthropic') doors.push(['/anthropic (native, Anthropic SDK)', () => throughAnthropic(`${gateway.url}/anthropic`, model)]);
    if (provider === 'google') doors.push(['/google (native, Google SDK)', () => throughGemini(`${gateway.url}/google`, model)]);

    const outcomes: Array<[string, Outcome]> = [];
    for (const [door, run] of doors) outcomes.push([door, await run()]);
    const [firstDoor, reference] = outcomes[0]!;
    for (const [door, outcome] of outcomes) {
      assert.equal(outcome.name, 'get_weather', door);
      assert.deepEqual(outcome.args, reference.args, `${door} vs ${firstDoor}: the same arguments`);
      assert.match(outcome.answer, new RegExp(toolResult), `${door}: the answer uses the tool result`);
    }
  });
}
