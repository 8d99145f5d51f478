// GET /api/usage-stats and GET /api/prompts/history against a running gateway: model calls made with the
// openai SDK (upstream: the simulator), the ledger flushed, then the figures checked exactly against the
// SDK's usage and the ledger's rows; scopes (organization, own key, a token's user), periods, another
// organization's calls never counted or listed, and bad query values answered with a 400 naming them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Json = Record<string, any>;

let gateway: TestGateway;
/** The operator organization's keys: admin (every domain), a generator app key, a generator key without `usage`. */
const keys = { admin: '', adminId: '', app: '', appId: '', modelsOnly: '', token: '', userId: '' };
/** A second organization, with calls of its own. */
const other = { id: '', admin: '', adminId: '' };
/** Request ids and SDK-reported tokens of the operator organization's calls, by who made them. */
const calls: Array<{ id: string; by: 'admin' | 'app' | 'token'; model: string; tokens: number }> = [];
const otherCallIds: string[] = [];
/** A marker in every prompt: a history entry must never carry a request body. */
const marker = `marker-${Math.random().toString(36).slice(2)}`;

async function api(path: string, credential: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${credential}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Json };
}

async function ok(path: string, credential: string): Promise<Json> {
  const reply = await api(path, credential);
  assert.equal(reply.status, 200, `${path}: ${reply.text}`);
  assert.equal(reply.json.success, true);
  return reply.json;
}

async function createKey(credential: string, body: Json): Promise<{ secret: string; id: string }> {
  const reply = await api('/api/keys', credential, { method: 'POST', body });
  assert.equal(reply.status, 201, reply.text);
  return { secret: reply.json.secret, id: reply.json.key.id };
}

const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: gateway.v1, maxRetries: 0 });

async function chat(apiKey: string, model: string, stream = false) {
  const messages = [{ role: 'user' as const, content: `Count the beans, ${marker}` }];
  if (stream) {
    const { data, response } = await client(apiKey)
      .chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let tokens = 0;
    for await (const chunk of data) if (chunk.usage) tokens = chunk.usage.prompt_tokens + chunk.usage.completion_tokens;
    assert.ok(tokens > 0);
    return { id: response.headers.get('x-request-id')!, tokens };
  }
  const { data, response } = await client(apiKey).chat.completions.create({ model, messages }).withResponse();
  assert.ok(data.usage && data.usage.total_tokens > 0);
  return { id: response.headers.get('x-request-id')!, tokens: data.usage.prompt_tokens + data.usage.completion_tokens };
}

before(async () => {
  gateway = await startTestGateway({
    // A plan with both monthly figures, so `limits` has something to show; far above what this file uses.
    config: { limits: { defaultPlan: 'metered', plans: { metered: { requestsPerMonth: 5_000, tokensPerMonth: 100_000 } } } },
  });
  keys.admin = gateway.adminKey;
  keys.adminId = (await ok('/api/me', keys.admin)).credential.api_key_id;
  const app = await createKey(keys.admin, { name: 'app', scope: 'generator', domains: ['models', 'usage'], limits: { requests_per_month: 100 } });
  keys.app = app.secret;
  keys.appId = app.id;
  keys.modelsOnly = (await createKey(keys.admin, { name: 'models only', scope: 'generator', domains: ['models'] })).secret;
  const token = await api('/api/token', '', { method: 'POST', body: gateway.admin });
  keys.token = token.json.token;
  keys.userId = (await ok('/api/me', keys.token)).credential.user_id;

  const created = await api('/api/organizations', keys.admin, { method: 'POST', body: { name: 'beta' } });
  assert.equal(created.status, 201, created.text);
  Object.assign(other, { id: created.json.organization.id, admin: created.json.secret, adminId: created.json.key.id });

  for (const [by, model, stream] of [
    ['admin', 'gpt-4o-mini', false],
    ['admin', 'gpt-4o-mini', true],
    ['admin', 'anthropic/claude-haiku-4-5', false],
    ['app', 'gpt-4o-mini', false],
    ['app', 'gemini/gemini-2.5-flash', false],
    ['token', 'anthropic/claude-haiku-4-5', false],
  ] as const) {
    calls.push({ by, model, ...(await chat(keys[by], model, stream)) });
  }
  const { data: embedding, response } = await client(keys.admin)
    .embeddings.create({ model: 'text-embedding-3-small', input: `beans ${marker}` })
    .withResponse();
  calls.push({ id: response.headers.get('x-request-id')!, by: 'admin', model: 'text-embedding-3-small', tokens: embedding.usage.total_tokens });
  // A call the provider fails: it is in the ledger (and counted), with no tokens and no cost.
  await assert.rejects(
    client(keys.admin).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '[sim:fault=status:503] beans' }] }),
    OpenAI.APIError,
  );
  for (let index = 0; index < 2; index++) otherCallIds.push((await chat(other.admin, 'gpt-4o-mini')).id);
  await gateway.store.requestLog.flush();
});
after(async () => {
  await gateway.close();
});

