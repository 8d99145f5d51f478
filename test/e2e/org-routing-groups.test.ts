// An organization's own model groups through the platform API: create, read, replace and delete; bad input is
// a 400 in the platform envelope naming the field (nothing written); another organization neither sees nor
// uses the group; a call through the group reaches its deployment with the stored credential it names.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Reply = { status: number; body: Record<string, any> };

let gateway: TestGateway;
const acme = { id: '', key: '', credentials: { first: '', second: '', anthropic: '' } };
const globex = { id: '', key: '' };

async function call(key: string, method: string, path: string, body?: unknown, raw?: string): Promise<Reply> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function organization(name: string): Promise<{ id: string; key: string }> {
  const created = await call(gateway.adminKey, 'POST', '/api/organizations', { name });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.organization.id, key: created.body.secret };
}

async function credential(key: string, provider: string, name: string, apiKey: string): Promise<string> {
  const created = await call(key, 'POST', '/api/provider-credentials', { provider, name, api_key: apiKey });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.credential.id;
}

before(async () => {
  gateway = await startTestGateway({ config: { routing: { breaker: { enabled: false } } } });
  Object.assign(acme, await organization('Acme'));
  Object.assign(globex, await organization('Globex'));
  acme.credentials.first = await credential(acme.key, 'openai', 'first', 'sk-acme-first-0001');
  acme.credentials.second = await credential(acme.key, 'openai', 'second', 'sk-acme-second-0002');
  acme.credentials.anthropic = await credential(acme.key, 'anthropic', 'main', 'acme-anthropic-0003');
});
after(async () => {
  await gateway?.close();
});

const fast = () => ({
  strategy: 'cost-first',
  deployments: [
    { provider: 'openai', model: 'gpt-4o-mini', weight: 2, credential_id: acme.credentials.second },
    { provider: 'openai', model: 'gpt-4o' },
  ],
  fallbacks: ['gpt-4.1-mini'],
  retries: { retries: 1 },
});

describe('CRUD', () => {
  test('PUT creates (201) and replaces (200); GET reads one and lists; DELETE removes', async () => {
    const created = await call(acme.key, 'PUT', '/api/routing/groups/team-fast', fast());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.success, true);
    assert.equal(created.body.created, true);
    const group = created.body.group;
    assert.equal(group.name, 'team-fast');
    assert.equal(group.strategy, 'cost-first');
    assert.deepEqual(group.deployments, [
      { id: `org:${acme.id}/team-fast/0`, provider: 'openai', model: 'gpt-4o-mini', weight: 2, credential_id: acme.credentials.second },
      { id: `org:${acme.id}/team-fast/1`, provider: 'openai', model: 'gpt-4o', weight: 1, credential_id: null },
    ]);
    assert.deepEqual(group.fallbacks, ['gpt-4.1-mini']);
    assert.deepEqual(group.retries, { retries: 1 });

    const read = await call(acme.key, 'GET', '/api/routing/groups/team-fast');
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.group, group);

    const replaced = await call(acme.key, 'PUT', '/api/routing/groups/team-fast', { ...fast(), strategy: 'weighted' });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.created, false);
    assert.equal(replaced.body.group.strategy, 'weighted');
    assert.equal(replaced.body.group.created_at, group.created_at);

    await call(acme.key, 'PUT', '/api/routing/groups/another', { deployments: [{ provider: 'groq', model: 'llama-3.1-8b-instant' }] });
    const listed = await call(acme.key, 'GET', '/api/routing/groups');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.groups.map((item: { name: string }) => item.name), ['another', 'team-fast']);

    const deleted = await call(acme.key, 'DELETE', '/api/routing/groups/another');
    assert.deepEqual([deleted.status, deleted.body.deleted, deleted.body.name], [200, true, 'another']);
    const gone = await call(acme.key, 'GET', '/api/routing/groups/another');
    assert.deepEqual([gone.status, gone.body.code], [404, 'ROUTING_GROUP_NOT_FOUND']);
    assert.equal((await call(acme.key, 'DELETE', '/api/routing/groups/another')).status, 404);

    const audit = await call(acme.key, 'GET', '/api/audit-log?action=routing_group.created');
    assert.deepEqual(audit.body.entries.map((entry: { target: { id: string } }) => entry.target.id).sort(), ['another', 'team-fast']);
  });
});

