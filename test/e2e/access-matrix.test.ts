// Every route the app serves, read from the functions that build its route table, against every kind of
// missing or bad credential, the scope just below its own and every domain but its own. A new route is in
// the matrix the moment it is added; one whose path parameter, surface or public status is unknown here
// fails the first test until this file learns about it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashApiKeySecret, randomBase62 } from '../../src/access/api-key-secret.js';
import { domains, scopes, type Domain, type Scope } from '../../src/access/scopes.js';
import { deriveKey } from '../../src/access/secret-box.js';
import { createTokenIssuer } from '../../src/access/tokens.js';
import type { RouteAccess } from '../../src/http/server.js';
import { newKeyRecord } from '../../src/identity/key-service.js';
import { healthRoute } from '../../src/surfaces/health.js';
import { openAIRoutes } from '../../src/surfaces/openai/openai-routes.js';
import { platformRoutes } from '../../src/surfaces/platform/platform-routes.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Json = { [key: string]: any };
type Reply = { status: number; headers: Headers; text: string; json: Json };
type Endpoint = { method: string; path: string; access: RouteAccess; name: string };
type Protected = Endpoint & { access: Exclude<RouteAccess, 'public'> };

let gateway: TestGateway;
let endpoints: Endpoint[];
/** Every secret this file creates, for the final look at the logs. */
const secrets: string[] = [];

before(async () => {
  gateway = await startTestGateway();
  secrets.push(gateway.adminKey, gateway.admin.password);
  endpoints = listEndpoints(gateway);
});
after(async () => {
  await gateway.close();
});

function listEndpoints(gateway: TestGateway): Endpoint[] {
  const { identity, directory } = gateway.app;
  const meter = { requestLog: gateway.store.requestLog, logger: identity.logger, logRequests: false };
  const routes = [
    healthRoute('test'),
    ...openAIRoutes({ directory, vault: identity.vault, meter, bodyLimit: 1024 }),
    ...platformRoutes({ identity, bodyLimit: 1024, trustProxy: false }),
  ];
  return routes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({
      method,
      path: route.path,
      access: route.access,
      name: `${method} ${route.path}`,
    })),
  );
}

const protectedEndpoints = (): Protected[] => endpoints.filter((endpoint): endpoint is Protected => endpoint.access !== 'public');

/** The routes that answer without a credential, and a request each that they must answer with success. */
const publicRequests: Record<string, () => { body?: unknown; status: number }> = {
  'GET /health': () => ({ status: 200 }),
  'HEAD /health': () => ({ status: 200 }),
  'POST /api/token': () => ({ body: gateway.admin, status: 200 }),
};

const dummyIds: Record<string, string> = {
  keyId: 'key_00000000000070008000000000000000',
  userId: 'usr_00000000000070008000000000000000',
  credentialId: 'cred_00000000000070008000000000000000',
};

/** A request path for the route: the caller's own organization, ids that exist nowhere, a catalogue model. */
function concretePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      if (segment === '*') return 'gpt-4o-mini';
      if (!segment.startsWith(':')) return segment;
      const name = segment.slice(1);
      if (name === 'orgId') return gateway.operatorOrganizationId;
      const id = dummyIds[name];
      if (id === undefined) throw new Error(`No sample value for the path parameter '${name}' of ${path}.`);
      return id;
    })
    .join('/');
}

function surfaceOf(path: string): 'openai' | 'platform' {
  if (path.startsWith('/v1/')) return 'openai';
  if (path.startsWith('/api/') || path.startsWith('/v2/')) return 'platform';
  throw new Error(`No known error envelope for ${path}.`);
}

