// Bad input on every platform endpoint that takes a body: a 400/413/415 in the platform envelope naming
// what is wrong, never a 500, and nothing written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
const ids: Record<string, string> = {};

before(async () => {
  gateway = await startTestGateway();
  const post = (path: string, body: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.json() as Promise<Record<string, any>>);
  ids.key = (await post('/api/keys', { name: 'target' })).key.id;
  ids.user = (await post('/api/users', { email: 'target@switchyard.test', password: 'target password 1234' })).user.id;
  ids.credential = (await post('/api/provider-credentials', { provider: 'openai', api_key: 'sk-target-0123456789' })).credential.id;
  ids.org = gateway.operatorOrganizationId;
});
after(async () => {
  await gateway.close();
});

type Case = { method: string; path: () => string; wrongType: Record<string, unknown>; field: string; missing?: { body: Record<string, unknown>; field: string } };

const cases: Case[] = [
  { method: 'POST', path: () => '/api/token', wrongType: { email: 42, password: 'x' }, field: 'email', missing: { body: { email: 'a@b.test' }, field: 'password' } },
  { method: 'POST', path: () => '/api/keys', wrongType: { name: ['x'] }, field: 'name', missing: { body: { scope: 'generator' }, field: 'name' } },
  { method: 'POST', path: () => `/v2/organizations/${ids.org}/api-keys`, wrongType: { name: 'x', domains: 'models' }, field: 'domains', missing: { body: {}, field: 'name' } },
  { method: 'POST', path: () => `/api/keys/${ids.key}/rotate`, wrongType: { grace_seconds: 'soon' }, field: 'grace_seconds' },
  { method: 'POST', path: () => `/v2/organizations/${ids.org}/api-keys/${ids.key}/rotate`, wrongType: { grace_seconds: -1 }, field: 'grace_seconds' },
  { method: 'POST', path: () => '/api/users', wrongType: { email: 'x@y.test', password: 'long enough password', role: 'owner' }, field: 'role', missing: { body: { password: 'long enough password' }, field: 'email' } },
  { method: 'PATCH', path: () => `/api/users/${ids.user}`, wrongType: { disabled: 'yes' }, field: 'disabled' },
  { method: 'POST', path: () => '/api/organizations', wrongType: { name: 7 }, field: 'name', missing: { body: { admin_email: 'x@y.test' }, field: 'name' } },
  { method: 'POST', path: () => '/api/provider-credentials', wrongType: { provider: 'openai', api_key: 12 }, field: 'api_key', missing: { body: { provider: 'openai' }, field: 'api_key' } },
  { method: 'POST', path: () => `/api/provider-credentials/${ids.credential}/rotate`, wrongType: { api_key: false }, field: 'api_key', missing: { body: {}, field: 'api_key' } },
  { method: 'PUT', path: () => '/api/routing/groups/pool', wrongType: { deployments: 'openai/gpt-4o' }, field: 'deployments', missing: { body: { strategy: 'weighted' }, field: 'deployments' } },
];

async function send(method: string, path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

function assertEnvelope(body: Record<string, any>) {
  assert.equal(body.success, false);
  assert.equal(typeof body.error, 'string');
  assert.match(body.code, /^[A-Z_]+$/);
  assert.equal(typeof body.request_id, 'string');
}

for (const endpoint of cases) {
  describe(`${endpoint.method} ${endpoint.path().replace(/(key|usr|cred|org)_\w+/g, ':id')}`, () => {
    test('malformed JSON is a 400 INVALID_JSON', async () => {
      const result = await send(endpoint.method, endpoint.path(), '{"name": ');
      assert.equal(result.status, 400);
      assertEnvelope(result.body);
      assert.equal(result.body.code, 'INVALID_JSON');
    });
    test('a body that is not an object is a 400', async () => {
      const result = await send(endpoint.method, endpoint.path(), '[1, 2]');
      assert.equal(result.status, 400);
      assertEnvelope(result.body);
    });
    test('a wrong type is a 400 naming the field', async () => {
      const result = await send(endpoint.method, endpoint.path(), JSON.stringify(endpoint.wrongType));
      assert.equal(result.status, 400, JSON.stringify(result.body));
      assertEnvelope(result.body);
      assert.equal(result.body.details?.field, endpoint.field);
      assert.match(result.body.error, new RegExp(endpoint.field));
    });
    if (endpoint.missing) {
      const missing = endpoint.missing;
      test('a missing field is a 400 naming it', async () => {
        const result = await send(endpoint.method, endpoint.path(), JSON.stringify(missing.body));
        assert.equal(result.status, 400, JSON.stringify(result.body));
        assert.equal(result.body.details?.field, missing.field);
      });
    }
    test('an unknown field is a 400', async () => {
      const result = await send(endpoint.method, endpoint.path(), JSON.stringify({ ...endpoint.wrongType, surprise: true }));
      assert.equal(result.status, 400);
      assertEnvelope(result.body);
    });
    test('an oversized body is a 413', async () => {
      const result = await send(endpoint.method, endpoint.path(), JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
      assert.equal(result.status, 413);
      assertEnvelope(result.body);
    });
    test('a body that is not JSON is a 415', async () => {
      const result = await send(endpoint.method, endpoint.path(), 'name=x', 'application/x-www-form-urlencoded');
      assert.equal(result.status, 415);
      assertEnvelope(result.body);
    });
  });
}

test('nothing was written by the bad requests', async () => {
  const keys = await gateway.store.access.listApiKeys(gateway.operatorOrganizationId, { includeRevoked: true });
  assert.deepEqual(keys.map((key) => key.name).sort(), ['bootstrap admin', 'target']);
  const users = await gateway.store.access.listUsers(gateway.operatorOrganizationId);
  assert.equal(users.length, 2);
  assert.equal(users.find((user) => user.id === ids.user)?.disabledAt, null);
  const credentials = await gateway.store.access.listProviderCredentials(gateway.operatorOrganizationId);
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0]!.rotatedAt, null);
  assert.equal((await gateway.store.access.listOrganizations()).length, 1);
});

test('list query parameters are checked', async () => {
  for (const path of ['/api/keys', '/api/prompts/history']) {
    for (const query of ['limit=-1', 'limit=abc', 'limit=5000', 'offset=1.5']) {
      const response = await fetch(`${gateway.url}${path}?${query}`, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
      assert.equal(response.status, 400, `${path}?${query}`);
      const body = (await response.json()) as Record<string, any>;
      assert.match(body.details.field, /limit|offset/);
    }
  }
  for (const query of ['period=week', 'from=soon', 'to=2025-02-30', 'scope=team']) {
    const response = await fetch(`${gateway.url}/api/usage-stats?${query}`, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    assert.equal(response.status, 400, query);
    const body = (await response.json()) as Record<string, any>;
    assert.equal(body.details.field, query.split('=')[0]);
  }
});