/** The ledger's rows of an organization, read through the request log (not the code under test). */
async function ledgerOf(organizationId: string, filter: (row: RequestLogEntry) => boolean = () => true): Promise<RequestLogEntry[]> {
  const rows = await gateway.store.requestLog.list({ limit: 1000 });
  return rows.filter((row) => row.organizationId === organizationId && filter(row));
}

/** What usage-stats must say about these rows (none of them a cache hit). */
function expectedFigures(rows: RequestLogEntry[]) {
  const byModel: Record<string, number> = {};
  const microByModel: Record<string, number> = {};
  let micro = 0;
  let tokens = 0;
  for (const row of rows) {
    byModel[row.model] = (byModel[row.model] ?? 0) + 1;
    microByModel[row.model] = (microByModel[row.model] ?? 0) + row.costMicroUsd;
    micro += row.costMicroUsd;
    tokens += row.promptTokens + row.completionTokens;
  }
  return {
    current_usage: { prompts_used: rows.length, tokens_used: tokens, requests_this_month: rows.length },
    model_breakdown: byModel,
    cost_breakdown: {
      total_cost: micro / 1e6,
      by_model: Object.fromEntries(Object.entries(microByModel).map(([model, value]) => [model, value / 1e6])),
    },
  };
}

function assertFigures(usage: Json, rows: RequestLogEntry[]) {
  const expected = expectedFigures(rows);
  assert.deepEqual(usage.current_usage, expected.current_usage);
  assert.deepEqual(usage.model_breakdown, expected.model_breakdown);
  assert.deepEqual(usage.cost_breakdown, expected.cost_breakdown);
}

