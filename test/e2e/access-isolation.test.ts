// Two organizations side by side: with A's admin key or A's admin token, every route that takes an id or an
// organization refuses B's (404 for B's ids, 403 for B's organization), every listing shows A alone, every
// model call on every surface goes out with A's own provider key (or the server's), never B's, and is metered
// to A; B is untouched afterwards. Then no secret created here is in the logs, in a response, in a request
// sent upstream, or in the database file. The routes come from the app's own route table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hashApiKeySecret, randomBase62 } from '../../src/access/api-key-secret.js';
import { startTestGateway, testKeys, type TestGateway } from '../helpers/gateway.js';
import {
  frontDoorCalls,
  isModelSurface,
  isOwnProvider,
  listEndpoints,
  modelCallFor,
  nativePrefixOf,
  ownProviders,
  placements,
  sampledPrefixes,
  send as sendRequest,
  upstreamKeyHeader,
  type Endpoint,
  type Json,
  type OwnProvider,
  type Placement,
  type Reply,
} from './access-surfaces.js';

type Org = {
  id: string;
  email: string;
  password: string;
  adminKey: string;
  adminKeyId: string;
  adminUserId: string;
  keySecret: string;
  keyId: string;
  userEmail: string;
  userId: string;
  /** The id of the OpenAI credential, the first of `credentialIds` (one per provider in ownProviders). */
  credentialId: string;
  credentialIds: string[];
  providerKeys: Record<OwnProvider, string>;
  token: string;
  /** The organization's own model group (routing groups API): listed in its /v1/models only. */
  groupName: string;
  /** A fan-out run of the organization (POST /api/prompt/execute). */
  promptId: string;
  /** A webhook of the organization and one delivery of it (a test ping). */
  webhookId: string;
  deliveryId: string;
};

const directory = mkdtempSync(join(tmpdir(), 'switchyard-isolation-'));
const databaseFile = join(directory, 'access.db');
let gateway: TestGateway;
let closed = false;
let endpoints: Endpoint[];
let a: Org;
let b: Org;
const apiSecrets: string[] = [];
const otherSecrets: string[] = [];
const replies: Array<{ method: string; path: string; status: number; text: string }> = [];
/** The request ids of the metered model calls, to find them in the logs. */
const modelCallIds: string[] = [];
const attackerPassword = `attacker-${randomBase62(16)}`;
const attackerProviderKey = `sk-attacker-${randomBase62(32)}`;
/** The server's own provider keys (the simulator behind every provider accepts them). */
const serverProviderKeys = [testKeys.openai, testKeys.anthropic, testKeys.gemini, 'test-groq-key'];

before(async () => {
  gateway = await startTestGateway({ databaseUrl: `sqlite:${databaseFile}` });
  apiSecrets.push(gateway.adminKey);
  otherSecrets.push(gateway.admin.password, attackerPassword, attackerProviderKey);
  endpoints = listEndpoints(gateway.app.routes);
  a = await createOrganization('alpha');
  b = await createOrganization('beta');
});
after(async () => {
  if (!closed) await gateway.close();
  rmSync(directory, { recursive: true, force: true });
});

