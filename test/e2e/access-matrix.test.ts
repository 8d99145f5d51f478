// Every route the app serves (read from the app's own route table, so none can escape) against every kind of
// missing or bad credential, in every place a credential is read from, the scope just below its own and every
// domain but its own; each refusal in the envelope of the route's surface, which is decided here by its path.
// A route whose surface, path parameter or public status is unknown here fails the first test until this file
// learns about it. The pass-through's routes are all classified; the per-credential matrix samples prefixes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashApiKeySecret, randomBase62 } from '../../src/access/api-key-secret.js';
import { domains, scopes, type Domain, type Scope } from '../../src/access/scopes.js';
import { deriveKey } from '../../src/access/secret-box.js';
import { createTokenIssuer } from '../../src/access/tokens.js';
import type { RouteAccess } from '../../src/http/server.js';
import { newKeyRecord } from '../../src/identity/key-service.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import {
  envelopeOf,
  httpMethods,
  isModelSurface,
  listEndpoints,
  nativePrefixes,
  nativePrefixOf,
  naturalPlacement,
  placements,
  readRefusal,
  requestPath,
  sampledPrefixes,
  sdkHeaders,
  send as sendRequest,
  type Endpoint,
  type Placement,
  type Refusal,
  type Reply,
} from './access-surfaces.js';

type Protected = Endpoint & { access: Exclude<RouteAccess, 'public'> };

let gateway: TestGateway;
let endpoints: Endpoint[];
/** Every secret this file creates, for the final look at the logs. */
const secrets: string[] = [];

before(async () => {
  gateway = await startTestGateway();
  secrets.push(gateway.adminKey, gateway.admin.password);
  endpoints = listEndpoints(gateway.app.routes);
});
after(async () => {
  await gateway.close();
});

const protectedEndpoints = (): Protected[] => endpoints.filter((endpoint): endpoint is Protected => endpoint.access !== 'public');
const matrixEndpoints = (): Protected[] =>
  protectedEndpoints().filter((endpoint) => {
    const prefix = nativePrefixOf(endpoint.path);
    return prefix === undefined || sampledPrefixes.includes(prefix);
  });
const envelopeFor = (endpoint: Endpoint) => envelopeOf(endpoint.method, endpoint.path);

type PublicRequest = { path: string; body?: unknown; status: number; code?: string };
/** The routes that answer without a credential, and a request each with the answer it must get. */
const publicRequests: Record<string, () => PublicRequest> = {
  'GET /health': () => ({ path: '/health', status: 200 }),
  'HEAD /health': () => ({ path: '/health', status: 200 }),
  'POST /api/token': () => ({ path: '/api/token', body: gateway.admin, status: 200 }),
  // The simple surface's catch-all only says, in its own envelope, that nothing is there.
  ...Object.fromEntries(
    httpMethods.map((method) => [
      `${method} /ai/*`,
      () => ({ path: '/ai/no-such-endpoint', body: method === 'GET' || method === 'DELETE' ? undefined : {}, status: 404, code: 'unknown_route' }),
    ]),
  ),
};

function send(method: string, path: string, credential?: string, body?: unknown, placement: Placement = 'authorization'): Promise<Reply> {
  return sendRequest(gateway.url, method, path, { credential, body, placement });
}

type Call = { credential?: string | undefined; placement?: Placement; headers?: Record<string, string>; queryKey?: string };

/** The route with a harmless request (an empty object as the body, ids that do not exist) and this credential. */
function callRoute(endpoint: Endpoint, credential: string | undefined, placement: Placement = 'authorization'): Promise<Reply> {
  return call(endpoint, { credential, placement });
}

/** The same request with any headers, and a `?key=` parameter when `queryKey` is given. */
function call(endpoint: Endpoint, { credential, placement, headers, queryKey }: Call): Promise<Reply> {
  const path = requestPath(endpoint, gateway.operatorOrganizationId) + (queryKey === undefined ? '' : `?key=${queryKey}`);
  const body = ['POST', 'PATCH', 'PUT'].includes(endpoint.method) ? {} : undefined;
  return sendRequest(gateway.url, endpoint.method, path, { credential, placement, body, headers: { ...sdkHeaders(endpoint), ...headers } });
}

/** A refusal in the envelope of the route's surface, with our code (or, where the envelope has none, the reference message). */
function assertRefused(endpoint: Endpoint, reply: Reply, status: 401 | 403, code: string, reference?: string): Refusal {
  const refusal = readRefusal(envelopeFor(endpoint), reply, status, endpoint.name);
  if (refusal.code !== undefined) assert.equal(refusal.code, code, `${endpoint.name}: ${reply.text}`);
  else if (reference !== undefined) assert.equal(refusal.message, reference, endpoint.name);
  if (status === 401) assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="switchyard"', endpoint.name);
  return refusal;
}

