import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { TokenError, createTokenIssuer, looksLikeJwt, type TokenIssuerOptions } from '../../src/access/tokens.js';

const key = randomBytes(32);
const start = Date.UTC(2030, 0, 1, 12, 0, 0);
const claims = { userId: 'user_1', organizationId: 'org_1', role: 'manager' as const };

function issuer(options: Partial<TokenIssuerOptions> = {}) {
  return createTokenIssuer({ key, ttlSeconds: 3600, now: () => start, ...options });
}

async function rejects(promise: Promise<unknown>, reason: 'expired' | 'invalid', token?: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TokenError, String(error));
    assert.equal(error.reason, reason);
    assert.equal(
      error.message,
      reason === 'expired' ? 'The token has expired; request a new one from POST /api/token.' : 'The token is not valid.',
    );
    if (token) assert.ok(!error.message.includes(token) && !String(error.detail).includes(token));
    assert.ok(!error.message.includes(key.toString('hex')) && !String(error.detail).includes(key.toString('hex')));
    return true;
  });
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const startSeconds = start / 1000;
const wireClaims = { sub: 'user_1', org: 'org_1', role: 'admin', jti: 'j1', iss: 'switchyard', aud: 'switchyard', iat: startSeconds, exp: startSeconds + 60 };

// Signs arbitrary claims under an arbitrary algorithm with the issuer's own key.
function craft(payload: Record<string, unknown>, alg = 'HS256', signingKey: Uint8Array = key) {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(signingKey);
}

test('issue and verify round-trip with the documented claims', async () => {
  const tokens = issuer();
  const { token, expiresAt } = await tokens.issue(claims);
  assert.equal(expiresAt.getTime(), start + 3600_000);
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT' });
  const payload = decodeJwt(token);
  assert.deepEqual(
    { sub: payload.sub, org: payload['org'], role: payload['role'], iss: payload.iss, aud: payload.aud, iat: payload.iat, exp: payload.exp },
    { sub: 'user_1', org: 'org_1', role: 'manager', iss: 'switchyard', aud: 'switchyard', iat: startSeconds, exp: startSeconds + 3600 },
  );
  assert.match(String(payload.jti), /^[A-Za-z0-9_-]{22}$/);

  const verified = await tokens.verify(token);
  assert.deepEqual(verified, {
    userId: 'user_1',
    organizationId: 'org_1',
    role: 'manager',
    tokenId: payload.jti,
    issuedAt: new Date(start),
    expiresAt,
  });
  assert.equal(looksLikeJwt(token), true);
});

test('each token has its own id', async () => {
  const tokens = issuer();
  const [a, b] = await Promise.all([tokens.issue(claims), tokens.issue(claims)]);
  assert.notEqual((await tokens.verify(a.token)).tokenId, (await tokens.verify(b.token)).tokenId);
});

test('a crafted token with valid claims is accepted, so the refusals below are about what they change', async () => {
  const verified = await issuer().verify(await craft(wireClaims));
  assert.equal(verified.role, 'admin');
  assert.equal(verified.tokenId, 'j1');
});

test('an edited payload or signature is refused', async () => {
  const tokens = issuer();
  const { token } = await tokens.issue(claims);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const promoted = encode({ ...decodeJwt(token), role: 'admin' });
  await rejects(tokens.verify(`${header}.${promoted}.${signature}`), 'invalid');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[0] = bytes[0]! ^ 1;
  await rejects(tokens.verify(`${header}.${payload}.${bytes.toString('base64url')}`), 'invalid', token);
  await rejects(tokens.verify(`${header}.${payload}.`), 'invalid');
  await rejects(tokens.verify(`${header}.${payload}`), 'invalid');
});