describe('bad input', () => {
  const cases: Array<{ name: string; path?: string; body?: unknown; raw?: string; status?: number; field?: string; code?: string }> = [
    { name: 'malformed JSON', raw: '{"deployments": [', field: undefined },
    { name: 'missing deployments', body: { strategy: 'weighted' }, field: 'deployments' },
    { name: 'no deployments', body: { deployments: [] }, field: 'deployments' },
    { name: 'wrong type of weight', body: { deployments: [{ provider: 'openai', model: 'gpt-4o', weight: 'heavy' }] }, field: 'deployments[0].weight' },
    { name: 'missing model', body: { deployments: [{ provider: 'openai' }] }, field: 'deployments[0].model' },
    { name: 'an unknown strategy', body: { strategy: 'fastest', deployments: [{ provider: 'openai', model: 'gpt-4o' }] }, field: 'strategy' },
    { name: 'a key in a deployment', body: { deployments: [{ provider: 'openai', model: 'gpt-4o', apiKey: 'sk-secret-123456' }] }, field: 'deployments[0]' },
    { name: 'a base URL in a deployment', body: { deployments: [{ provider: 'openai', model: 'gpt-4o', baseURL: 'http://evil.test' }] }, field: 'deployments[0]' },
    { name: 'an unknown model', body: { deployments: [{ provider: 'openai', model: 'gpt-4o' }, { provider: 'openai', model: 'gpt-9-ultra' }] }, field: 'deployments[1].model', code: 'MODEL_NOT_FOUND' },
    { name: 'an unknown provider', body: { deployments: [{ provider: 'acme-ai', model: 'gpt-4o' }] }, field: 'deployments[0].provider' },
    { name: 'an unknown credential', body: { deployments: [{ provider: 'openai', model: 'gpt-4o', credential_id: 'cred_nope' }] }, field: 'deployments[0].credential_id' },
    { name: 'too many deployments', body: { deployments: Array.from({ length: 21 }, () => ({ provider: 'openai', model: 'gpt-4o' })) }, field: 'deployments' },
    { name: "a '/' in the name", path: '/api/routing/groups/team%2Ffast', body: { deployments: [{ provider: 'openai', model: 'gpt-4o' }] }, field: 'name' },
  ];
  for (const item of cases) {
    test(`${item.name}: 400 naming the field, nothing written`, async () => {
      const path = item.path ?? '/api/routing/groups/broken';
      const reply = await call(acme.key, 'PUT', path, item.body, item.raw);
      assert.equal(reply.status, item.status ?? 400, JSON.stringify(reply.body));
      assert.equal(reply.body.success, false);
      if (item.field !== undefined) assert.equal(reply.body.details?.field, item.field, JSON.stringify(reply.body));
      if (item.code !== undefined) assert.equal(reply.body.code, item.code);
      assert.equal((await call(acme.key, 'GET', '/api/routing/groups/broken')).status, 404);
    });
  }

  test("a credential of another provider, or of another organization, is refused", async () => {
    const wrongProvider = await call(acme.key, 'PUT', '/api/routing/groups/broken', {
      deployments: [{ provider: 'openai', model: 'gpt-4o', credential_id: acme.credentials.anthropic }],
    });
    assert.equal(wrongProvider.status, 400);
    assert.match(wrongProvider.body.error, /credential for anthropic, not openai/);
    const foreign = await call(globex.key, 'PUT', '/api/routing/groups/broken', {
      deployments: [{ provider: 'openai', model: 'gpt-4o', credential_id: acme.credentials.first }],
    });
    assert.deepEqual([foreign.status, foreign.body.details?.field], [400, 'deployments[0].credential_id']);
  });

  test('at most 50 groups per organization: the 51st is refused, replacing one is not', async () => {
    const initech = await organization('Initech');
    const body = { deployments: [{ provider: 'openai', model: 'gpt-4o' }] };
    for (let index = 0; index < 50; index++) assert.equal((await call(initech.key, 'PUT', `/api/routing/groups/g${index}`, body)).status, 201);
    const refused = await call(initech.key, 'PUT', '/api/routing/groups/g50', body);
    assert.deepEqual([refused.status, refused.body.code], [409, 'ROUTING_GROUP_LIMIT_REACHED']);
    assert.equal((await call(initech.key, 'PUT', '/api/routing/groups/g49', body)).status, 200);
    assert.equal((await call(initech.key, 'GET', '/api/routing/groups')).body.groups.length, 50);
  });

  test('a generator key cannot manage groups', async () => {
    const created = await call(acme.key, 'POST', '/api/keys', { name: 'app', scope: 'generator' });
    const reply = await call(created.body.secret, 'GET', '/api/routing/groups');
    assert.equal(reply.status, 403);
  });
});

describe('isolation and calls', () => {
  before(async () => {
    const reply = await call(acme.key, 'PUT', '/api/routing/groups/team-fast', fast());
    assert.ok(reply.status === 200 || reply.status === 201, JSON.stringify(reply.body));
  });

  test('another organization cannot see, change or delete the group', async () => {
    assert.deepEqual((await call(globex.key, 'GET', '/api/routing/groups')).body.groups, []);
    assert.equal((await call(globex.key, 'GET', '/api/routing/groups/team-fast')).status, 404);
    assert.equal((await call(globex.key, 'DELETE', '/api/routing/groups/team-fast')).status, 404);
    assert.equal((await call(acme.key, 'GET', '/api/routing/groups/team-fast')).status, 200, 'still there');
  });

  test('another organization cannot call the group: no such model for it', async () => {
    const client = new OpenAI({ apiKey: globex.key, baseURL: gateway.v1, maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'team-fast', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 404,
    );
  });

  test("a call through the group uses its deployment and the stored credential it names", async () => {
    const client = new OpenAI({ apiKey: acme.key, baseURL: gateway.v1, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'team-fast', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.ok(data.choices[0]?.message.content);
    // cost-first: gpt-4o-mini is the cheaper deployment, so it comes first.
    assert.equal(response.headers.get('x-switchyard-deployment'), `org:${acme.id}/team-fast/0`);
    assert.equal(gateway.simulator.lastRequest()?.headers.authorization, 'Bearer sk-acme-second-0002', 'the named credential, not round-robin');
    await gateway.store.requestLog.flush();
    const [entry] = (await gateway.store.usage.history({ organizationId: acme.id, limit: 1 })).entries;
    assert.equal(entry?.credential, acme.credentials.second);
    assert.equal(entry?.deployment, `org:${acme.id}/team-fast/0`);
  });

  test('after DELETE the group is gone for calls at once', async () => {
    await call(acme.key, 'PUT', '/api/routing/groups/short-lived', { deployments: [{ provider: 'openai', model: 'gpt-4o' }] });
    const client = new OpenAI({ apiKey: acme.key, baseURL: gateway.v1, maxRetries: 0 });
    await client.chat.completions.create({ model: 'short-lived', messages: [{ role: 'user', content: 'hi' }] });
    await call(acme.key, 'DELETE', '/api/routing/groups/short-lived');
    await assert.rejects(
      client.chat.completions.create({ model: 'short-lived', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 404,
    );
  });
});