async function send(
  method: string,
  path: string,
  credential: string | undefined,
  body?: unknown,
  options: { placement?: Placement; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const reply = await sendRequest(gateway.url, method, path, { credential, body, ...options });
  replies.push({ method, path, status: reply.status, text: reply.text });
  return reply;
}

async function expectStatus(status: number, method: string, path: string, credential: string | undefined, body?: unknown) {
  const reply = await send(method, path, credential, body);
  assert.equal(reply.status, status, `${method} ${path}: ${reply.text}`);
  return reply.json;
}

/** An organization with its admin (user and key), a generator key, a manager, a provider credential, a token. */
async function createOrganization(name: string): Promise<Org> {
  const email = `${name}-admin@example.test`;
  const password = `pw-${randomBase62(24)}`;
  const created = await expectStatus(201, 'POST', '/api/organizations', gateway.adminKey, { name, admin_email: email, admin_password: password });
  const id: string = created.organization.id;
  const adminKey: string = created.secret;
  const key = await expectStatus(201, 'POST', '/api/keys', adminKey, { name: 'ci', scope: 'generator', domains: ['models'] });
  assert.equal(key.key.organization_id, id);
  const userEmail = `${name}-user@example.test`;
  const userPassword = `pw-${randomBase62(24)}`;
  const user = await expectStatus(201, 'POST', '/api/users', adminKey, { email: userEmail, password: userPassword, role: 'manager' });
  assert.equal(user.user.organization_id, id);
  const providerKeys = {} as Record<OwnProvider, string>;
  const credentialIds: string[] = [];
  for (const provider of ownProviders) {
    providerKeys[provider] = `sk-${name}-${provider}-${randomBase62(32)}`;
    const body = { provider, name: 'main', api_key: providerKeys[provider] };
    const credential = await expectStatus(201, 'POST', '/api/provider-credentials', adminKey, body);
    assert.equal(credential.credential.organization_id, id);
    credentialIds.push(credential.credential.id);
  }
  const groupName = `${name}-pool`;
  await expectStatus(201, 'PUT', `/api/routing/groups/${groupName}`, adminKey, { deployments: [{ provider: 'openai', model: 'gpt-4o-mini' }] });
  const run = await expectStatus(200, 'POST', '/api/prompt/execute', adminKey, { prompt: 'hello', models: ['gpt-4o-mini'] });
  const webhook = await expectStatus(201, 'POST', '/api/v1/webhooks', adminKey, { url: `https://hooks.${name}.example.test/in`, events: ['api_key.created'] });
  const ping = await expectStatus(200, 'POST', `/api/v1/webhooks/${webhook.webhook.id}/test`, adminKey);
  const { token } = await expectStatus(200, 'POST', '/api/token', undefined, { email, password });
  apiSecrets.push(adminKey, key.secret);
  otherSecrets.push(password, userPassword, ...Object.values(providerKeys), token);
  return {
    id,
    email,
    password,
    adminKey,
    adminKeyId: created.key.id,
    adminUserId: created.admin_user.id,
    keySecret: key.secret,
    keyId: key.key.id,
    userEmail,
    userId: user.user.id,
    credentialId: credentialIds[0]!,
    credentialIds,
    providerKeys,
    token,
    groupName,
    promptId: run.id,
    webhookId: webhook.webhook.id,
    deliveryId: ping.delivery.id,
  };
}

const idsOf = (org: Org) => [org.id, org.adminKeyId, org.keyId, org.adminUserId, org.userId, ...org.credentialIds];
const namesOf = (org: Org) => [...idsOf(org), org.email, org.userEmail, org.groupName, org.promptId, org.webhookId, org.deliveryId];

/** The ids of `owner` a path parameter may take. */
function candidates(name: string, owner: Org): string[] {
  const byName: Record<string, string[]> = {
    keyId: [owner.adminKeyId, owner.keyId],
    userId: [owner.adminUserId, owner.userId],
    credentialId: owner.credentialIds,
    name: [owner.groupName],
    promptId: [owner.promptId],
    webhookId: [owner.webhookId],
    deliveryId: [owner.deliveryId],
  };
  const ids = byName[name];
  if (ids === undefined) throw new Error(`No ids for the path parameter '${name}'.`);
  return ids;
}

/** Bodies valid enough to reach the ownership check; each would harm B if it got through. */
const validBodies: Record<string, () => unknown> = {
  'POST /api/keys/:keyId/rotate': () => ({}),
  'POST /v2/organizations/:orgId/api-keys': () => ({ name: 'intruder', scope: 'admin', domains: '*' }),
  'POST /v2/organizations/:orgId/api-keys/:keyId/rotate': () => ({}),
  'PATCH /api/users/:userId': () => ({ role: 'generator', password: attackerPassword }),
  'POST /api/provider-credentials/:credentialId/rotate': () => ({ api_key: attackerProviderKey }),
  'PATCH /api/organizations/:orgId': () => ({ plan: 'free', limits: { requests_per_minute: 0 } }),
  'POST /api/organizations/:orgId/balance/credits': () => ({ amount_usd: 1000 }),
  'PUT /api/routing/groups/:name': () => ({ deployments: [{ provider: 'openai', model: 'gpt-4o' }] }),
  'PATCH /api/v1/webhooks/:webhookId': () => ({ url: 'https://attacker.example.test/steal' }),
  'POST /api/v1/webhooks/:webhookId/test': () => ({}),
  'POST /api/v1/webhooks/:webhookId/deliveries/:deliveryId/redeliver': () => ({}),
  'POST /v2/organizations/:orgId/webhook-secret': () => ({ grace_seconds: 0 }),
  'POST /api/prompts/:promptId/cancel': () => ({}),
};

/**
 * Keyed by a name the caller chooses within its own organization: A's PUT of B's name creates A's own group
 * and leaves B's alone (checked below), where an id route would answer 404.
 */
const ownNameRoutes = new Set(['PUT /api/routing/groups/:name']);

/** Listings, and the ids of the caller's own that each must show. */
const listings: Record<string, (org: Org) => string[]> = {
  'GET /api/keys': (org) => [org.adminKeyId, org.keyId],
  'GET /v2/organizations/:orgId/api-keys': (org) => [org.adminKeyId, org.keyId],
  'GET /api/users': (org) => [org.adminUserId, org.userId],
  'GET /api/organizations': (org) => [org.id],
  'GET /api/provider-credentials': (org) => org.credentialIds,
  'GET /api/audit-log': (org) => [org.keyId, org.userId, org.credentialId],
  // Figures and calls, not ids of records: what each must hold is checked in usage-stats.test.ts.
  'GET /api/usage-stats': () => [],
  'GET /api/prompts/history': () => [],
  // A's own balance only (null until it is credited): the ids checked are B's names, absent.
  'GET /api/balance': () => [],
  'GET /api/balance/transactions': () => [],
  'GET /api/routing/groups': (org) => [org.groupName],
  'GET /api/v1/webhooks': (org) => [org.webhookId],
};

/** Not owned by any organization: the model catalogue and the gateway's deployments are the same for everyone. */
const sharedRoutes = new Set(['GET /v1/models', 'GET /v1/models/*', 'GET /ai/models', 'GET /v1beta/models', 'GET /v1beta/models/*', 'GET /health/deployments']);
/** Gateway-wide figures of every organization: the operator's admins only (checked below). */
const operatorRoutes = new Set(['GET /metrics']);

const paramsOf = (path: string) => path.split('/').filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
const hasParameter = (endpoint: Endpoint) => endpoint.path.includes('/:') || endpoint.path.includes('*');
const protectedEndpoints = () => endpoints.filter((endpoint) => endpoint.access !== 'public');
const isModelCall = (endpoint: Endpoint) => isModelSurface(endpoint.path) && !sharedRoutes.has(endpoint.name);
const ownedParamEndpoints = () =>
  protectedEndpoints().filter((endpoint) => hasParameter(endpoint) && !sharedRoutes.has(endpoint.name) && !isModelCall(endpoint) && !ownNameRoutes.has(endpoint.name));
/** Every model call, the pass-through on the sampled prefixes only (the classification sees them all). */
const modelCallEndpoints = () =>
  protectedEndpoints().filter((endpoint) => {
    const prefix = nativePrefixOf(endpoint.path);
    return isModelCall(endpoint) && (prefix === undefined || sampledPrefixes.includes(prefix));
  });

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => values[name] ?? assert.fail(`no value for :${name} in ${path}`));
}