describe('GET /api/usage-stats', () => {
  test("the organization's current month: the contract's shape, exact tokens, counts and costs", async () => {
    const body = await ok('/api/usage-stats', keys.admin);
    assert.deepEqual(Object.keys(body), ['success', 'usage']);
    const { usage } = body;
    assert.deepEqual(Object.keys(usage), ['current_usage', 'limits', 'model_breakdown', 'cost_breakdown', 'extra']);
    const rows = await ledgerOf(gateway.operatorOrganizationId);
    assert.equal(rows.length, calls.length + 1, 'every call, the failed one too');
    assertFigures(usage, rows);
    // Against the SDK's own usage as well: the ledger is what the client was told.
    assert.equal(usage.current_usage.tokens_used, calls.reduce((sum, call) => sum + call.tokens, 0));
    assert.deepEqual(usage.model_breakdown, {
      'gpt-4o-mini': 4,
      'anthropic/claude-haiku-4-5': 2,
      'gemini/gemini-2.5-flash': 1,
      'text-embedding-3-small': 1,
    });
    assert.ok(usage.cost_breakdown.total_cost > 0);
    assert.deepEqual(usage.limits, { prompts_per_month: 5_000, tokens_per_month: 100_000 });
    const { extra } = usage;
    assert.equal(extra.currency, 'USD');
    assert.equal(extra.scope, 'organization');
    assert.equal(extra.organization_id, gateway.operatorOrganizationId);
    assert.equal(extra.failed_calls, 1);
    assert.equal(extra.cache_hits, 0);
    assert.equal(extra.cost_micro_usd, rows.reduce((sum, row) => sum + row.costMicroUsd, 0));
    assert.equal(extra.period.name, 'month');
    const start = new Date(extra.period.from);
    assert.equal(start.getUTCDate(), 1);
    assert.equal(new Date(extra.period.to).getTime(), Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    assert.equal(extra.models['gpt-4o-mini'].calls, 4);
    assert.equal(extra.models['gpt-4o-mini'].failed_calls, 1);
  });

  test("another organization's calls are its own: never in the first's figures, and the first's never in its", async () => {
    const beta = (await ok('/api/usage-stats', other.admin)).usage;
    assertFigures(beta, await ledgerOf(other.id));
    assert.deepEqual(beta.model_breakdown, { 'gpt-4o-mini': 2 });
    assert.equal(beta.extra.organization_id, other.id);
    const operator = (await ok('/api/usage-stats?period=all', keys.admin)).usage;
    assert.equal(operator.current_usage.prompts_used, calls.length + 1);
  });

  test("scope=key: the caller's own calls, under its own limits narrowing the plan", async () => {
    const own = (await ok('/api/usage-stats?scope=key', keys.admin)).usage;
    assertFigures(own, await ledgerOf(gateway.operatorOrganizationId, (row) => row.apiKeyId === keys.adminId));
    assert.equal(own.current_usage.prompts_used, calls.filter((call) => call.by === 'admin').length + 1);
    assert.deepEqual([own.extra.scope, own.extra.api_key_id], ['key', keys.adminId]);

    // A generator key sees its own calls without asking, and the organization's not at all.
    const app = (await ok('/api/usage-stats', keys.app)).usage;
    assertFigures(app, await ledgerOf(gateway.operatorOrganizationId, (row) => row.apiKeyId === keys.appId));
    assert.deepEqual(app.model_breakdown, { 'gpt-4o-mini': 1, 'gemini/gemini-2.5-flash': 1 });
    assert.deepEqual(app.limits, { prompts_per_month: 100, tokens_per_month: 100_000 });
    const refused = await api('/api/usage-stats?scope=organization', keys.app);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json.code, 'INSUFFICIENT_SCOPE');
    assert.equal(refused.json.details.required_scope, 'manager');

    // A token's own calls are its user's.
    const user = (await ok('/api/usage-stats?scope=key', keys.token)).usage;
    assertFigures(user, await ledgerOf(gateway.operatorOrganizationId, (row) => row.userId === keys.userId));
    assert.deepEqual([user.current_usage.prompts_used, user.extra.user_id], [1, keys.userId]);
  });

  test('the usage domain is required', async () => {
    for (const path of ['/api/usage-stats', '/api/prompts/history']) {
      const refused = await api(path, keys.modelsOnly);
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.json.code, 'DOMAIN_NOT_ALLOWED');
    }
  });

  test('periods: day, all, from and to (a date includes its whole day), an empty span', async () => {
    const rows = await ledgerOf(gateway.operatorOrganizationId);
    // From the instant of one call (inclusive) on: exactly the calls made at or after it.
    const sorted = rows.map((row) => row.createdAt.getTime()).sort((left, right) => left - right);
    const cut = sorted[3]!;
    const later = (await ok(`/api/usage-stats?from=${new Date(cut).toISOString()}`, keys.admin)).usage;
    assertFigures(later, await ledgerOf(gateway.operatorOrganizationId, (row) => row.createdAt.getTime() >= cut));
    assert.equal(later.extra.period.to, null);
    const offset = new Date(cut + 7_200_000).toISOString().replace('Z', '+02:00');
    assert.deepEqual((await ok(`/api/usage-stats?from=${encodeURIComponent(offset)}`, keys.admin)).usage, later, 'the same instant with an offset');
    const earlier = (await ok(`/api/usage-stats?to=${encodeURIComponent(new Date(cut).toISOString())}`, keys.admin)).usage;
    assertFigures(earlier, await ledgerOf(gateway.operatorOrganizationId, (row) => row.createdAt.getTime() < cut));

    const day = new Date(sorted[0]!).toISOString().slice(0, 10);
    const lastDay = new Date(sorted.at(-1)!).toISOString().slice(0, 10);
    const span = (await ok(`/api/usage-stats?from=${day}&to=${lastDay}`, keys.admin)).usage;
    assertFigures(span, rows);
    assert.equal(span.extra.period.name, 'custom');
    assert.equal(new Date(span.extra.period.to).getTime(), Date.parse(lastDay) + 86_400_000);

    const all = (await ok('/api/usage-stats?period=all', keys.admin)).usage;
    assertFigures(all, rows);
    assert.deepEqual([all.extra.period.from, all.extra.period.to], [null, null]);

    const today = (await ok('/api/usage-stats?period=day', keys.admin)).usage;
    assert.equal(new Date(today.extra.period.to).getTime() - new Date(today.extra.period.from).getTime(), 86_400_000);
    assertFigures(
      today,
      rows.filter((row) => row.createdAt.getTime() >= Date.parse(today.extra.period.from)),
    );

    const none = (await ok('/api/usage-stats?from=2000-01-01&to=2000-01-31', keys.admin)).usage;
    assert.deepEqual(none.current_usage, { prompts_used: 0, tokens_used: 0, requests_this_month: 0 });
    assert.deepEqual([none.model_breakdown, none.cost_breakdown], [{}, { total_cost: 0, by_model: {} }]);
  });

  test('a call answered from the cache counts as a tenth of a request', async () => {
    const created = await api('/api/organizations', keys.admin, { method: 'POST', body: { name: 'gamma' } });
    const organizationId: string = created.json.organization.id;
    const base = (await ledgerOf(other.id))[0]!;
    const now = Date.now();
    for (const [index, cacheStatus] of (['MISS', 'HIT', 'HIT', 'HIT'] as const).entries()) {
      gateway.store.requestLog.record({
        ...base,
        id: `00000000-0000-4000-8000-00000000000${index}`,
        createdAt: new Date(now - index),
        organizationId,
        apiKeyId: created.json.key.id,
        cacheStatus,
        costMicroUsd: cacheStatus === 'HIT' ? 0 : 10_001,
      });
    }
    await gateway.store.requestLog.flush();
    const usage = (await ok('/api/usage-stats', created.json.secret)).usage;
    assert.equal(usage.current_usage.prompts_used, 1.3);
    assert.equal(usage.current_usage.requests_this_month, 1.3);
    assert.deepEqual(usage.model_breakdown, { [base.model]: 4 }, 'the breakdown counts calls');
    assert.equal(usage.extra.cache_hits, 3);
    assert.equal(usage.cost_breakdown.total_cost, 0.010001);
  });
});