test('alg "none" and other algorithms are refused, even with the right key', async () => {
  const tokens = issuer();
  const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(wireClaims)}.`;
  assert.equal(looksLikeJwt(unsigned), true);
  await rejects(tokens.verify(unsigned), 'invalid');
  await rejects(tokens.verify(`${encode({ alg: 'None' })}.${encode(wireClaims)}.`), 'invalid');
  await rejects(tokens.verify(await craft(wireClaims, 'HS512')), 'invalid');
  await rejects(tokens.verify(await craft(wireClaims, 'HS384')), 'invalid');
});

test('another key, issuer or audience is refused', async () => {
  const tokens = issuer();
  await rejects(tokens.verify(await craft(wireClaims, 'HS256', randomBytes(32))), 'invalid');
  await rejects(tokens.verify(await craft({ ...wireClaims, iss: 'someone-else' })), 'invalid');
  await rejects(tokens.verify(await craft({ ...wireClaims, aud: 'someone-else' })), 'invalid');
  await rejects(tokens.verify(await craft({ ...wireClaims, aud: undefined })), 'invalid');
  const other = issuer({ issuer: 'https://other.example' });
  await rejects(tokens.verify((await other.issue(claims)).token), 'invalid');
  assert.equal((await other.verify((await other.issue(claims)).token)).userId, 'user_1');
});

test('expiry follows the injected clock, with 5 seconds of tolerance', async () => {
  let now = start;
  const tokens = issuer({ now: () => now });
  const { token } = await tokens.issue(claims);
  now = start + 3600_000 + 4000;
  assert.equal((await tokens.verify(token)).userId, 'user_1');
  now = start + 3600_000 + 5000;
  await rejects(tokens.verify(token), 'expired', token);
  now = start + 86_400_000;
  await rejects(tokens.verify(token), 'expired');
});

test('an expired token with a bad signature is invalid, not expired', async () => {
  const expired = await craft({ ...wireClaims, exp: startSeconds - 60, iat: startSeconds - 120 }, 'HS256', randomBytes(32));
  await rejects(issuer().verify(expired), 'invalid');
  await rejects(issuer().verify(await craft({ ...wireClaims, exp: startSeconds - 60, iat: startSeconds - 120 })), 'expired');
});

test('claims of the wrong shape are refused', async () => {
  const tokens = issuer();
  const broken: Record<string, unknown>[] = [
    { ...wireClaims, role: 'superuser' },
    { ...wireClaims, role: undefined },
    { ...wireClaims, org: undefined },
    { ...wireClaims, org: 42 },
    { ...wireClaims, sub: '' },
    { ...wireClaims, sub: undefined },
    { ...wireClaims, jti: undefined },
    { ...wireClaims, iat: undefined },
    { ...wireClaims, exp: undefined },
    { ...wireClaims, iat: startSeconds + 3600, exp: startSeconds + 7200 },
  ];
  for (const payload of broken) await rejects(tokens.verify(await craft(payload)), 'invalid');
});

test('garbage is invalid', async () => {
  const tokens = issuer();
  for (const token of ['', 'abc', 'a.b.c', `sy_${'a'.repeat(40)}`, 'x'.repeat(10_000), undefined as unknown as string]) {
    await rejects(tokens.verify(token), 'invalid');
  }
});

test('the issuer refuses a weak key, a bad lifetime and bad claims', async () => {
  assert.throws(() => createTokenIssuer({ key: randomBytes(16), ttlSeconds: 60 }), /at least 32 bytes/);
  assert.throws(() => createTokenIssuer({ key, ttlSeconds: 0 }), /lifetime/);
  await assert.rejects(issuer().issue({ ...claims, role: 'owner' as 'admin' }), /role/);
  await assert.rejects(issuer().issue({ ...claims, userId: '' }), /user id/);
});

test('looksLikeJwt: three base64url segments and a header with alg', () => {
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  assert.equal(looksLikeJwt(`${header}.${encode({ sub: 'x' })}.c2ln`), true);
  const negatives = [
    '',
    'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789',
    `sy_${'A1b2C3'.repeat(6)}abcd`,
    'a.b.c',
    `${encode({ typ: 'JWT' })}.${encode({})}.c2ln`,
    `${encode({ alg: 256 })}.${encode({})}.c2ln`,
    `${encode('HS256')}.${encode({})}.c2ln`,
    `${header}.${encode({})}`,
    `${header}.${encode({})}.c2ln.extra`,
    `${header}..c2ln`,
    `${header}.${encode({})}.c2l+`,
    `Bearer ${header}.${encode({})}.c2ln`,
  ];
  for (const token of negatives) assert.equal(looksLikeJwt(token), false, token);
});
