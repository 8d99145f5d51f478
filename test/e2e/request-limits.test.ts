// Request limits on model calls: an organization's plan and a key's own limits, per minute, hour and month,
// with X-RateLimit-* and X-Quota-* on every answer, a 429 with Retry-After past a limit, and counters that
// hold across gateways sharing one Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createRedisLimiter } from '../../src/state/redis/redis-limiter.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { redisTestConnection } from '../helpers/redis.js';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

async function post(gateway: TestGateway, key: string, path = '/v1/chat/completions') {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(chat),
  });
}

async function createKey(gateway: TestGateway, limits: Record<string, number>) {
  const response = await fetch(`${gateway.url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'limited', limits }),
  });
  return ((await response.json()) as { secret: string }).secret;
}

test('the free plan: 10 requests a minute, counted down in the headers, then a 429 the SDK understands', async () => {
  const gateway = await startTestGateway({ config: { limits: { defaultPlan: 'free' } } });
  try {
    for (let index = 0; index < 10; index++) {
      const response = await post(gateway, gateway.adminKey);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-ratelimit-limit'), '10');
      assert.equal(response.headers.get('x-ratelimit-remaining'), String(9 - index));
      assert.equal(response.headers.get('x-quota-limit'), '25000');
      assert.ok(Number(response.headers.get('x-ratelimit-reset')) * 1000 > Date.now());
    }
    const refused = await post(gateway, gateway.adminKey);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    const body = (await refused.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(body.error.type, 'rate_limit_error');
    assert.match(body.error.message, /10 requests per minute/);
    const client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create(chat as never), OpenAI.RateLimitError);
    const simple = await post(gateway, gateway.adminKey, '/ai/chat');
    assert.equal(simple.status, 429);
    assert.ok(((await simple.json()) as { error: { retry_after: number } }).error.retry_after >= 1, 'the simple surface says when');
  } finally {
    await gateway.close();
  }
});

test('a key narrows its organization: its own limit, and other keys unaffected', async () => {
  const gateway = await startTestGateway();
  try {
    const limited = await createKey(gateway, { requests_per_minute: 2 });
    assert.equal((await post(gateway, limited)).status, 200);
    const second = await post(gateway, limited);
    assert.equal(second.headers.get('x-ratelimit-remaining'), '0');
    const third = await post(gateway, limited);
    assert.equal(third.status, 429);
    assert.match(((await third.json()) as { error: { message: string } }).error.message, /this API key/);
    const native = await post(gateway, limited, '/openai/v1/chat/completions');
    assert.equal(native.status, 429, 'the pass-through counts too');
    const other = await post(gateway, gateway.adminKey);
    assert.equal(other.status, 200);
    assert.equal(other.headers.get('x-ratelimit-limit'), null, 'no limits, no limit headers');
  } finally {
    await gateway.close();
  }
});

test('two gateways on one Redis admit exactly the limit between them', async (t) => {
  const connection = await redisTestConnection(t);
  if ('skip' in connection) return;
  const limiter = createRedisLimiter(connection.redis, { prefix: connection.prefix });
  const first = await startTestGateway({ limiter });
  // The second gateway shares the first one's store through its keys only: the key is created on each.
  const second = await startTestGateway({ limiter, masterKey: first.masterKey });
  try {
    const key = await createKey(first, { requests_per_minute: 7 });
    // The same key id must be known to the second gateway: copy the record through its store.
    const record = (await first.store.access.listApiKeys(first.operatorOrganizationId)).find((candidate) => candidate.name === 'limited')!;
    await second.store.access.createApiKey({ ...record, organizationId: second.operatorOrganizationId });
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => post(index % 2 === 0 ? first : second, key).then((response) => response.status)),
    );
    assert.equal(statuses.filter((status) => status === 200).length, 7);
    assert.equal(statuses.filter((status) => status === 429).length, 13);
  } finally {
    await first.close();
    await second.close();
  }
});
