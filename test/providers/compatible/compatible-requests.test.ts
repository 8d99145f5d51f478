import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/chat.js';
import { GatewayError } from '../../../src/core/errors.js';
import { mistralToolCallId } from '../../../src/providers/compatible/mistral-tool-call-id.js';
import { presets, type PresetId } from '../../../src/providers/compatible/presets.js';
import { jsonHeaders, sseHeaders } from '../../helpers/replay-server.js';
import { callContext, collect } from '../adapter-calls.js';
import { chunkLines, fixture, startTestUpstream, toSse, type TestUpstream } from '../openai/openai-test-server.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startTestUpstream();
});
after(() => upstream.close());

const everything: ChatRequest = {
  model: 'some-model',
  stream: false,
  messages: [
    { role: 'user', name: 'ada', content: [{ type: 'text', text: 'Weather in Paris?' }] },
    {
      role: 'assistant',
      content: [{ type: 'text', text: 'Looking.' }],
      toolCalls: [{ id: 'call_O17Uplv4lJvD6DVdIvFFeRMw', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    },
    { role: 'tool', toolCallId: 'call_O17Uplv4lJvD6DVdIvFFeRMw', content: [{ type: 'text', text: '18C' }] },
  ],
  maxTokens: 50,
  topK: 20,
  stop: ['END'],
  n: 1,
  seed: 3,
  presencePenalty: 0.5,
  frequencyPenalty: 0.5,
  logprobs: true,
  topLogprobs: 1,
  logitBias: { '1': 1 },
  user: 'u',
  tools: [
    { name: 'get_weather', parameters: { type: 'object' } },
    { name: 'get_time', parameters: { type: 'object' } },
  ],
  toolChoice: 'required',
};

async function sentFor(id: PresetId, request: ChatRequest = everything): Promise<Record<string, unknown>> {
  upstream.reply({ headers: jsonHeaders, body: fixture('openai-text.json') });
  await upstream.adapter({ preset: presets[id], id }).chat(request, callContext());
  return upstream.requests.at(-1)!.body as Record<string, unknown>;
}

test('every preset is data with a base URL and the four required facts', () => {
  const ids = ['groq', 'mistral', 'together', 'fireworks', 'perplexity', 'deepinfra', 'openrouter', 'deepseek', 'qwen', 'xai', 'ollama', 'vllm'];
  assert.deepEqual(Object.keys(presets).sort(), [...ids].sort());
  for (const [id, preset] of Object.entries(presets)) {
    const url = new URL(preset.baseURL);
    const local = id === 'ollama' || id === 'vllm';
    assert.equal(url.protocol, local ? 'http:' : 'https:', id);
    assert.equal(preset.requiresKey, !local, id);
    assert.equal(typeof preset.embeddings, 'boolean', id);
    assert.equal(typeof preset.passthrough, 'boolean', id);
  }
  assert.equal(presets.perplexity.baseURL, 'https://api.perplexity.ai');
  assert.equal(presets.qwen.baseURL, 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1');
});

test('Groq: drops logprobs, logit_bias, top_logprobs, message names and n, uses max_tokens', async () => {
  const body = await sentFor('groq');
  for (const field of ['logprobs', 'top_logprobs', 'logit_bias', 'n', 'top_k', 'max_completion_tokens']) {
    assert.equal(field in body, false, field);
  }
  assert.equal(body.max_tokens, 50);
  assert.equal(body.seed, 3);
  assert.equal(body.tool_choice, 'required');
  const messages = body.messages as Array<Record<string, unknown>>;
  assert.ok(messages.every((message) => !('name' in message)));
  assert.equal(messages[0]!.content, 'Weather in Paris?');
});

test('Groq: n > 1 is refused before any call, naming n', async () => {
  const before = upstream.requests.length;
  await assert.rejects(
    upstream.adapter({ preset: presets.groq, id: 'groq' }).chat({ ...everything, n: 2 }, callContext()),
    (error: unknown) => error instanceof GatewayError && error.code === 'invalid_request' && error.param === 'n' && error.status === 400,
  );
  assert.equal(upstream.requests.length, before);
});

test('Mistral: random_seed, tool_choice any, 9-character tool ids kept consistent, no stream_options', async () => {
  const body = await sentFor('mistral');
  assert.equal(body.random_seed, 3);
  assert.equal('seed' in body, false);
  assert.equal(body.tool_choice, 'any');
  assert.equal(body.max_tokens, 50);
  const messages = body.messages as Array<Record<string, unknown>>;
  const callId = (messages[1]!.tool_calls as Array<{ id: string }>)[0]!.id;
  assert.match(callId, /^[a-zA-Z0-9]{9}$/);
  assert.equal(messages[2]!.tool_call_id, callId);
  assert.equal(callId, mistralToolCallId('call_O17Uplv4lJvD6DVdIvFFeRMw'));

  upstream.reply({ headers: sseHeaders, body: toSse(chunkLines(fixture('mistral-tool-call.chunks.txt', 'compatible'))) });
  await collect(await upstream.adapter({ preset: presets.mistral, id: 'mistral' }).streamChat({ ...everything, stream: true }, callContext()));
  const streamed = upstream.requests.at(-1)!.body as Record<string, unknown>;
  assert.equal(streamed.stream, true);
  assert.equal('stream_options' in streamed, false);
});

test('Mistral: a named tool choice becomes any over that tool alone', async () => {
  const body = await sentFor('mistral', { ...everything, toolChoice: { name: 'get_time' } });
  assert.equal(body.tool_choice, 'any');
  assert.deepEqual(body.tools, [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } }]);
});

test('mistralToolCallId keeps valid ids and hashes others deterministically', () => {
  assert.equal(mistralToolCallId('gSIMJiOkT'), 'gSIMJiOkT');
  const a = mistralToolCallId('toolu_01A09q90qw90lq917835lq9');
  assert.match(a, /^[a-zA-Z0-9]{9}$/);
  assert.equal(mistralToolCallId('toolu_01A09q90qw90lq917835lq9'), a);
  assert.notEqual(mistralToolCallId('toolu_01A09q90qw90lq917835lq8'), a);
});

test('Perplexity: no stop, seed or top_k', async () => {
  const body = await sentFor('perplexity');
  for (const field of ['stop', 'seed', 'top_k']) assert.equal(field in body, false, field);
  assert.equal(body.presence_penalty, 0.5);
});

test('Ollama: no Authorization without a key; no tool_choice, logit_bias, user or n', async () => {
  upstream.reply({ headers: jsonHeaders, body: fixture('openai-text.json') });
  await upstream.adapter({ preset: presets.ollama, id: 'ollama', apiKey: undefined }).chat(everything, callContext());
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.headers.authorization, undefined);
  const body = sent.body as Record<string, unknown>;
  for (const field of ['tool_choice', 'logit_bias', 'user', 'n', 'top_k']) assert.equal(field in body, false, field);
  assert.equal(body.max_tokens, 50);
});

