// POST /v1/messages/count_tokens on the main host: counted by the provider for Claude models, estimated for others.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
let client: Anthropic;
before(async () => {
  gateway = await startTestGateway();
  client = new Anthropic({ apiKey: gateway.adminKey, baseURL: gateway.url, maxRetries: 0 });
});
after(async () => {
  await gateway.close();
});

const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'How many tokens is this question, roughly?' }];

test('a Claude model: the provider counts, the request relayed with the catalogue model', async () => {
  const before = gateway.simulator.requests().length;
  const counted = await client.messages.countTokens({ model: 'claude-haiku-4-5', messages, system: 'Be brief.' });
  assert.ok(counted.input_tokens > 0);
  const upstream = gateway.simulator.requests().slice(before).at(-1)!;
  assert.equal(upstream.path, '/v1/messages/count_tokens');
  assert.equal((upstream.body as { system: string }).system, 'Be brief.');
});

test('any other model: an estimate from the characters, no provider call', async () => {
  const before = gateway.simulator.requests().length;
  const short = await client.messages.countTokens({ model: 'gpt-4o-mini', messages });
  const long = await client.messages.countTokens({
    model: 'gpt-4o-mini',
    messages: [...messages, { role: 'assistant', content: 'x'.repeat(400) }, { role: 'user', content: 'and now?' }],
  });
  assert.ok(short.input_tokens > 0);
  assert.ok(long.input_tokens >= short.input_tokens + 100);
  assert.equal(gateway.simulator.requests().length, before);
});

test('errors in Anthropic’s envelope: unknown model, missing messages', async () => {
  await assert.rejects(client.messages.countTokens({ model: 'no-such-model', messages }), Anthropic.NotFoundError);
  await assert.rejects(client.messages.countTokens({ model: 'gpt-4o-mini' } as never), Anthropic.BadRequestError);
});