/** The message of the refusal on the OpenAI surface, where the code is checked too: the same refusal reads the same everywhere. */
async function referenceMessage(credential: string | undefined, status: 401 | 403, code: string): Promise<string> {
  const reply = await send('GET', '/v1/models', credential);
  const refusal = readRefusal('openai', reply, status, 'GET /v1/models');
  assert.equal(refusal.code, code, reply.text);
  return refusal.message;
}

/** Envelopes that carry the required scope or domain as data, not only in the message. */
const detailed = (endpoint: Endpoint) => ['platform', 'google'].includes(envelopeFor(endpoint));

function assertAuthorized(endpoint: Endpoint, reply: Reply, label = endpoint.name): void {
  assert.ok(![401, 403].includes(reply.status) && reply.status < 500, `${label} answered ${reply.status}: ${reply.text}`);
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

/** The narrowest key the route admits: its own scope, its own domain alone. */
const fittingKey = (endpoint: Protected) => keyWith(endpoint.access.scope, endpoint.access.domain === null ? '*' : [endpoint.access.domain]);

const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

test('the route table is known: surfaces, path parameters, access and the public routes', () => {
  assert.ok(endpoints.length > 0);
  const names = endpoints.map((endpoint) => endpoint.name);
  assert.equal(new Set(names).size, names.length, 'no route is declared twice');
  const publicNames = endpoints.filter((endpoint) => endpoint.access === 'public').map((endpoint) => endpoint.name);
  assert.deepEqual(publicNames.sort(), Object.keys(publicRequests).sort(), 'a route became public or stopped being public');
  for (const endpoint of protectedEndpoints()) {
    envelopeFor(endpoint);
    requestPath(endpoint, gateway.operatorOrganizationId);
    assert.ok(scopes.includes(endpoint.access.scope), endpoint.name);
    assert.ok(endpoint.access.domain === null || domains.includes(endpoint.access.domain), endpoint.name);
    if (isModelSurface(endpoint.path)) {
      const { scope, domain } = endpoint.access;
      assert.deepEqual({ scope, domain }, { scope: 'generator', domain: 'models' }, `${endpoint.name} is a model route`);
    }
  }
  // The pass-through serves every provider (and `google`) on every method; the matrix samples some of them.
  for (const prefix of nativePrefixes) {
    for (const method of httpMethods) assert.ok(names.includes(`${method} /${prefix}/*`), `${method} /${prefix}/* is served`);
  }
  for (const prefix of sampledPrefixes) assert.ok(nativePrefixes.includes(prefix), prefix);
  const native = endpoints.filter((endpoint) => nativePrefixOf(endpoint.path) !== undefined);
  assert.equal(native.length, nativePrefixes.length * httpMethods.length, 'no other route under a provider prefix');
});

test('public routes answer without credentials, and ignore a bad one', async (t) => {
  for (const endpoint of endpoints.filter((candidate) => candidate.access === 'public')) {
    const request = publicRequests[endpoint.name]!();
    await t.test(endpoint.name, async () => {
      for (const credential of [undefined, `sy_${randomBase62(40)}`]) {
        const reply = await send(endpoint.method, request.path, credential, request.body);
        assert.equal(reply.status, request.status, reply.text);
        if (request.code !== undefined) {
          assert.equal(readRefusal(envelopeOf(endpoint.method, request.path), reply, request.status, endpoint.name).code, request.code);
        }
      }
    });
  }
});

test('the /ai catch-all names the allowed method of a known path, without credentials', async () => {
  for (const [method, path, allowed] of [['DELETE', '/ai/chat', 'POST'], ['PUT', '/ai/embeddings', 'POST'], ['POST', '/ai/models', 'GET']] as const) {
    const reply = await send(method, path, undefined, method === 'DELETE' ? undefined : {});
    assert.equal(readRefusal('simple', reply, 405, `${method} ${path}`).code, 'method_not_allowed');
    assert.equal(reply.headers.get('allow'), allowed);
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
      // Used first, so the gateway holds it as valid when it is revoked: the revocation must still count at once.
      assert.equal((await send('GET', '/v1/models', secret)).status, 200);
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
  test(`401 ${bad.code} for ${bad.name} on every protected route, in its surface's envelope`, async (t) => {
    const credential = await bad.make();
    const reference = await referenceMessage(credential, 401, bad.code);
    for (const endpoint of matrixEndpoints()) {
      // Where the surface's own SDK sends the key; every other place is covered below.
      const placement = naturalPlacement(envelopeFor(endpoint));
      await t.test(`${endpoint.name} (${placement})`, async () => {
        assertRefused(endpoint, await callRoute(endpoint, credential, placement), 401, bad.code, reference);
      });
    }
  });
}

test('a credential is read from Authorization, x-api-key, x-goog-api-key and ?key= on every protected route', async (t) => {
  const unknown = `sy_${randomBase62(40)}`;
  const reference = await referenceMessage(unknown, 401, 'invalid_api_key');
  for (const endpoint of matrixEndpoints()) {
    const valid = await fittingKey(endpoint);
    await t.test(endpoint.name, async () => {
      for (const placement of placements) {
        assertRefused(endpoint, await callRoute(endpoint, unknown, placement), 401, 'invalid_api_key', reference);
        assertAuthorized(endpoint, await callRoute(endpoint, valid, placement), `${endpoint.name} (${placement})`);
      }
    });
  }
});

test('the first place that holds a credential decides; a refused one is not rescued by another', async (t) => {
  const unknown = `sy_${randomBase62(40)}`;
  const reference = await referenceMessage(unknown, 401, 'invalid_api_key');
  for (const endpoint of matrixEndpoints()) {
    const valid = await fittingKey(endpoint);
    await t.test(endpoint.name, async () => {
      // The unknown key in one place, the valid one in every place read after it.
      for (const [index, placement] of placements.slice(0, -1).entries()) {
        const headers: Record<string, string> = {};
        for (const later of placements.slice(index + 1)) if (later !== 'query') headers[later] = valid;
        const reply = await call(endpoint, { credential: unknown, placement, headers, queryKey: valid });
        assertRefused(endpoint, reply, 401, 'invalid_api_key', reference);
      }
    });
  }
});

test('an empty place holds no credential: the next place is read', async (t) => {
  for (const endpoint of matrixEndpoints()) {
    const valid = await fittingKey(endpoint);
    await t.test(endpoint.name, async () => {
      const empty = { authorization: 'Bearer ', 'x-api-key': '', 'x-goog-api-key': '' };
      assertAuthorized(endpoint, await call(endpoint, { headers: { authorization: 'Bearer ', 'x-api-key': valid } }), 'x-api-key');
      assertAuthorized(endpoint, await call(endpoint, { headers: { authorization: 'Bearer ', 'x-goog-api-key': valid } }), 'x-goog-api-key');
      assertAuthorized(endpoint, await call(endpoint, { headers: empty, queryKey: valid }), '?key=');
    });
  }
});

test(
  'an empty x-api-key does not hide a key in x-goog-api-key',
  async () => {
    const refused: string[] = [];
    for (const endpoint of matrixEndpoints()) {
      const reply = await call(endpoint, { headers: { 'x-api-key': '', 'x-goog-api-key': await fittingKey(endpoint) } });
      if ([401, 403].includes(reply.status) || reply.status >= 500) refused.push(`${endpoint.name}: ${reply.status} ${reply.text}`);
    }
    assert.deepEqual(refused, []);
  },
);

test('the scope just below the route is refused, naming the scope; the scope itself passes', async (t) => {
  for (const endpoint of matrixEndpoints()) {
    const required = endpoint.access.scope;
    const below = scopes[scopes.indexOf(required) - 1];
    const placement = naturalPlacement(envelopeFor(endpoint));
    await t.test(endpoint.name, async () => {
      if (below !== undefined) {
        const reply = await callRoute(endpoint, await keyWith(below, '*'), placement);
        const { message, details } = assertRefused(endpoint, reply, 403, 'insufficient_scope');
        assert.match(message, new RegExp(`'${required}'`));
        if (detailed(endpoint)) assert.equal(details.required_scope, required);
      }
      assertAuthorized(endpoint, await callRoute(endpoint, await keyWith(required, '*'), placement));
    });
  }
});

test('every domain but the route’s own is refused, naming the domain; the domain alone passes', async (t) => {
  for (const endpoint of matrixEndpoints()) {
    const { domain } = endpoint.access;
    const placement = naturalPlacement(envelopeFor(endpoint));
    await t.test(endpoint.name, async () => {
      if (domain === null) {
        // A route of no domain (who am I) is open to a key of any single domain.
        for (const only of domains) assertAuthorized(endpoint, await callRoute(endpoint, await keyWith('admin', [only]), placement));
        return;
      }
      const reply = await callRoute(endpoint, await keyWith('admin', domains.filter((other) => other !== domain)), placement);
      const { message, details } = assertRefused(endpoint, reply, 403, 'domain_not_allowed');
      assert.match(message, new RegExp(`'${domain}'`));
      if (detailed(endpoint)) assert.equal(details.required_domain, domain);
      assertAuthorized(endpoint, await callRoute(endpoint, await keyWith('admin', [domain]), placement));
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