/** Every `organization_id` anywhere in the body is `organizationId`. */
function assertOnlyOrganization(value: unknown, organizationId: string): void {
  if (Array.isArray(value)) value.forEach((item) => assertOnlyOrganization(item, organizationId));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'organization_id') assert.equal(inner, organizationId);
      else assertOnlyOrganization(inner, organizationId);
    }
  }
}

test('every route with a path parameter, every listing and every model call has its isolation rule here', () => {
  const unclassified: string[] = [];
  for (const endpoint of protectedEndpoints()) {
    if (sharedRoutes.has(endpoint.name) || operatorRoutes.has(endpoint.name) || endpoint.name === 'GET /api/me') continue;
    if (isModelCall(endpoint)) {
      if (modelCallFor(endpoint) === undefined) unclassified.push(`${endpoint.name} (model call)`);
    } else if (hasParameter(endpoint)) {
      for (const name of paramsOf(endpoint.path)) if (name !== 'orgId') candidates(name, a);
      if (endpoint.path.includes('*')) unclassified.push(`${endpoint.name} (wildcard)`);
      if (endpoint.method !== 'GET' && endpoint.method !== 'DELETE' && validBodies[endpoint.name] === undefined) {
        unclassified.push(`${endpoint.name} (no body)`);
      }
    } else if (endpoint.method === 'GET' && listings[endpoint.name] === undefined) {
      unclassified.push(`${endpoint.name} (listing)`);
    }
  }
  assert.deepEqual(unclassified, []);
  for (const name of [...Object.keys(validBodies), ...Object.keys(listings), ...sharedRoutes, ...Object.keys(frontDoorCalls)]) {
    assert.ok(endpoints.some((endpoint) => endpoint.name === name), `${name} is no longer a route`);
  }
});