describe('GET /api/prompts/history', () => {
  test("the organization's calls, newest first, with their figures and never a body", async () => {
    const reply = await api('/api/prompts/history', keys.admin);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json;
    assert.deepEqual(Object.keys(body).sort(), ['history', 'limit', 'offset', 'success', 'total']);
    const rows = (await ledgerOf(gateway.operatorOrganizationId)).sort(
      (left, right) => right.createdAt.getTime() - left.createdAt.getTime() || (left.id < right.id ? 1 : -1),
    );
    assert.deepEqual([body.total, body.limit, body.offset], [rows.length, 50, 0]);
    assert.deepEqual(
      body.history.map((item: Json) => item.id),
      rows.map((row) => row.id),
    );
    for (const call of calls) assert.ok(body.history.some((item: Json) => item.id === call.id), call.id);
    for (const id of otherCallIds) assert.ok(!reply.text.includes(id), `another organization's call ${id}`);
    assert.ok(!reply.text.includes(marker), 'no prompt text');

    const first = calls[0]!;
    const row = rows.find((candidate) => candidate.id === first.id)!;
    const item = body.history.find((candidate: Json) => candidate.id === first.id);
    assert.deepEqual(item, {
      id: row.id,
      object: 'model_call',
      organization_id: gateway.operatorOrganizationId,
      api_key_id: keys.adminId,
      user_id: null,
      endpoint: 'chat',
      model: 'gpt-4o-mini',
      provider: 'openai',
      upstream_model: row.upstreamModel,
      status: 200,
      error_code: null,
      stream: false,
      cache_status: 'SKIP',
      credential: 'server',
      prompt_tokens: row.promptTokens,
      completion_tokens: row.completionTokens,
      cached_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      total_tokens: first.tokens,
      usage_estimated: false,
      overage: false,
      cost: row.costMicroUsd / 1e6,
      cost_micro_usd: row.costMicroUsd,
      latency_ms: row.latencyMs,
      ttft_ms: row.ttftMs,
      created_at: row.createdAt.toISOString(),
    });
    const streamed = body.history.find((candidate: Json) => candidate.id === calls[1]!.id);
    assert.equal(streamed.stream, true);
    assert.equal(typeof streamed.ttft_ms, 'number');
    const failed = body.history.filter((candidate: Json) => candidate.status >= 400);
    assert.equal(failed.length, 1);
    assert.deepEqual([failed[0].cost_micro_usd, failed[0].total_tokens], [0, 0]);
    assert.equal(typeof failed[0].error_code, 'string');
  });

  test('pages with limit and offset, filters by model, and shows a generator key its own calls', async () => {
    const all = (await ok('/api/prompts/history?limit=1000', keys.admin)).history.map((item: Json) => item.id);
    const page = await ok('/api/prompts/history?limit=3&offset=2', keys.admin);
    assert.deepEqual([page.total, page.limit, page.offset], [all.length, 3, 2]);
    assert.deepEqual(
      page.history.map((item: Json) => item.id),
      all.slice(2, 5),
    );
    const past = await ok(`/api/prompts/history?offset=${all.length}`, keys.admin);
    assert.deepEqual([past.history, past.total], [[], all.length]);

    const claude = await ok(`/api/prompts/history?model=${encodeURIComponent('anthropic/claude-haiku-4-5')}`, keys.admin);
    assert.equal(claude.total, 2);
    assert.deepEqual(
      claude.history.map((item: Json) => [item.model, item.provider]),
      [
        ['anthropic/claude-haiku-4-5', 'anthropic'],
        ['anthropic/claude-haiku-4-5', 'anthropic'],
      ],
    );

    const app = await ok('/api/prompts/history', keys.app);
    assert.deepEqual(
      app.history.map((item: Json) => item.id).sort(),
      calls.filter((call) => call.by === 'app').map((call) => call.id).sort(),
    );
    const refused = await api('/api/prompts/history?scope=organization', keys.app);
    assert.equal(refused.status, 403);

    const beta = await ok('/api/prompts/history', other.admin);
    assert.deepEqual(beta.history.map((item: Json) => item.id).sort(), [...otherCallIds].sort());
    assert.ok(beta.history.every((item: Json) => item.organization_id === other.id && item.api_key_id === other.adminId));
  });
});