test('top_k goes only to presets that accept it; xAI loses penalties and stop; Qwen frequency_penalty', async () => {
  assert.equal((await sentFor('together')).top_k, 20);
  assert.equal((await sentFor('vllm')).top_k, 20);
  const xai = await sentFor('xai');
  for (const field of ['presence_penalty', 'frequency_penalty', 'stop', 'top_k']) assert.equal(field in xai, false, field);
  const qwen = await sentFor('qwen');
  assert.equal('frequency_penalty' in qwen, false);
  assert.equal(qwen.presence_penalty, 0.5);
});

test('a preset keeps everything else as OpenAI would send it', async () => {
  const body = await sentFor('deepseek');
  assert.deepEqual(body, {
    model: 'some-model',
    messages: [
      { role: 'user', name: 'ada', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Looking.',
        tool_calls: [{ id: 'call_O17Uplv4lJvD6DVdIvFFeRMw', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_O17Uplv4lJvD6DVdIvFFeRMw', content: '18C' },
    ],
    max_tokens: 50,
    stop: ['END'],
    n: 1,
    seed: 3,
    presence_penalty: 0.5,
    frequency_penalty: 0.5,
    logprobs: true,
    top_logprobs: 1,
    logit_bias: { '1': 1 },
    user: 'u',
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
    ],
    tool_choice: 'required',
  });
});
