// Identity and access as a user meets it: keys created, used, rotated and revoked; tokens from email and
// password; users and roles; an organization's own provider credentials; bring-your-own-key; the audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, testKeys, type TestGateway } from '../helpers/gateway.js';

const byokKey = 'sk-byok-client-owned-0123456789';
const orgOpenAIKey = 'sk-org-stored-openai-0123456789';
const orgMistralKey = 'mistral-org-stored-0123456789';

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    simulator: { keys: [testKeys.openai, testKeys.anthropic, testKeys.gemini, 'test-groq-key', 'sim', byokKey, orgOpenAIKey, orgMistralKey] },
    // Mistral has no server-wide key here: only an organization's stored credential can reach it.
    config: (simulatorUrl) => ({ providers: { mistral: { baseURL: `${simulatorUrl}/v1` } } }),
  });
});
after(async () => {
  await gateway.close();
});

type Json = Record<string, any>;

async function call(method: string, path: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json, text, headers: response.headers };
}

const chat = (model = 'gpt-4o-mini') => ({ model, messages: [{ role: 'user', content: 'hello' }] });

async function createKey(key: string, input: Json) {
  const created = await call('POST', '/api/keys', key, input);
  assert.equal(created.status, 201, created.text);
  return { id: created.body.key.id as string, secret: created.body.secret as string, view: created.body.key as Json };
}