const actors: Array<[string, (org: Org) => string]> = [
  ['admin key', (org) => org.adminKey],
  ['admin token', (org) => org.token],
];

for (const [actor, credentialOf] of actors) {
  test(`A's ${actor}: B's ids answer 404 and B's organization 403 on every route that takes them`, async (t) => {
    for (const endpoint of ownedParamEndpoints()) {
      await t.test(endpoint.name, async () => {
        const body = validBodies[endpoint.name]?.();
        const others = paramsOf(endpoint.path).filter((name) => name !== 'orgId');
        // Every id of B the first parameter may take; further parameters (a delivery of a webhook) take B's first.
        const rest = Object.fromEntries(others.slice(1).map((name) => [name, candidates(name, b)[0]!]));
        const combinations = others.length === 0 ? [{}] : candidates(others[0]!, b).map((id) => ({ [others[0]!]: id, ...rest }));
        for (const ids of combinations) {
          if (endpoint.path.includes(':orgId')) {
            const refused = await expectStatus(403, endpoint.method, fill(endpoint.path, { ...ids, orgId: b.id }), credentialOf(a), body);
            assert.equal(refused.code, 'WRONG_ORGANIZATION');
            assert.equal(refused.type, 'permission_error');
            if (others.length === 0) continue;
          }
          const missing = await expectStatus(404, endpoint.method, fill(endpoint.path, { ...ids, orgId: a.id }), credentialOf(a), body);
          assert.equal(missing.success, false);
          assert.equal(missing.type, 'not_found_error');
        }
      });
    }
  });

  test(`A's ${actor}: every listing holds A's own ids and none of B's`, async (t) => {
    for (const [name, ownIds] of Object.entries(listings)) {
      await t.test(name, async () => {
        const [method, path] = name.split(' ') as [string, string];
        const reply = await send(method, fill(path, { orgId: a.id }), credentialOf(a));
        assert.equal(reply.status, 200, reply.text);
        for (const id of ownIds(a)) assert.ok(reply.text.includes(id), `${name} lists ${id}`);
        for (const other of namesOf(b)) assert.ok(!reply.text.includes(other), `${name} shows ${other} of B`);
        assertOnlyOrganization(reply.json, a.id);
      });
    }
  });

  test(`A's ${actor}: itself, its own organization only, no new organizations, the shared catalogue`, async () => {
    const me = await expectStatus(200, 'GET', '/api/me', credentialOf(a));
    assert.equal(me.organization.id, a.id);
    const list = await expectStatus(200, 'GET', '/api/organizations', credentialOf(a));
    assert.deepEqual(
      list.organizations.map((organization: Json) => organization.id),
      [a.id],
    );
    const foreign = await expectStatus(403, 'GET', `/api/organizations/${b.id}`, credentialOf(a));
    assert.equal(foreign.code, 'WRONG_ORGANIZATION');
    const email = `gamma-${randomBase62(8).toLowerCase()}@example.test`;
    const create = await expectStatus(403, 'POST', '/api/organizations', credentialOf(a), { name: 'gamma', admin_email: email, admin_password: attackerPassword });
    assert.equal(create.code, 'OPERATOR_ONLY');
    // The same for both, but for each organization's own groups in /v1/models, which the other does not see.
    const withoutOwn = (seen: Json, org: Org) => {
      if (!Array.isArray(seen.data)) return seen;
      const own = seen.data.filter((model: Json) => model.owned_by === 'organization');
      assert.deepEqual(own.map((model: Json) => model.id), [org.groupName]);
      return { ...seen, data: seen.data.filter((model: Json) => model.owned_by !== 'organization') };
    };
    for (const name of sharedRoutes) {
      const path = name.split(' ')[1]!.replace('*', 'gpt-4o-mini');
      const seenByA = await expectStatus(200, 'GET', path, credentialOf(a));
      const seenByB = await expectStatus(200, 'GET', path, credentialOf(b));
      if (path === '/v1/models') assert.deepEqual(withoutOwn(seenByA, a), withoutOwn(seenByB, b));
      else assert.deepEqual(seenByA, seenByB);
    }
    await expectStatus(404, 'GET', `/v1/models/${b.groupName}`, credentialOf(a));
    for (const name of operatorRoutes) {
      const refused = await expectStatus(403, 'GET', name.split(' ')[1]!, credentialOf(a));
      assert.equal(refused.error.code, 'operator_only');
    }
  });

  test(`A's ${actor}, from every credential place: model calls go out with A's key or the server's, never B's; metered to A`, async (t) => {
    for (const endpoint of modelCallEndpoints()) {
      const call = modelCallFor(endpoint)!;
      await t.test(endpoint.name, async () => {
        for (const placement of placements) {
          const label = `${endpoint.name} (${placement})`;
          gateway.simulator.reset();
          const reply = await send(endpoint.method, call.path, credentialOf(a), call.body, { placement, headers: call.headers });
          if (call.metered) assert.equal(reply.status, 200, `${label}: ${reply.text}`);
          else assert.ok(![401, 403].includes(reply.status) && reply.status < 500, `${label}: ${reply.status} ${reply.text}`);
          assertUpstream(label, call.provider, a);
          const by = actor === 'admin key' ? { apiKeyId: a.adminKeyId, userId: null } : { apiKeyId: null, userId: a.adminUserId };
          if (call.metered) await assertMeteredTo(label, reply, a, by);
        }
      });
    }
  });
}

