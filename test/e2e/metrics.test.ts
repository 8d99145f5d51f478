// GET /metrics end to end: calls made with the openai SDK through a model group and directly, then a scrape
// whose counters must agree with the ledger rows; the route's access (admin key, public, switched off).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    config: (simulator) => ({
      routing: {
        groups: {
          pair: {
            strategy: 'cost-first',
            deployments: [
              { id: 'cheap', provider: 'openai', model: 'gpt-4o-mini', baseURL: `${simulator}/v1` },
              { id: 'dear', provider: 'openai', model: 'gpt-4o', baseURL: `${simulator}/v1` },
            ],
          },
        },
      },
    }),
  });
});

after(async () => {
  await gateway?.close();
});

async function scrape(target: TestGateway, key?: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${target.url}/metrics`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, found by its metric name and every label it must carry. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && line.split(' ')[0] !== name) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const present = labelText === '' ? [] : labelText.split(',');
    const matches = present.length === wanted.length && wanted.every((pair) => present.includes(pair));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

test('two calls are counted as the ledger has them; breaker gauges list the group deployments', async () => {
  const openai = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'pair', messages: [{ role: 'user', content: 'Say hello' }] });
  const stream = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello again' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) void chunk;

  await gateway.store.requestLog.flush();
  const rows = await gateway.store.requestLog.list();
  assert.equal(rows.length, 2);
  assert.ok(rows.every((row) => row.provider === 'openai' && row.upstreamModel === 'gpt-4o-mini' && row.status === 200));
  const sum = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((total, row) => total + pick(row), 0);
  assert.ok(sum((row) => row.promptTokens) > 0 && sum((row) => row.costMicroUsd) > 0, 'the simulator reported usage');

  const { status, type, text } = await scrape(gateway, gateway.adminKey);
  assert.equal(status, 200);
  assert.equal(type, 'text/plain; version=0.0.4; charset=utf-8');
  const model = { provider: 'openai', model: 'gpt-4o-mini' };
  const requests = (cache: string) => sample(text, 'switchyard_requests_total', { ...model, endpoint: 'chat', status_class: '2xx', cache });
  assert.equal(rows[0]!.cacheStatus, rows[1]!.cacheStatus);
  assert.equal(requests(rows[0]!.cacheStatus), 2);
  assert.equal(sample(text, 'switchyard_tokens_total', { ...model, kind: 'prompt' }), sum((row) => row.promptTokens));
  assert.equal(sample(text, 'switchyard_tokens_total', { ...model, kind: 'completion' }), sum((row) => row.completionTokens));
  assert.equal(sample(text, 'switchyard_cost_micro_usd_total', model), sum((row) => row.costMicroUsd));
  assert.equal(sample(text, 'switchyard_request_duration_seconds_count', model), 2);
  assert.equal(sample(text, 'switchyard_time_to_first_token_seconds_count', model), 2);
  assert.equal(sample(text, 'switchyard_deployment_breaker_state', { deployment: 'cheap' }), 0);
  assert.equal(sample(text, 'switchyard_deployment_breaker_state', { deployment: 'dear' }), 0);
  assert.equal(sample(text, 'switchyard_deployment_in_flight', { deployment: 'cheap' }), 0);
  assert.ok(text.includes('\nprocess_cpu_user_seconds_total '), 'the process metrics');
});

test('without a key: 401 in the OpenAI error envelope', async () => {
  const response = await fetch(`${gateway.url}/metrics`);
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="switchyard"');
  const body = (await response.json()) as { error: { message: string; type: string; code: string | null } };
  assert.equal(body.error.type, 'authentication_error');
  assert.equal(body.error.code, 'missing_api_key');
  assert.equal(typeof body.error.message, 'string');
});

test('metrics.public: a scraper needs no key', async () => {
  const open = await startTestGateway({ config: { metrics: { public: true } } });
  try {
    const { status, text } = await scrape(open);
    assert.equal(status, 200);
    assert.ok(text.includes('# TYPE switchyard_requests_total counter'));
  } finally {
    await open.close();
  }
});

test('metrics.enabled false: no route, 404 even with an admin key', async () => {
  const closed = await startTestGateway({ config: { metrics: { enabled: false } } });
  try {
    const { status, text } = await scrape(closed, closed.adminKey);
    assert.equal(status, 404);
    assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'unknown_route');
    assert.ok(!closed.app.routes.some((route) => route.path === '/metrics'));
  } finally {
    await closed.close();
  }
});

test("another organization's admin: 403 operator_only (the metrics add up every organization)", async () => {
  const created = await fetch(`${gateway.url}/api/organizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'tenant', admin_email: 'tenant-admin@example.test', admin_password: 'a long enough password' }),
  });
  assert.equal(created.status, 201);
  const { secret } = (await created.json()) as { secret: string };
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(response.status, 403);
  const body = (await response.json()) as { error: { code: string } };
  assert.equal(body.error.code, 'operator_only');
});