describe('API keys', () => {
  test('a new key is shown once, listed without its secret, and works at once within its scope and domains', async () => {
    const { id, secret, view } = await createKey(gateway.adminKey, { name: 'ci', description: 'for CI', scope: 'generator', domains: ['models'] });
    assert.match(secret, /^sy_[0-9A-Za-z]{40}$/);
    assert.equal(view.prefix, secret.slice(0, 8));
    assert.equal(view.last_four, secret.slice(-4));
    assert.equal(view.status, 'active');

    const listed = await call('GET', '/api/keys', gateway.adminKey);
    assert.ok(!listed.text.includes(secret), 'the secret is never listed');
    assert.ok(listed.body.keys.some((key: Json) => key.id === id));

    const answered = await call('POST', '/v1/chat/completions', secret, chat());
    assert.equal(answered.status, 200, answered.text);
    const refused = await call('GET', '/api/keys', secret);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /requires scope 'manager'/);

    const row = await waitForLogRow(answered.headers.get('x-request-id')!);
    assert.equal(row.apiKeyId, id);
    assert.equal(row.organizationId, gateway.operatorOrganizationId);
    const got = await call('GET', `/api/keys/${id}`, gateway.adminKey);
    assert.ok(got.body.key.last_used_at !== null, 'last use is recorded');
  });

  test('the openai SDK is refused with a 401 AuthenticationError without a valid key', async () => {
    const client = new OpenAI({ apiKey: 'sy_0000000000000000000000000000000000000000', baseURL: gateway.v1, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create(chat() as never), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      assert.equal(error.code, 'invalid_api_key');
      return true;
    });
  });

  test('a revoked key stops working at once and says so', async () => {
    const { id, secret } = await createKey(gateway.adminKey, { name: 'to revoke' });
    assert.equal((await call('GET', '/v1/models', secret)).status, 200);
    const revoked = await call('DELETE', `/api/keys/${id}`, gateway.adminKey);
    assert.equal(revoked.body.key.status, 'revoked');
    const after = await call('GET', '/v1/models', secret);
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, 'api_key_revoked');
  });

  test('rotation issues a new secret; without grace the old one ends now, with grace it keeps working', async () => {
    const first = await createKey(gateway.adminKey, { name: 'rotating', scope: 'manager', domains: ['models', 'keys'] });
    const rotated = await call('POST', `/api/keys/${first.id}/rotate`, gateway.adminKey);
    assert.equal(rotated.status, 201, rotated.text);
    assert.equal(rotated.body.key.rotated_from, first.id);
    assert.equal(rotated.body.key.scope, 'manager');
    assert.deepEqual(rotated.body.key.domains, ['models', 'keys']);
    assert.equal((await call('GET', '/v1/models', first.secret)).status, 401);
    assert.equal((await call('GET', '/v1/models', rotated.body.secret)).status, 200);

    const graced = await call('POST', `/api/keys/${rotated.body.key.id}/rotate`, gateway.adminKey, { grace_seconds: 3600 });
    assert.equal(graced.status, 201);
    assert.equal((await call('GET', '/v1/models', rotated.body.secret)).status, 200, 'the old secret works during the grace period');
    assert.equal((await call('GET', '/v1/models', graced.body.secret)).status, 200);
    assert.ok(Date.parse(graced.body.previous_key.ends_at) > Date.now());
  });

  test('a manager cannot create keys above its own scope or beyond its domains, nor manage an admin key', async () => {
    const manager = await createKey(gateway.adminKey, { name: 'manager', scope: 'manager', domains: ['models', 'keys'] });
    const higher = await call('POST', '/api/keys', manager.secret, { name: 'x', scope: 'admin', domains: ['models'] });
    assert.equal(higher.status, 403);
    assert.equal(higher.body.code, 'INSUFFICIENT_SCOPE');
    const wider = await call('POST', '/api/keys', manager.secret, { name: 'x', scope: 'generator', domains: ['usage'] });
    assert.equal(wider.status, 403);
    assert.equal(wider.body.code, 'DOMAIN_NOT_ALLOWED');
    const everything = await call('POST', '/api/keys', manager.secret, { name: 'x', domains: '*' });
    assert.equal(everything.status, 403);
    const ok = await call('POST', '/api/keys', manager.secret, { name: 'worker', scope: 'generator', domains: ['models'] });
    assert.equal(ok.status, 201);

    const me = await call('GET', '/api/me', gateway.adminKey);
    const adminKeyId = me.body.credential.api_key_id as string;
    const revokeAdmin = await call('DELETE', `/api/keys/${adminKeyId}`, manager.secret);
    assert.equal(revokeAdmin.status, 403);
    assert.equal((await call('GET', '/api/me', gateway.adminKey)).status, 200, 'the admin key still works');
  });

  test('bad input to key endpoints names the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'name'],
      [{ name: 'x', scope: 'owner' }, 'scope'],
      [{ name: 'x', domains: ['artworks'] }, 'domains'],
      [{ name: 'x', domains: [] }, 'domains'],
      [{ name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
      [{ name: 'x', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
      [{ name: 'x', limits: { requests_per_minute: -1 } }, 'limits'],
      [{ name: 'x', colour: 'blue' }, ''],
    ];
    for (const [body, field] of cases) {
      const response = await call('POST', '/api/keys', gateway.adminKey, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.success, false);
      if (field) assert.match(`${response.body.details?.field ?? ''} ${response.body.error}`, new RegExp(field), JSON.stringify(body));
    }
    const malformed = await fetch(`${gateway.url}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as Json).code, 'INVALID_JSON');
    const huge = await fetch(`${gateway.url}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', description: 'y'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
    const unknown = await call('GET', '/api/keys/key_does_not_exist', gateway.adminKey);
    assert.equal(unknown.status, 404);
  });

  test('creating a key records an api_key.created event for webhooks and an audit entry', async () => {
    const { id } = await createKey(gateway.adminKey, { name: 'evented' });
    const events = await gateway.store.access.listOutboxEvents(gateway.operatorOrganizationId, { type: 'api_key.created' });
    const event = events.find((candidate) => candidate.data.id === id);
    assert.ok(event, 'the outbox holds the event');
    assert.ok(!JSON.stringify(event.data).includes('secret'), 'the event carries no secret');
    const audit = await call('GET', '/api/audit-log?action=api_key.created', gateway.adminKey);
    const entry = audit.body.entries.find((candidate: Json) => candidate.target?.id === id);
    assert.ok(entry);
    assert.equal(entry.actor.type, 'api_key');
    assert.equal(entry.ip, '127.0.0.1');
  });
});

describe('tokens', () => {
  test('email and password give a JWT accepted wherever a key is', async () => {
    const issued = await call('POST', '/api/token', undefined, gateway.admin);
    assert.equal(issued.status, 200, issued.text);
    assert.equal(issued.body.success, true);
    assert.ok(Date.parse(issued.body.expires_at) > Date.now());
    const token = issued.body.token as string;
    assert.equal((await call('POST', '/v1/chat/completions', token, chat())).status, 200);
    const me = await call('GET', '/api/me', token);
    assert.equal(me.body.credential.kind, 'token');
    assert.equal(me.body.credential.scope, 'admin');
    const client = new OpenAI({ apiKey: token, baseURL: gateway.v1, maxRetries: 0 });
    assert.ok((await client.models.list()).data.length > 0);
  });

  test('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await call('POST', '/api/token', undefined, { email: gateway.admin.email, password: 'not the password!' });
    const unknown = await call('POST', '/api/token', undefined, { email: 'nobody@switchyard.test', password: 'not the password!' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const { request_id: _a, ...wrongBody } = wrong.body;
    const { request_id: _b, ...unknownBody } = unknown.body;
    assert.deepEqual(wrongBody, unknownBody);
  });

  test('bad token requests name the field', async () => {
    assert.equal((await call('POST', '/api/token', undefined, { email: 'a@b.test' })).body.details.field, 'password');
    assert.equal((await call('POST', '/api/token', undefined, { email: 42, password: 'x' })).body.details.field, 'email');
  });

  test('a demoted user’s token loses admin access at once', async () => {
    const created = await call('POST', '/api/users', gateway.adminKey, { email: 'ops@switchyard.test', password: 'ops password 1234', role: 'admin' });
    assert.equal(created.status, 201, created.text);
    const token = (await call('POST', '/api/token', undefined, { email: 'ops@switchyard.test', password: 'ops password 1234' })).body.token;
    assert.equal((await call('GET', '/api/users', token)).status, 200);
    const demoted = await call('PATCH', `/api/users/${created.body.user.id}`, gateway.adminKey, { role: 'generator' });
    assert.equal(demoted.body.user.role, 'generator');
    const refused = await call('GET', '/api/users', token);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /scope 'admin'/);
    const audit = await call('GET', '/api/audit-log?action=user.role_changed', gateway.adminKey);
    assert.deepEqual(audit.body.entries[0].details, { from: 'admin', to: 'generator' });
    const duplicate = await call('POST', '/api/users', gateway.adminKey, { email: 'OPS@switchyard.test', password: 'ops password 1234' });
    assert.equal(duplicate.status, 409);
    const weak = await call('POST', '/api/users', gateway.adminKey, { email: 'weak@switchyard.test', password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.details.field, 'password');
  });

  test('disabling a user ends their tokens; the last admin cannot be demoted', async () => {
    const created = await call('POST', '/api/users', gateway.adminKey, { email: 'temp@switchyard.test', password: 'temp password 1234' });
    const token = (await call('POST', '/api/token', undefined, { email: 'temp@switchyard.test', password: 'temp password 1234' })).body.token;
    assert.equal((await call('GET', '/api/me', token)).status, 200);
    await call('PATCH', `/api/users/${created.body.user.id}`, gateway.adminKey, { disabled: true });
    assert.equal((await call('GET', '/api/me', token)).status, 401);
    const login = await call('POST', '/api/token', undefined, { email: 'temp@switchyard.test', password: 'temp password 1234' });
    assert.equal(login.status, 401);

    const organization = await call('POST', '/api/organizations', gateway.adminKey, {
      name: 'Solo',
      admin_email: 'solo@switchyard.test',
      admin_password: 'solo password 1234',
    });
    const soloUser = organization.body.admin_user.id as string;
    const lastAdmin = await call('PATCH', `/api/users/${soloUser}`, organization.body.secret, { role: 'manager' });
    assert.equal(lastAdmin.status, 400);
    assert.equal(lastAdmin.body.code, 'LAST_ADMIN');
  });

  test('repeated failures are slowed down per account, and per address across accounts', async () => {
    // The gateway's clock stands still during this test, so no wait can run out between two attempts.
    const identity = gateway.app.identity;
    const frozen = identity.now();
    identity.now = () => frozen;
    try {
      await call('POST', '/api/users', gateway.adminKey, { email: 'target@switchyard.test', password: 'target password 1234' });
      const statuses: number[] = [];
      let last;
      for (let attempt = 0; attempt < 7; attempt++) {
        last = await call('POST', '/api/token', undefined, { email: 'target@switchyard.test', password: `wrong ${attempt} password` });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429], 'five free failures, then one more, then a wait');
      assert.ok(Number(last!.headers.get('retry-after')) >= 1);
      assert.equal(last!.body.code, 'TOO_MANY_ATTEMPTS');
      const right = await call('POST', '/api/token', undefined, { email: 'target@switchyard.test', password: 'target password 1234' });
      assert.equal(right.status, 429, 'even the right password waits');
      const otherAccount = await call('POST', '/api/token', undefined, gateway.admin);
      assert.equal(otherAccount.status, 200, 'another account from the same address is not slowed yet');

      // Many accounts from one address: the address is slowed after 20 failures, whichever account.
      for (let attempt = 0; attempt < 14; attempt++) {
        await call('POST', '/api/token', undefined, { email: `nobody${attempt}@switchyard.test`, password: 'wrong password here' });
      }
      const fromAddress = await call('POST', '/api/token', undefined, gateway.admin);
      assert.equal(fromAddress.status, 429, 'the address waits now, even for a right password');

      const audit = await call('GET', '/api/audit-log?action=auth.login_failed', gateway.adminKey);
      assert.ok(audit.body.entries.length >= 6);
      assert.ok(!audit.text.includes('wrong 1 password'), 'attempted passwords are never recorded');
    } finally {
      // An hour later every wait is over.
      identity.now = () => new Date(Date.now() + 3600_000);
    }
    assert.equal((await call('POST', '/api/token', undefined, gateway.admin)).status, 200);
  });

  test('a credential limited to some domains cannot create users or set passwords (users reach every domain)', async () => {
    const keysOnly = await createKey(gateway.adminKey, { name: 'keys admin', scope: 'admin', domains: ['keys'] });
    const created = await call('POST', '/api/users', keysOnly.secret, { email: 'escalate@switchyard.test', password: 'escalate password 1', role: 'admin' });
    assert.equal(created.status, 403);
    assert.equal(created.body.code, 'DOMAIN_NOT_ALLOWED');
    const users = await call('GET', '/api/users', keysOnly.secret);
    assert.equal(users.status, 200, 'reading users is fine');
    const adminUser = users.body.users.find((user: Json) => user.email === gateway.admin.email);
    const reset = await call('PATCH', `/api/users/${adminUser.id}`, keysOnly.secret, { password: 'taken over password' });
    assert.equal(reset.status, 403);
    assert.equal((await call('POST', '/api/token', undefined, gateway.admin)).status, 200, 'the admin password is unchanged');
  });
});

describe('provider credentials', () => {
  test('an organization’s stored key overrides the server default and is never returned', async () => {
    const created = await call('POST', '/api/provider-credentials', gateway.adminKey, { provider: 'openai', name: 'team', api_key: orgOpenAIKey });
    assert.equal(created.status, 201, created.text);
    assert.ok(!created.text.includes(orgOpenAIKey));
    const listed = await call('GET', '/api/provider-credentials', gateway.adminKey);
    assert.ok(!listed.text.includes(orgOpenAIKey));
    assert.ok(!listed.text.includes(orgOpenAIKey.slice(-4)), 'not even a hint of the key');

    const before = gateway.simulator.requests().length;
    assert.equal((await call('POST', '/v1/chat/completions', gateway.adminKey, chat())).status, 200);
    const upstream = gateway.simulator.requests().slice(before).at(-1)!;
    assert.equal(upstream.headers.authorization, `Bearer ${orgOpenAIKey}`);

    // Rotation: the next call uses the new key (the simulator refuses the old one from now on is not needed: we read the header).
    const rotated = await call('POST', `/api/provider-credentials/${created.body.credential.id}/rotate`, gateway.adminKey, { api_key: byokKey });
    assert.equal(rotated.status, 200);
    assert.ok(rotated.body.credential.rotated_at);
    await call('POST', '/v1/chat/completions', gateway.adminKey, chat());
    assert.equal(gateway.simulator.requests().at(-1)!.headers.authorization, `Bearer ${byokKey}`);

    const deleted = await call('DELETE', `/api/provider-credentials/${created.body.credential.id}`, gateway.adminKey);
    assert.equal(deleted.status, 200);
    await call('POST', '/v1/chat/completions', gateway.adminKey, chat());
    assert.equal(gateway.simulator.requests().at(-1)!.headers.authorization, `Bearer ${testKeys.openai}`, 'back to the server default');
  });

  test('a stored credential reaches a provider the server has no key for, for that organization only', async () => {
    const without = await call('POST', '/v1/chat/completions', gateway.adminKey, chat('mistral/mistral-small-latest'));
    assert.equal(without.status, 404, without.text);
    assert.match(without.body.error.message, /not configured/);
    const created = await call('POST', '/api/provider-credentials', gateway.adminKey, { provider: 'mistral', api_key: orgMistralKey });
    assert.equal(created.status, 201);
    const served = await call('POST', '/v1/chat/completions', gateway.adminKey, chat('mistral/mistral-small-latest'));
    assert.equal(served.status, 200, served.text);
    assert.equal(served.headers.get('x-provider'), 'mistral');
    assert.equal(gateway.simulator.requests().at(-1)!.headers.authorization, `Bearer ${orgMistralKey}`);
    await call('DELETE', `/api/provider-credentials/${created.body.credential.id}`, gateway.adminKey);
  });

  test('credentials are encrypted at rest, bound to their row, several per provider, names unique', async () => {
    const first = await call('POST', '/api/provider-credentials', gateway.adminKey, { provider: 'anthropic', name: 'a', api_key: 'anthropic-one-0123456789' });
    const second = await call('POST', '/api/provider-credentials', gateway.adminKey, { provider: 'anthropic', name: 'b', api_key: 'anthropic-two-0123456789' });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    const clash = await call('POST', '/api/provider-credentials', gateway.adminKey, { provider: 'anthropic', name: 'a', api_key: 'x' });
    assert.equal(clash.status, 409);
    const unknown = await call('POST', '/api/provider-credentials', gateway.adminKey, { provider: 'nope', api_key: 'x' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.details.field, 'provider');
    const stored = await gateway.store.access.listProviderCredentials(gateway.operatorOrganizationId, 'anthropic');
    assert.equal(stored.length, 2);
    for (const record of stored) {
      assert.match(record.sealedKey, /^v1\./);
      assert.ok(!record.sealedKey.includes('anthropic-one') && !record.sealedKey.includes('anthropic-two'));
    }
    for (const response of [first, second]) {
      await call('DELETE', `/api/provider-credentials/${response.body.credential.id}`, gateway.adminKey);
    }
  });
});

describe('bring your own key', () => {
  test('a gateway key plus X-Provider-Key sends the client’s key upstream, never storing or logging it', async () => {
    const response = await call('POST', '/v1/chat/completions', gateway.adminKey, chat(), { 'x-provider-key': byokKey });
    assert.equal(response.status, 200, response.text);
    assert.equal(gateway.simulator.requests().at(-1)!.headers.authorization, `Bearer ${byokKey}`);
    const row = await waitForLogRow(response.headers.get('x-request-id')!);
    assert.match(row.byokHash ?? '', /^[0-9a-f]{32}$/);
    assert.equal(row.organizationId, gateway.operatorOrganizationId);
    assert.ok(!gateway.logs.join('').includes(byokKey));
  });

  test('a provider refusing the brought key is the client’s 401, not a gateway 502', async () => {
    const response = await call('POST', '/v1/chat/completions', gateway.adminKey, chat(), { 'x-provider-key': 'sk-not-accepted-by-provider' });
    assert.equal(response.status, 401, response.text);
    assert.equal(response.body.error.code, 'invalid_provider_key');
    assert.ok(!response.text.includes('sk-not-accepted-by-provider'));
  });

  test('without anonymous BYOK a bare provider key is refused with a hint', async () => {
    const response = await call('POST', '/v1/chat/completions', byokKey, chat());
    assert.equal(response.status, 401);
    assert.match(response.body.error.message, /X-Provider-Key/);
    assert.ok(!response.text.includes(byokKey));
  });

  test('anonymous BYOK, when enabled, serves the provider key alone, metered and rate-limited by its hash', async () => {
    const open = await startTestGateway({
      simulator: { keys: [testKeys.openai, byokKey] },
      config: { auth: { anonymousByok: { enabled: true, requestsPerMinute: 3 } } },
    });
    try {
      const client = new OpenAI({ apiKey: byokKey, baseURL: open.v1, maxRetries: 0 });
      const completion = await client.chat.completions.create(chat() as never);
      assert.ok(completion.choices.length > 0);
      assert.equal(open.simulator.requests().at(-1)!.headers.authorization, `Bearer ${byokKey}`);
      const rows = await waitForRows(open, 1);
      assert.equal(rows[0]!.organizationId, null);
      assert.match(rows[0]!.byokHash ?? '', /^[0-9a-f]{32}$/);

      const platform = await fetch(`${open.url}/api/keys`, { headers: { authorization: `Bearer ${byokKey}` } });
      assert.equal(platform.status, 401, 'the platform API never takes a provider key');
      await client.models.list();
      await client.models.list();
      await assert.rejects(client.models.list(), (error: unknown) => error instanceof OpenAI.RateLimitError);
      const other = new OpenAI({ apiKey: 'sk-another-client-key', baseURL: open.v1, maxRetries: 0 });
      assert.ok((await other.models.list()).data.length > 0, 'another key has its own allowance');
      assert.ok(!open.logs.join('').includes(byokKey));
    } finally {
      await open.close();
    }
  });
});

async function waitForLogRow(requestId: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    await gateway.store.requestLog.flush();
    const row = await gateway.store.requestLog.get(requestId);
    if (row) return row;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no request-log row for ${requestId}`);
}

async function waitForRows(target: TestGateway, count: number) {
  for (let attempt = 0; attempt < 100; attempt++) {
    await target.store.requestLog.flush();
    const rows = await target.store.requestLog.list();
    if (rows.length >= count) return rows;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('request-log rows missing');
}