/**
 * What the calls since the last reset sent upstream: `owner`'s own key where it keeps one for the provider, and
 * no other secret of this file (no Switchyard key or token however the client sent it, no other provider key).
 */
function assertUpstream(label: string, provider: string, owner: Org): void {
  const upstream = gateway.simulator.requests();
  assert.ok(upstream.length > 0, `${label} reached the provider`);
  const expected = isOwnProvider(provider) ? owner.providerKeys[provider] : undefined;
  for (const request of upstream) {
    if (expected !== undefined) {
      const [header, value] = upstreamKeyHeader[provider as OwnProvider](expected);
      assert.equal(request.headers[header], value, `${label}: ${request.method} ${request.path} carries the organization's own key`);
    }
    const sent = JSON.stringify(request);
    for (const secret of [...apiSecrets, ...otherSecrets]) {
      if (secret !== expected) assert.ok(!sent.includes(secret), `${label}: ${request.method} ${request.path} sent ${secret.slice(0, 10)}… upstream`);
    }
  }
}

async function assertMeteredTo(label: string, reply: Reply, owner: Org, by: { apiKeyId: string | null; userId: string | null }) {
  const requestId = reply.headers.get('x-request-id');
  assert.ok(requestId, label);
  modelCallIds.push(requestId);
  let row;
  for (let attempt = 0; attempt < 100 && row === undefined; attempt++) {
    await gateway.store.requestLog.flush();
    row = await gateway.store.requestLog.get(requestId);
    if (row === undefined) await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(row, `${label}: a request-log row`);
  assert.deepEqual({ organizationId: row.organizationId, apiKeyId: row.apiKeyId, userId: row.userId }, { organizationId: owner.id, ...by }, label);
}

test("B is untouched: keys, users, password, credentials (still the ones B's calls use) and audit log as before A's attempts", async () => {
  const me = await expectStatus(200, 'GET', '/api/me', b.adminKey);
  assert.equal(me.organization.id, b.id);
  await expectStatus(200, 'GET', '/v1/models', b.keySecret);
  await expectStatus(200, 'POST', '/api/token', undefined, { email: b.email, password: b.password });

  const keys = await expectStatus(200, 'GET', '/api/keys?include_revoked=true', b.adminKey);
  assert.deepEqual(keys.keys.map((key: Json) => key.id).sort(), [b.adminKeyId, b.keyId].sort());
  assert.deepEqual(keys.keys.map((key: Json) => key.status), ['active', 'active']);

  const users = await expectStatus(200, 'GET', '/api/users', b.adminKey);
  const roles = Object.fromEntries(users.users.map((user: Json) => [user.id, `${user.role} ${user.status}`]));
  assert.deepEqual(roles, { [b.adminUserId]: 'admin active', [b.userId]: 'manager active' });

  for (const id of b.credentialIds) {
    const credential = await expectStatus(200, 'GET', `/api/provider-credentials/${id}`, b.adminKey);
    assert.equal(credential.credential.rotated_at, null);
  }
  const credentials = await expectStatus(200, 'GET', '/api/provider-credentials', b.adminKey);
  assert.deepEqual(credentials.credentials.map((item: Json) => item.id).sort(), [...b.credentialIds].sort());
  // B's own keys still go out for B's calls, on a front door and through the pass-through.
  for (const name of ['POST /v1/messages', 'POST /google/*']) {
    const endpoint = endpoints.find((candidate) => candidate.name === name)!;
    const call = modelCallFor(endpoint)!;
    gateway.simulator.reset();
    const reply = await send(endpoint.method, call.path, b.keySecret, call.body, { headers: call.headers });
    assert.equal(reply.status, 200, reply.text);
    assertUpstream(`B: ${name}`, call.provider, b);
    await assertMeteredTo(`B: ${name}`, reply, b, { apiKeyId: b.keyId, userId: null });
  }

  const audit = await send('GET', '/api/audit-log?limit=1000', b.adminKey);
  assert.equal(audit.status, 200);
  assert.ok(audit.text.includes(b.credentialId), "B's log holds B's own entries");
  for (const id of idsOf(a)) assert.ok(!audit.text.includes(id), `B's audit log names ${id} of A`);
});

// After the listings: A's own audit log then names B's group name, which they would take for B's.
test("A's PUT of B's group name makes A a group of its own and leaves B's as it was", async () => {
  await expectStatus(201, 'PUT', `/api/routing/groups/${b.groupName}`, a.adminKey, validBodies['PUT /api/routing/groups/:name']!());
  const bGroup = await expectStatus(200, 'GET', `/api/routing/groups/${b.groupName}`, b.adminKey);
  assert.equal(JSON.stringify(bGroup).includes('gpt-4o-mini'), true);
  assert.equal(JSON.stringify(bGroup).includes('"gpt-4o"'), false);
  await expectStatus(200, 'DELETE', `/api/routing/groups/${b.groupName}`, a.adminKey);
  await expectStatus(200, 'GET', `/api/routing/groups/${b.groupName}`, b.adminKey);
});

test('no secret is in the logs or in any response, plain or hashed', () => {
  const secrets = [...apiSecrets, ...otherSecrets];
  const hashes = secrets.map(hashApiKeySecret);
  const logs = gateway.logs.join('');
  assert.ok(logs.includes(b.credentialId), 'the refusals were logged');
  assert.ok(modelCallIds.length > 0 && modelCallIds.every((id) => logs.includes(id)), 'the model calls were logged');
  for (const secret of [...secrets, ...hashes, ...serverProviderKeys]) assert.ok(!logs.includes(secret), `${secret.slice(0, 8)}… is in the logs`);

  // Creating a key or an organization, rotating a key and signing in show one secret once, by design.
  const showsSecretOnce = (method: string, path: string) =>
    method === 'POST' && /^\/(api\/(token|organizations|keys(\/[^/]+\/rotate)?)|v2\/organizations\/[^/]+\/api-keys(\/[^/]+\/rotate)?)$/.test(path);
  let checked = 0;
  for (const reply of replies) {
    for (const hash of hashes) assert.ok(!reply.text.includes(hash), `${reply.method} ${reply.path} shows the hash of a secret`);
    for (const providerKey of [...Object.values(a.providerKeys), ...Object.values(b.providerKeys), attackerProviderKey, ...serverProviderKeys]) {
      assert.ok(!reply.text.includes(providerKey), `${reply.method} ${reply.path} shows a provider key`);
    }
    if (reply.status < 300 && showsSecretOnce(reply.method, reply.path)) continue;
    checked += 1;
    for (const secret of secrets) assert.ok(!reply.text.includes(secret), `${reply.method} ${reply.path} shows ${secret.slice(0, 8)}…`);
  }
  assert.ok(checked > 50, `responses were checked (${checked})`);
});

test('the database file holds no plain API key, provider key, password or token', async () => {
  closed = true;
  await gateway.close();
  const database = new Database(databaseFile, { readonly: true });
  const cells: string[] = [];
  try {
    const tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      for (const row of database.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
        for (const value of Object.values(row)) {
          cells.push(Buffer.isBuffer(value) ? value.toString('latin1') : String(value));
        }
      }
    }
  } finally {
    database.close();
  }
  const dump = cells.join('\n');
  // The right file, with the rows this test made: the organizations and the hashes of their keys.
  for (const id of [...idsOf(a), ...idsOf(b)]) assert.ok(dump.includes(id), `${id} is in the database`);
  assert.ok(dump.includes(hashApiKeySecret(b.keySecret)));
  for (const secret of [...apiSecrets, ...otherSecrets]) assert.ok(!dump.includes(secret), `${secret.slice(0, 8)}… is in the database`);
});