async function send(method: string, path: string, credential?: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${gateway.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json: Json = {};
  if (text !== '') json = JSON.parse(text) as Json;
  return { status: response.status, headers: response.headers, text, json };
}

/** The route with a harmless request: an empty object as the body, ids that do not exist. */
function callRoute(endpoint: Endpoint, credential?: string): Promise<Reply> {
  const body = ['POST', 'PATCH', 'PUT'].includes(endpoint.method) ? {} : undefined;
  return send(endpoint.method, concretePath(endpoint.path), credential, body);
}

/** A refusal in the envelope of the route's surface; returns the message. */
function assertRefused(endpoint: Endpoint, reply: Reply, status: 401 | 403, code: string): string {
  assert.equal(reply.status, status, `${endpoint.name}: ${reply.text}`);
  const type = status === 401 ? 'authentication_error' : 'permission_error';
  if (surfaceOf(endpoint.path) === 'openai') {
    const { error } = reply.json;
    assert.equal(error?.type, type, reply.text);
    assert.equal(error.code, code);
    assert.equal(typeof error.message, 'string');
    assert.ok('param' in error);
    assert.equal(error.request_id, reply.headers.get('x-request-id'));
    return error.message as string;
  }
  assert.equal(reply.json.success, false, reply.text);
  assert.equal(reply.json.type, type);
  assert.equal(reply.json.code, code.toUpperCase());
  assert.equal(typeof reply.json.error, 'string');
  assert.equal(reply.json.request_id, reply.headers.get('x-request-id'));
  return reply.json.error as string;
}

function assertAuthorized(endpoint: Endpoint, reply: Reply): void {
  assert.ok(![401, 403].includes(reply.status) && reply.status < 500, `${endpoint.name} answered ${reply.status}: ${reply.text}`);
}

async function createKey(name: string, scope: Scope, keyDomains: readonly Domain[] | '*'): Promise<{ id: string; secret: string }> {
  const reply = await send('POST', '/api/keys', gateway.adminKey, { name, scope, domains: keyDomains });
  assert.equal(reply.status, 201, reply.text);
  secrets.push(reply.json.secret);
  return { id: reply.json.key.id, secret: reply.json.secret };
}

const keyCache = new Map<string, Promise<string>>();
/** One key per scope and domain list, created on first use. */
function keyWith(scope: Scope, keyDomains: readonly Domain[] | '*'): Promise<string> {
  const label = `${scope} ${keyDomains === '*' ? '*' : keyDomains.join(',')}`;
  let key = keyCache.get(label);
  if (key === undefined) {
    key = createKey(label, scope, keyDomains).then((created) => created.secret);
    keyCache.set(label, key);
  }
  return key;
}

const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

test('the route table is known: surfaces, path parameters and the public routes', () => {
  assert.ok(endpoints.length > 0);
  const names = endpoints.map((endpoint) => endpoint.name);
  assert.equal(new Set(names).size, names.length, 'no route is declared twice');
  const publicNames = endpoints.filter((endpoint) => endpoint.access === 'public').map((endpoint) => endpoint.name);
  assert.deepEqual(publicNames.sort(), Object.keys(publicRequests).sort(), 'a route became public or stopped being public');
  for (const endpoint of protectedEndpoints()) {
    surfaceOf(endpoint.path);
    concretePath(endpoint.path);
    assert.ok(scopes.includes(endpoint.access.scope), endpoint.name);
    assert.ok(endpoint.access.domain === null || domains.includes(endpoint.access.domain), endpoint.name);
  }
});

test('public routes answer without credentials, and ignore a bad one', async (t) => {
  for (const endpoint of endpoints.filter((candidate) => candidate.access === 'public')) {
    const request = publicRequests[endpoint.name]!();
    await t.test(endpoint.name, async () => {
      for (const credential of [undefined, `sy_${randomBase62(40)}`]) {
        const reply = await send(endpoint.method, endpoint.path, credential, request.body);
        assert.equal(reply.status, request.status, reply.text);
      }
    });
  }
});

type BadCredential = { name: string; code: string; make(): Promise<string | undefined> };

const badCredentials: BadCredential[] = [
  { name: 'no credential', code: 'missing_api_key', make: async () => undefined },
  { name: 'an unknown sy_ key', code: 'invalid_api_key', make: async () => `sy_${randomBase62(40)}` },
  { name: 'a string that is neither key nor token', code: 'invalid_api_key', make: async () => 'not-a-switchyard-credential' },
  {
    name: 'a revoked key',
    code: 'api_key_revoked',
    async make() {
      const { id, secret } = await createKey('revoked', 'admin', '*');
      const reply = await send('DELETE', `/api/keys/${id}`, gateway.adminKey);
      assert.equal(reply.status, 200, reply.text);
      return secret;
    },
  },
  {
    name: 'an expired key',
    code: 'api_key_expired',
    async make() {
      const now = Date.now();
      const { record, secret } = newKeyRecord(
        gateway.operatorOrganizationId,
        null,
        { name: 'expired', scope: 'admin', domains: '*' },
        new Date(now - 60_000),
        new Date(now - 3_600_000),
      );
      await gateway.store.access.createApiKey(record);
      secrets.push(secret);
      return secret;
    },
  },
  { name: 'a token with a changed signature', code: 'invalid_token', make: async () => tamper(await login(), 2) },
  { name: 'a token with a changed payload', code: 'invalid_token', make: async () => tamper(await login(), 1) },
  {
    name: 'an expired token',
    code: 'token_expired',
    async make() {
      const { organizationId, userId } = await whoAmI(await login());
      const issuer = tokenIssuer(Date.now() - 3_600_000);
      const { token } = await issuer.issue({ userId, organizationId, role: 'admin' });
      secrets.push(token);
      return token;
    },
  },
];

async function login(): Promise<string> {
  const reply = await send('POST', '/api/token', undefined, gateway.admin);
  assert.equal(reply.status, 200, reply.text);
  secrets.push(reply.json.token);
  return reply.json.token as string;
}

async function whoAmI(credential: string): Promise<{ organizationId: string; userId: string }> {
  const reply = await send('GET', '/api/me', credential);
  assert.equal(reply.status, 200, reply.text);
  return { organizationId: reply.json.organization.id, userId: reply.json.credential.user_id };
}

/** An issuer with the gateway's own signing key (derived as the app derives it) and a clock of our choosing. */
function tokenIssuer(now: number) {
  const key = deriveKey(gateway.masterKey, 'switchyard token signing v1');
  return createTokenIssuer({ key, ttlSeconds: 60, now: () => now });
}

/** Changes one character in the middle of a segment (never the last, whose low bits may be padding). */
function tamper(token: string, segment: 1 | 2): string {
  const parts = token.split('.');
  parts[segment] = flip(parts[segment]!, Math.floor(parts[segment]!.length / 2));
  return parts.join('.');
}

test('the credentials that the refusals below start from are sound', async () => {
  const token = await login();
  assert.notEqual(tamper(token, 1), token);
  assert.notEqual(tamper(token, 2), token);
  const me = await whoAmI(token);
  assert.equal(me.organizationId, gateway.operatorOrganizationId);
  // Same key and a current clock: accepted, so the expired token below is refused for its age alone.
  const fresh = await tokenIssuer(Date.now()).issue({ ...me, role: 'admin' });
  secrets.push(fresh.token);
  assert.equal((await send('GET', '/api/me', fresh.token)).status, 200);
});

for (const bad of badCredentials) {
  test(`401 ${bad.code} for ${bad.name} on every protected route`, async (t) => {
    const credential = await bad.make();
    for (const endpoint of protectedEndpoints()) {
      await t.test(endpoint.name, async () => {
        const reply = await callRoute(endpoint, credential);
        assertRefused(endpoint, reply, 401, bad.code);
        assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="switchyard"');
      });
    }
  });
}

test('the scope just below the route is refused, naming the scope; the scope itself passes', async (t) => {
  for (const endpoint of protectedEndpoints()) {
    const required = endpoint.access.scope;
    const below = scopes[scopes.indexOf(required) - 1];
    await t.test(endpoint.name, async () => {
      if (below !== undefined) {
        const reply = await callRoute(endpoint, await keyWith(below, '*'));
        const message = assertRefused(endpoint, reply, 403, 'insufficient_scope');
        assert.match(message, new RegExp(`'${required}'`));
        if (surfaceOf(endpoint.path) === 'platform') assert.equal(reply.json.details?.required_scope, required);
      }
      assertAuthorized(endpoint, await callRoute(endpoint, await keyWith(required, '*')));
    });
  }
});

test('every domain but the route’s own is refused, naming the domain; the domain alone passes', async (t) => {
  for (const endpoint of protectedEndpoints()) {
    const { domain } = endpoint.access;
    await t.test(endpoint.name, async () => {
      if (domain === null) {
        // A route of no domain (who am I) is open to a key of any single domain.
        for (const only of domains) assertAuthorized(endpoint, await callRoute(endpoint, await keyWith('admin', [only])));
        return;
      }
      const reply = await callRoute(endpoint, await keyWith('admin', domains.filter((other) => other !== domain)));
      const message = assertRefused(endpoint, reply, 403, 'domain_not_allowed');
      assert.match(message, new RegExp(`'${domain}'`));
      if (surfaceOf(endpoint.path) === 'platform') assert.equal(reply.json.details?.required_domain, domain);
      assertAuthorized(endpoint, await callRoute(endpoint, await keyWith('admin', [domain])));
    });
  }
});

test('a key cannot create a key of a higher scope or a wider domain list than its own', async () => {
  const manager = await keyWith('manager', '*');
  const higher = await send('POST', '/api/keys', manager, { name: 'higher', scope: 'admin', domains: '*' });
  assert.equal(higher.status, 403, higher.text);
  assert.equal(higher.json.code, 'INSUFFICIENT_SCOPE');
  const narrow = await keyWith('admin', ['keys']);
  const wider = await send('POST', '/api/keys', narrow, { name: 'wider', scope: 'generator', domains: ['keys', 'models'] });
  assert.equal(wider.status, 403, wider.text);
  assert.equal(wider.json.code, 'DOMAIN_NOT_ALLOWED');
  const within = await send('POST', '/api/keys', manager, { name: 'within', scope: 'manager', domains: ['keys'] });
  assert.equal(within.status, 201, within.text);
  secrets.push(within.json.secret);
});

test('no secret of this file reached the logs, in plain or hashed', () => {
  const logs = gateway.logs.join('');
  assert.ok(logs.length > 0, 'the gateway logged something');
  assert.ok(secrets.length >= 10, `secrets were collected (${secrets.length})`);
  for (const secret of secrets) {
    assert.ok(!logs.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the logs`);
    assert.ok(!logs.includes(hashApiKeySecret(secret)), `the hash of a secret (${secret.slice(0, 6)}…) is in the logs`);
  }
});
