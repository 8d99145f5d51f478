// POST /api/prompt/execute: one prompt to several models side by side (seed 000), as JSON and as a stream of
// model-tagged events. A model that fails (a provider error, an unknown model, a limit) is its own error
// entry and the others answer; every model call is its own ledger row; bad input is a 400 naming the field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelResult } from '../../src/surfaces/platform/fan-out.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({ config: { prompts: { maxModels: 4, timeoutMs: 5_000 }, routing: { breaker: { enabled: false } } } });
});
after(async () => {
  await gateway?.close();
});

function post(body: unknown, key = gateway.adminKey, raw?: string) {
  return fetch(`${gateway.url}/api/prompt/execute`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
}

const models = ['gpt-4o-mini', 'claude-haiku-4-5', 'gemini-2.5-flash'];

describe('JSON', () => {
  test('three models answer side by side in the seed’s shape, each metered in the ledger', async () => {
    const response = await post({ prompt: 'Write one line about tea', models, temperature: 0.7, max_tokens: 100 });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { success: boolean; id: string; results: ModelResult[]; total_tokens: number; total_cost: number; execution_time: number };
    assert.equal(body.success, true);
    assert.deepEqual(body.results.map((result) => result.model), models);
    assert.deepEqual(body.results.map((result) => result.provider), ['openai', 'anthropic', 'gemini']);
    for (const result of body.results) {
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.ok(result.response && result.response.length > 0);
      assert.equal(result.finish_reason, 'stop');
      assert.equal(result.tokens_used, result.prompt_tokens + result.completion_tokens);
      assert.ok(result.tokens_used > 0);
      assert.ok(result.response_time >= 0 && result.response_time <= body.execution_time);
    }
    assert.equal(body.total_tokens, body.results.reduce((sum, result) => sum + result.tokens_used, 0));
    await gateway.store.requestLog.flush();
    for (const result of body.results) {
      const row = await gateway.store.requestLog.get(result.request_id);
      assert.ok(row, `a ledger row for ${result.model}`);
      assert.equal(row.status, 200);
      assert.equal(row.promptTokens + row.completionTokens, result.tokens_used);
      assert.equal(row.costMicroUsd, result.cost_micro_usd);
      assert.equal(row.organizationId, gateway.operatorOrganizationId);
    }
  });

  test('a failing model and an unknown one get their own error entries; the others answer', async () => {
    gateway.simulator.inject({ kind: 'status', status: 500, model: 'claude-haiku-4-5' });
    const response = await post({ messages: [{ role: 'user', content: 'Hello' }], models: ['gpt-4o-mini', 'claude-haiku-4-5', 'no-such-model'] });
    assert.equal(response.status, 200);
    const { results } = (await response.json()) as { results: ModelResult[] };
    assert.ok(results[0]!.response);
    assert.equal(results[0]!.error, undefined);
    assert.equal(results[1]!.response, null);
    assert.ok(results[1]!.error!.status >= 500);
    assert.equal(results[2]!.error!.status, 404);
    assert.equal(results[2]!.error!.code, 'model_not_found');
    assert.match(results[2]!.error!.message, /no-such-model/);
  });

  test('a model slower than timeout_ms times out alone', async () => {
    gateway.simulator.inject({ kind: 'latency', delayMs: 2_000, model: 'gpt-4o-mini' });
    const started = performance.now();
    const response = await post({ prompt: 'Hello', models: ['gpt-4o-mini', 'claude-haiku-4-5'], timeout_ms: 300 });
    const { results } = (await response.json()) as { results: ModelResult[] };
    assert.ok(performance.now() - started < 1_800, 'the slow model did not hold the call');
    assert.equal(results[0]!.error?.status, 504);
    assert.ok(results[1]!.response);
  });
});

describe('stream', () => {
  test('answers arrive as model-tagged events, each model ending with its usage, then done', async () => {
    const response = await post({ prompt: 'Tell a short story', models: models.slice(0, 2), stream: true });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((match) => ({ event: match[1]!, data: JSON.parse(match[2]!) }));
    assert.equal(events[0]!.event, 'start');
    assert.equal(events.at(-1)!.event, 'done');
    for (const model of models.slice(0, 2)) {
      const streamed = events.filter((event) => event.event === 'delta' && event.data.model === model).map((event) => event.data.text as string).join('');
      const end = events.find((event) => event.event === 'model_end' && event.data.model === model)!.data as ModelResult;
      assert.ok(streamed.length > 0);
      assert.equal(end.response, streamed, `${model}: the end event carries the whole answer`);
      assert.ok(end.completion_tokens > 0);
    }
    const done = events.at(-1)!.data as { total_tokens: number };
    const ends = events.filter((event) => event.event === 'model_end').map((event) => event.data as ModelResult);
    assert.equal(done.total_tokens, ends.reduce((sum, end) => sum + end.tokens_used, 0));
  });
});

describe('bad input', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no models', { prompt: 'x' }, /models/],
    ['models of the wrong type', { prompt: 'x', models: 'gpt-4o-mini' }, /models/],
    ['too many models', { prompt: 'x', models: ['a', 'b', 'c', 'd', 'e'] }, /at most 4 models/],
    ['a model listed twice', { prompt: 'x', models: ['gpt-4o-mini', 'gpt-4o-mini'] }, /once/],
    ['neither prompt nor messages', { models: ['gpt-4o-mini'] }, /prompt or messages/],
    ['both prompt and messages', { prompt: 'x', messages: [{ role: 'user', content: 'y' }], models: ['gpt-4o-mini'] }, /prompt or messages/],
    ['a temperature out of range', { prompt: 'x', models: ['gpt-4o-mini'], temperature: 3 }, /temperature/],
    ['timeout_ms above the limit', { prompt: 'x', models: ['gpt-4o-mini'], timeout_ms: 10_000 }, /timeout_ms/],
  ];
  for (const [name, body, message] of cases) {
    test(`${name}: 400 in the platform envelope`, async () => {
      const response = await post(body);
      assert.equal(response.status, 400);
      const error = (await response.json()) as { success: boolean; error: string; code: string };
      assert.equal(error.success, false);
      assert.match(error.error, message);
    });
  }

  test('malformed JSON: 400 INVALID_JSON; an oversized body: 413', async () => {
    const malformed = await post(undefined, gateway.adminKey, '{"prompt": ');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { code: string }).code, 'INVALID_JSON');
    const huge = await post({ prompt: 'x'.repeat(2 * 1024 * 1024), models: ['gpt-4o-mini'] });
    assert.equal(huge.status, 413);
  });

  test('a key without the prompts domain is refused', async () => {
    const created = await fetch(`${gateway.url}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'models only', scope: 'generator', domains: ['models'] }),
    });
    const { secret } = (await created.json()) as { secret: string };
    const refused = await post({ prompt: 'x', models: ['gpt-4o-mini'] }, secret);
    assert.equal(refused.status, 403);
  });
});

describe('history', () => {
  const get = (path: string, key = gateway.adminKey) =>
    fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

  test('a run is saved: GET /api/prompts/{id} shows it with its results; the history lists it once, not its calls', async () => {
    const response = await post({ prompt: 'History, please', models: ['gpt-4o-mini', 'claude-haiku-4-5'], temperature: 0.2 });
    const executed = (await response.json()) as { id: string; results: ModelResult[]; total_tokens: number };
    const { status, body } = await get(`/api/prompts/${executed.id}`);
    assert.equal(status, 200);
    assert.equal(body.prompt.object, 'prompt_run');
    assert.equal(body.prompt.kind, 'execute');
    assert.equal(body.prompt.status, 'completed');
    assert.equal(body.prompt.prompt, 'History, please');
    assert.equal(body.prompt.temperature, 0.2);
    assert.deepEqual(body.prompt.models, ['gpt-4o-mini', 'claude-haiku-4-5']);
    assert.deepEqual(body.prompt.results, executed.results);
    assert.equal(body.prompt.total_tokens, executed.total_tokens);

    const history = await get('/api/prompts/history?limit=5');
    assert.equal(history.status, 200);
    assert.equal(history.body.history[0].id, executed.id, 'the newest entry is the run');
    const ids = history.body.history.map((entry: { id: string }) => entry.id);
    for (const result of executed.results) assert.ok(!ids.includes(result.request_id), 'its calls are inside the run, not listed again');
    const filtered = await get('/api/prompts/history?model=claude-haiku-4-5&limit=50');
    assert.ok(filtered.body.history.some((entry: { id: string }) => entry.id === executed.id));
    const none = await get('/api/prompts/history?model=gemini-2.5-flash&limit=50');
    assert.ok(!none.body.history.some((entry: { id: string }) => entry.id === executed.id));
  });

  test("a generator key sees its own runs only; another organization's run is a 404", async () => {
    const created = await fetch(`${gateway.url}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'runner', scope: 'generator', domains: ['prompts', 'usage'] }),
    });
    const { secret } = (await created.json()) as { secret: string };
    const mine = (await (await post({ prompt: 'Mine', models: ['gpt-4o-mini'] }, secret)).json()) as { id: string };
    const admins = (await (await post({ prompt: 'Theirs', models: ['gpt-4o-mini'] })).json()) as { id: string };
    assert.equal((await get(`/api/prompts/${mine.id}`, secret)).status, 200);
    assert.equal((await get(`/api/prompts/${admins.id}`, secret)).status, 404);
    const history = await get('/api/prompts/history', secret);
    const ids = history.body.history.map((entry: { id: string }) => entry.id);
    assert.ok(ids.includes(mine.id) && !ids.includes(admins.id));

    const org = await fetch(`${gateway.url}/api/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'elsewhere', admin_email: 'elsewhere@example.test', admin_password: 'a long enough password' }),
    });
    const other = ((await org.json()) as { secret: string }).secret;
    const missing = await get(`/api/prompts/${admins.id}`, other);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.success, false);
  });

  test('paging past the merged window is a 400 naming offset', async () => {
    const { status, body } = await get('/api/prompts/history?offset=9990&limit=50');
    assert.equal(status, 400);
    assert.match(body.error, /10000/);
  });
});
