// Plans, token, concurrency and spend limits, billable overage and prepaid balances through the gateway,
// with the official SDK as the client and the simulator as the provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

async function api(gateway: TestGateway, method: string, path: string, body?: unknown, key = gateway.adminKey) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

async function createKey(gateway: TestGateway, limits: Record<string, number>) {
  const created = await api(gateway, 'POST', '/api/keys', { name: 'limited', limits });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.secret as string;
}

const client = (gateway: TestGateway, key: string) => new OpenAI({ apiKey: key, baseURL: gateway.v1, maxRetries: 0 });

async function refusal(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  assert.fail('the call was admitted');
}

/** Counts in one UTC minute must not straddle two: waits out the last seconds of a minute. */
async function clearOfMinuteEnd(seconds = 10): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

test("an organization's plan and own limits apply at once after PATCH; platform responses show where it stands", async () => {
  await clearOfMinuteEnd();
  const gateway = await startTestGateway();
  try {
    const org = gateway.operatorOrganizationId;
    const patched = await api(gateway, 'PATCH', `/api/organizations/${org}`, { plan: 'pro', limits: { requests_per_minute: 2 } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.organization.plan, 'pro');
    assert.deepEqual(patched.body.organization.limits, { requests_per_minute: 2 });
    const sdk = client(gateway, gateway.adminKey);
    const first = await sdk.chat.completions.create(chat).withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-limit'), '2');
    assert.equal(first.response.headers.get('x-quota-limit'), '1000000');
    await sdk.chat.completions.create(chat);
    const refused = await refusal(sdk.chat.completions.create(chat));
    assert.equal(refused.status, 429);
    assert.match(refused.message, /2 requests per minute for the organization's plan/);
    const me = await api(gateway, 'GET', '/api/me');
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('x-ratelimit-limit'), '2');
    assert.equal(me.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(me.headers.get('x-quota-remaining'), String(1_000_000 - 2));

    const unknown = await api(gateway, 'PATCH', `/api/organizations/${org}`, { plan: 'platinum' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /Unknown plan 'platinum'; plans: free, starter, pro, scale/);
    const wrongType = await api(gateway, 'PATCH', `/api/organizations/${org}`, { limits: { requests_per_minute: 'ten' } });
    assert.equal(wrongType.status, 400);
    const empty = await api(gateway, 'PATCH', `/api/organizations/${org}`, {});
    assert.equal(empty.status, 400);
    const cleared = await api(gateway, 'PATCH', `/api/organizations/${org}`, { plan: null, limits: null });
    assert.equal(cleared.body.organization.plan, null);
    assert.equal((await sdk.chat.completions.create(chat).withResponse()).response.headers.get('x-ratelimit-limit'), null);
    const audit = await api(gateway, 'GET', '/api/audit-log?action=organization.limits_changed');
    assert.equal(audit.body.entries.length, 2, 'the two changes, not the refused ones');
  } finally {
    await gateway.close();
  }
});

test("a key's plan applies to the key; an unknown plan is refused when the key is created", async () => {
  const gateway = await startTestGateway();
  try {
    const created = await api(gateway, 'POST', '/api/keys', { name: 'free tier', plan: 'free' });
    assert.equal(created.status, 201);
    const { response } = await client(gateway, created.body.secret).chat.completions.create(chat).withResponse();
    assert.equal(response.headers.get('x-ratelimit-limit'), '10');
    assert.equal(response.headers.get('x-quota-limit'), '25000');
    const unknown = await api(gateway, 'POST', '/api/keys', { name: 'gold', plan: 'gold' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /Unknown plan 'gold'; plans: free, starter, pro, scale/);
  } finally {
    await gateway.close();
  }
});

test('tokens per minute: prompt plus max_tokens reserved, settled to the real usage', async () => {
  const gateway = await startTestGateway();
  try {
    const key = await createKey(gateway, { tokens_per_minute: 300 });
    const sdk = client(gateway, key);
    const first = await sdk.chat.completions.create({ ...chat, max_tokens: 200 }).withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-limit-tokens'), '300');
    const used = first.data.usage!.total_tokens;
    // While the first call ran, its 200 + prompt were held; settled, only its real usage counts.
    const refused = await refusal(sdk.chat.completions.create({ ...chat, max_tokens: 300 }));
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'token_limit_exceeded');
    assert.match(refused.message, /300 tokens per minute for this API key, \d+ left and this call may use \d+ \(prompt plus max_tokens\)/);
    const second = await sdk.chat.completions.create({ ...chat, max_tokens: 100 }).withResponse();
    const remaining = Number(second.response.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining <= 300 - used - 100 && remaining >= 300 - used - 120, `remaining ${remaining} after ${used} used`);
  } finally {
    await gateway.close();
  }
});

test('concurrent requests: a second call while one streams is refused, admitted once it ends', async () => {
  const gateway = await startTestGateway();
  try {
    const key = await createKey(gateway, { concurrent_requests: 1 });
    const sdk = client(gateway, key);
    // The gateway sends its headers with the first token (until then it could still fall back), so the stream
    // is started without waiting for them, and counted as running once the provider has its request.
    const before = gateway.simulator.requests().length;
    const slowCall = sdk.chat.completions.create({
      ...chat,
      stream: true,
      messages: [{ role: 'user', content: 'hello [sim:fault=slow-first-token:400]' }],
    });
    while (gateway.simulator.requests().length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    const refused = await refusal(sdk.chat.completions.create(chat));
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'concurrency_limit_exceeded');
    assert.equal(refused.headers?.get('retry-after'), '1');
    for await (const _chunk of await slowCall) {
      // drain
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok((await sdk.chat.completions.create(chat)).choices.length > 0);
  } finally {
    await gateway.close();
  }
});

test('spend per day: a call whose worst case no longer fits is refused', async () => {
  const gateway = await startTestGateway();
  try {
    // gpt-4o-mini: $0.60 per million output tokens: 1,000 max tokens may cost 600 micro-USD.
    const key = await createKey(gateway, { spend_per_day_micro_usd: 1_000 });
    const sdk = client(gateway, key);
    await sdk.chat.completions.create({ ...chat, max_tokens: 1_000 });
    const refused = await refusal(sdk.chat.completions.create({ ...chat, max_tokens: 1_700 }));
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'spend_limit_exceeded');
    assert.match(refused.message, /\$0\.001 per day for this API key/);
  } finally {
    await gateway.close();
  }
});

test('past the monthly quota a plan with overage admits, marks the ledger rows billable and records usage.limit_reached once', async () => {
  const gateway = await startTestGateway();
  try {
    const org = gateway.operatorOrganizationId;
    await api(gateway, 'PATCH', `/api/organizations/${org}`, { plan: 'scale', limits: { requests_per_month: 2 } });
    const sdk = client(gateway, gateway.adminKey);
    const ids: string[] = [];
    for (let call = 0; call < 4; call += 1) {
      const { response } = await sdk.chat.completions.create(chat).withResponse();
      ids.push(response.headers.get('x-request-id')!);
    }
    await gateway.store.requestLog.flush();
    const rows = await Promise.all(ids.map((id) => gateway.store.requestLog.get(id)));
    assert.deepEqual(rows.map((row) => row?.overage), [false, false, true, true]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const events = await gateway.store.access.listOutboxEvents(org, { type: 'usage.limit_reached' });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.data.reason, 'overage');
    assert.equal(events[0]!.data.limit, 'requests_per_month');
    assert.equal(events[0]!.data.plan, 'scale');

    // The free plan refuses at its quota instead, and says so once per window.
    await api(gateway, 'PATCH', `/api/organizations/${org}`, { plan: 'free' });
    const refused = await refusal(sdk.chat.completions.create(chat));
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'quota_exceeded');
    await refusal(sdk.chat.completions.create(chat));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refusedEvents = (await gateway.store.access.listOutboxEvents(org, { type: 'usage.limit_reached' })).filter((event) => event.data.reason === 'refused');
    assert.equal(refusedEvents.length, 1);
  } finally {
    await gateway.close();
  }
});

test('a prepaid organization: 402 insufficient_quota when the balance cannot cover a call; credits and charges are exact', async () => {
  const gateway = await startTestGateway();
  try {
    const org = gateway.operatorOrganizationId;
    const sdk = client(gateway, gateway.adminKey);
    const credited = await api(gateway, 'POST', `/api/organizations/${org}/balance/credits`, { amount_usd: 0.001, note: 'trial' });
    assert.equal(credited.status, 201, JSON.stringify(credited.body));
    assert.equal(credited.body.balance.balance_micro_usd, 1_000);
    const refused = await refusal(sdk.chat.completions.create({ ...chat, max_tokens: 5_000 }));
    assert.equal(refused.status, 402);
    assert.equal(refused.type, 'insufficient_quota');
    assert.match(refused.message, /Not enough balance: this call may cost up to \$0\.003\d* and the organization has \$0\.001 available/);
    const { response } = await sdk.chat.completions.create({ ...chat, max_tokens: 100 }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    await gateway.store.requestLog.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const row = await gateway.store.requestLog.get(requestId);
    const balance = await api(gateway, 'GET', '/api/balance');
    assert.equal(balance.status, 200);
    assert.equal(balance.body.balance.balance_micro_usd, 1_000 - row!.costMicroUsd);
    assert.equal(balance.body.balance.reserved_micro_usd, 0);
    assert.deepEqual(
      balance.body.transactions.map((item: any) => [item.kind, item.amount_micro_usd, item.request_id]),
      [
        ['charge', -row!.costMicroUsd, requestId],
        ['credit', 1_000, null],
      ],
    );
    const bad = await api(gateway, 'POST', `/api/organizations/${org}/balance/credits`, { amount_usd: 1, amount_micro_usd: 5 });
    assert.equal(bad.status, 400);
    const tooPrecise = await api(gateway, 'POST', `/api/organizations/${org}/balance/credits`, { amount_usd: 0.0000001 });
    assert.equal(tooPrecise.status, 400);
    const missing = await api(gateway, 'POST', `/api/organizations/nope/balance/credits`, { amount_usd: 1 });
    assert.equal(missing.status, 404);
  } finally {
    await gateway.close();
  }
});

test('under concurrent load the balance never goes below zero by more than one call’s estimate error', async () => {
  const gateway = await startTestGateway();
  try {
    const org = gateway.operatorOrganizationId;
    const sdk = client(gateway, gateway.adminKey);
    // Each call may cost up to (prompt + 400) tokens at gpt-4o-mini's prices: a few hundred micro-USD.
    await api(gateway, 'POST', `/api/organizations/${org}/balance/credits`, { amount_micro_usd: 2_000 });
    // The provider answers after 200 ms, so every call is in flight (and holding its reservation) at once.
    const slow = { ...chat, max_tokens: 400, messages: [{ role: 'user' as const, content: 'hi [sim:fault=latency:200]' }] };
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => sdk.chat.completions.create(slow).withResponse()));
    const admitted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.ok(admitted.length > 0 && refused.length > 0, `${admitted.length} admitted, ${refused.length} refused`);
    for (const outcome of refused) assert.equal(((outcome as PromiseRejectedResult).reason as InstanceType<typeof OpenAI.APIError>).status, 402);
    await gateway.store.requestLog.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const balance = (await api(gateway, 'GET', '/api/balance')).body.balance;
    assert.ok(balance.balance_micro_usd >= 0, `balance ${balance.balance_micro_usd}`);
    assert.equal(balance.reserved_micro_usd, 0);
    let spent = 0;
    for (const outcome of admitted) {
      const id = (outcome as PromiseFulfilledResult<{ response: Response }>).value.response.headers.get('x-request-id')!;
      spent += (await gateway.store.requestLog.get(id))!.costMicroUsd;
    }
    assert.equal(balance.balance_micro_usd, 2_000 - spent, 'the charges are exactly the ledger costs');
  } finally {
    await gateway.close();
  }
});