describe('bad query values are a 400 in the platform envelope naming the parameter', () => {
  const cases: Array<[string, string]> = [
    ['/api/usage-stats?period=week', 'period'],
    ['/api/usage-stats?period=', 'period'],
    ['/api/usage-stats?from=yesterday', 'from'],
    ['/api/usage-stats?from=2025-13-01', 'from'],
    ['/api/usage-stats?to=2025-02-30', 'to'],
    ['/api/usage-stats?to=2025-02-28T10:00:00', 'to'],
    ['/api/usage-stats?from=2025-02-01&to=2025-01-01', 'from'],
    ['/api/usage-stats?from=2025-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'from'],
    // Unencoded, `+` reads as a space: refused rather than guessed at.
    ['/api/usage-stats?from=2025-01-01T00:00:00+02:00', 'from'],
    ['/api/usage-stats?period=month&from=2025-01-01', 'period'],
    ['/api/usage-stats?scope=team', 'scope'],
    ['/api/prompts/history?limit=-1', 'limit'],
    ['/api/prompts/history?limit=1001', 'limit'],
    ['/api/prompts/history?limit=ten', 'limit'],
    ['/api/prompts/history?offset=1.5', 'offset'],
    ['/api/prompts/history?model=', 'model'],
    [`/api/prompts/history?model=${'m'.repeat(257)}`, 'model'],
    ['/api/prompts/history?model=gpt%00', 'model'],
    ['/api/prompts/history?scope=everyone', 'scope'],
  ];
  for (const [path, field] of cases) {
    test(path.length > 80 ? `${path.slice(0, 60)}…` : path, async () => {
      const reply = await api(path, keys.admin);
      assert.equal(reply.status, 400, reply.text);
      const { json } = reply;
      assert.equal(json.success, false);
      assert.equal(json.code, 'INVALID_REQUEST');
      assert.equal(json.type, 'invalid_request_error');
      assert.equal(json.details?.field, field);
      assert.match(json.error, new RegExp(`'${field}'`));
      assert.equal(typeof json.request_id, 'string');
    });
  }
});
