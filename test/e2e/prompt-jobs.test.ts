// Async prompts (POST /api/prompt/create): 202 at once, then queued → running → completed in GET
// /api/prompts/{id}; priority orders the queue; a queued prompt can be cancelled; jobs queued before a restart
// run after it; a job taken over after a crash never calls a model twice; two replicas on one PostgreSQL
// run each job once; `prompt.completed` is recorded; bad input is a 400 naming the field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { postgresTestDatabase } from '../helpers/postgres.js';

type Json = Record<string, any>;

async function call(gateway: TestGateway, method: string, path: string, body?: unknown, key = gateway.adminKey): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Polls GET /api/prompts/{id} until the job has ended. */
async function settled(gateway: TestGateway, id: string, timeoutMs = 10_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(gateway, 'GET', `/api/prompts/${id}`);
    if (['completed', 'failed', 'cancelled'].includes(body.prompt?.status)) return body.prompt;
    if (Date.now() > deadline) assert.fail(`prompt ${id} still ${body.prompt?.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const jobs = (overrides: Json = {}) => ({ prompts: { jobs: { pollMs: 50, leaseMs: 2_000, ...overrides } } });

describe('one gateway', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ config: jobs() });
  });
  after(async () => {
    await gateway?.close();
  });

  test('202 at once, then completed with every model’s result, metered, and prompt.completed recorded', async () => {
    const submitted = await call(gateway, 'POST', '/api/prompt/create', { prompt: 'Analyze this', models: ['gpt-4o-mini', 'claude-haiku-4-5'], priority: 'high' });
    assert.equal(submitted.status, 202);
    assert.equal(submitted.body.status, 'queued');
    assert.equal(submitted.body.priority, 'high');
    const run = await settled(gateway, submitted.body.id);
    assert.equal(run.status, 'completed');
    assert.equal(run.kind, 'job');
    assert.equal(run.priority, 'high');
    assert.deepEqual(run.results.map((result: Json) => result.model), ['gpt-4o-mini', 'claude-haiku-4-5']);
    for (const result of run.results) assert.ok(result.response && result.tokens_used > 0, JSON.stringify(result));
    await gateway.store.requestLog.flush();
    const row = await gateway.store.requestLog.get(`${submitted.body.id}-m1`);
    assert.equal(row?.status, 200);
    assert.equal(row?.apiKeyId, run.api_key_id, 'metered to the key that submitted it');
    const history = await call(gateway, 'GET', '/api/prompts/history?limit=5');
    assert.ok(history.body.history.some((entry: Json) => entry.id === submitted.body.id));
  });

  test('a model that fails is its own error; bad input is a 400 naming the field', async () => {
    const submitted = await call(gateway, 'POST', '/api/prompt/create', { prompt: 'x', models: ['gpt-4o-mini', 'no-such-model'] });
    const run = await settled(gateway, submitted.body.id);
    assert.equal(run.status, 'completed');
    assert.equal(run.results[1].error.code, 'model_not_found');
    const cases: Array<[unknown, RegExp]> = [
      [{ prompt: 'x' }, /models/],
      [{ prompt: 'x', models: ['gpt-4o-mini'], priority: 'urgent' }, /priority/],
      [{ prompt: 'x', models: ['gpt-4o-mini'], callback_url: 'ftp://example.test/x' }, /callback_url/],
      [{ prompt: 'x', models: ['gpt-4o-mini'], callback_url: 'http://127.0.0.1:8080/x' }, /loopback/],
      [{ prompt: 'x', models: ['gpt-4o-mini'], callback_url: 'http://169.254.169.254/latest' }, /callback_url names/],
      [{ prompt: 'x', models: ['gpt-4o-mini'], callback_url: 'http://[::1]/x' }, /callback_url names/],
      [{ prompt: 'x', models: ['gpt-4o-mini'], callback_url: 'http://localhost/x' }, /loopback/],
      [{ prompt: 7, models: ['gpt-4o-mini'] }, /prompt/],
      ['{"prompt": ', /JSON/i],
    ];
    for (const [body, message] of cases) {
      const refused = await call(gateway, 'POST', '/api/prompt/create', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(refused.body.error, message);
    }
    const huge = await call(gateway, 'POST', '/api/prompt/create', { prompt: 'x'.repeat(2 * 1024 * 1024), models: ['gpt-4o-mini'] });
    assert.equal(huge.status, 413);
  });
});

test('queued on an API-only replica; priority orders the queue after a restart; a queued prompt can be cancelled', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-jobs-'));
  const databaseUrl = `sqlite:${join(directory, 'jobs.db')}`;
  const first = await startTestGateway({ databaseUrl, config: jobs({ concurrency: 0 }) });
  const join_ = { adminKey: first.adminKey, operatorOrganizationId: first.operatorOrganizationId };
  try {
    const ids: Record<string, string> = {};
    for (const priority of ['low', 'normal', 'high'] as const) {
      ids[priority] = (await call(first, 'POST', '/api/prompt/create', { prompt: `p ${priority}`, models: ['gpt-4o-mini'], priority })).body.id;
    }
    const doomed = (await call(first, 'POST', '/api/prompt/create', { prompt: 'never', models: ['gpt-4o-mini'] })).body.id;
    const cancelled = await call(first, 'POST', `/api/prompts/${doomed}/cancel`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.prompt.status, 'cancelled');
    assert.equal((await call(first, 'POST', `/api/prompts/${doomed}/cancel`)).status, 409);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await call(first, 'GET', `/api/prompts/${ids.high}`)).body.prompt.status, 'queued', 'an API-only replica runs nothing');
    await first.close();

    const second = await startTestGateway({ databaseUrl, join: join_, config: jobs({ concurrency: 1, perOrganization: 1 }) });
    try {
      const runs = await Promise.all(['low', 'normal', 'high'].map((priority) => settled(second, ids[priority]!)));
      const order = runs.map((run) => [run.priority, Date.parse(run.completed_at)] as const).sort((a, b) => a[1] - b[1]).map(([priority]) => priority);
      assert.deepEqual(order, ['high', 'normal', 'low']);
      assert.equal((await call(second, 'GET', `/api/prompts/${doomed}`)).body.prompt.status, 'cancelled');
      await second.store.requestLog.flush();
      assert.equal(await second.store.requestLog.get(`${doomed}-m1`), undefined, 'a cancelled prompt calls nothing');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a job taken over after a crash does not call again the model that was running; it runs the rest', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-jobs-'));
  const databaseUrl = `sqlite:${join(directory, 'jobs.db')}`;
  const first = await startTestGateway({ databaseUrl, config: jobs({ concurrency: 0 }) });
  const join_ = { adminKey: first.adminKey, operatorOrganizationId: first.operatorOrganizationId };
  try {
    const id = (await call(first, 'POST', '/api/prompt/create', { prompt: 'x', models: ['gpt-4o-mini', 'claude-haiku-4-5'] })).body.id;
    // As a replica that died would have left it: the first model marked running when its lease ran out.
    const job = (await first.store.promptRuns.get({ organizationId: first.operatorOrganizationId }, id))!;
    await first.store.promptRuns.save({ ...job, results: [{ model: 'gpt-4o-mini', request_id: `${id}-m1`, state: 'running' }, null] });
    await first.close();
    const second = await startTestGateway({ databaseUrl, join: join_, config: jobs({ concurrency: 1 }) });
    try {
      const run = await settled(second, id);
      assert.equal(run.status, 'completed');
      assert.equal(run.results[0].error.code, 'interrupted');
      assert.ok(run.results[1].response);
      assert.equal(second.simulator.stats().requests, 1, 'only the model that had not started was called');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('two replicas on one PostgreSQL run each queued job exactly once', async (t) => {
  const database = await postgresTestDatabase(t);
  if ('skip' in database) return;
  const a = await startTestGateway({ databaseUrl: database.url, config: jobs({ concurrency: 0 }) });
  const join_ = { adminKey: a.adminKey, operatorOrganizationId: a.operatorOrganizationId };
  try {
    const ids: string[] = [];
    for (let index = 0; index < 8; index++) ids.push((await call(a, 'POST', '/api/prompt/create', { prompt: `job ${index}`, models: ['gpt-4o-mini'] })).body.id);
    const b = await startTestGateway({ databaseUrl: database.url, join: join_, config: jobs({ concurrency: 3, perOrganization: 4 }) });
    const c = await startTestGateway({ databaseUrl: database.url, join: join_, config: jobs({ concurrency: 3, perOrganization: 4 }) });
    try {
      for (const id of ids) assert.equal((await settled(b, id, 20_000)).status, 'completed');
      const calls = b.simulator.stats().requests + c.simulator.stats().requests;
      assert.equal(calls, ids.length, 'one model call per job over both replicas');
      assert.ok(b.simulator.stats().requests > 0 && c.simulator.stats().requests > 0, 'both replicas took jobs');
    } finally {
      await b.close();
      await c.close();
    }
  } finally {
    await a.close();
  }
});

test('callback_url gets the result signed with the organization’s secret, also when the gateway restarted in between', async () => {
  const { createServer } = await import('node:http');
  const { verifySignature } = await import('../../src/webhooks/signing.js');
  const received: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ body, headers: request.headers });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/done`;
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-jobs-'));
  const databaseUrl = `sqlite:${join(directory, 'jobs.db')}`;
  const webhooks = { allowPrivateAddresses: true, pollMs: 50 };
  const first = await startTestGateway({ databaseUrl, config: { ...jobs({ concurrency: 0 }), webhooks } });
  const join_ = { adminKey: first.adminKey, operatorOrganizationId: first.operatorOrganizationId };
  try {
    const rotated = await call(first, 'POST', `/v2/organizations/${first.operatorOrganizationId}/webhook-secret`, {});
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    const secret: string = rotated.body.secret;
    const id = (await call(first, 'POST', '/api/prompt/create', { prompt: 'call me back', models: ['gpt-4o-mini'], callback_url: callbackUrl })).body.id;
    await first.close();
    const second = await startTestGateway({ databaseUrl, join: join_, masterKey: first.masterKey, config: { ...jobs({ concurrency: 1 }), webhooks } });
    try {
      await settled(second, id);
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(received.length, 1);
      const delivery = received[0]!;
      assert.ok(verifySignature(delivery.body, delivery.headers as Record<string, string>, secret), 'signed with the organization’s secret');
      assert.ok(!verifySignature(delivery.body.replace('completed', 'c0mpleted'), delivery.headers as Record<string, string>, secret), 'a tampered body fails');
      const payload = JSON.parse(delivery.body) as Json;
      assert.equal(payload.type, 'prompt.completed');
      assert.equal(payload.data.id, id);
      assert.equal(payload.data.status, 'completed');
      assert.ok(payload.data.results[0].response);
    } finally {
      await second.close();
    }
  } finally {
    receiver.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
