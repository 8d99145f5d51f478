// Webhook signatures: a known vector (computed with `openssl dgst -sha256 -hmac`), rotation, and every
// way a delivery must be refused, checked with verifySignature and with the snippet docs/webhooks.md shows.
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { activeSecrets, generateWebhookSecret, signDelivery, verifySignature } from '../../src/webhooks/signing.js';

const body = '{"event":"job.completed","id":"job_123"}';
const secret = 'whsec_test_secret';
const oldSecret = 'whsec_old_secret';
const expected = '7da48ca595d62fe75bf3fd4587c93181e5ee067acbeecb8c445b6cc453ef60df';
const expectedOld = '23bd356852757decffda720d26ce8ed676b195fa0b8c1b39cb8a6c7ceb3fdc07';

type DocVerifier = (rawBody: string | Buffer, headers: Record<string, string>, secret: string, toleranceSeconds?: number) => boolean;
let docVerify: DocVerifier;
let snippetDirectory: string;

/** The js block under "Verifying a delivery" in docs/webhooks.md, loaded as a module exactly as printed. */
before(async () => {
  const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
  const section = doc.split('## Verifying a delivery')[1]?.split('\n## ')[0] ?? '';
  const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(snippet, 'docs/webhooks.md has a js block under "Verifying a delivery"');
  assert.ok(snippet.split('\n').filter((line) => line.trim() !== '').length <= 10, 'the snippet stays ten lines');
  assert.doesNotMatch(snippet, /from '(?!node:)/, 'the snippet imports node built-ins only');
  snippetDirectory = mkdtempSync(join(tmpdir(), 'switchyard-webhook-doc-'));
  const file = join(snippetDirectory, 'verify.mjs');
  writeFileSync(file, snippet);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const verifier = Object.values(module).find((value) => typeof value === 'function');
  assert.ok(verifier, 'the snippet exports its verifier');
  docVerify = verifier as DocVerifier;
});

after(() => rmSync(snippetDirectory, { recursive: true, force: true }));

describe('signDelivery', () => {
  test('matches the known vector', () => {
    const headers = signDelivery(body, [secret], 1700000000);
    assert.deepEqual(headers, { 'switchyard-timestamp': '1700000000', 'switchyard-signature': `v1=${expected}` });
  });

  test('a Buffer body signs the same bytes as its string', () => {
    assert.deepEqual(signDelivery(Buffer.from(body), [secret], 1700000000), signDelivery(body, [secret], 1700000000));
  });

  test('during a rotation, one v1 value per secret, the current one first', () => {
    const headers = signDelivery(body, [secret, oldSecret], 1700000000);
    assert.equal(headers['switchyard-signature'], `v1=${expected},v1=${expectedOld}`);
    assert.equal(verifySignature(body, headers, secret, { now: 1700000000 }), true);
    assert.equal(verifySignature(body, headers, oldSecret, { now: 1700000000 }), true);
    assert.equal(verifySignature(body, headers, 'whsec_someone_else', { now: 1700000000 }), false);
  });

  test('timestamps default to now', () => {
    const now = Math.floor(Date.now() / 1000);
    const stamp = Number(signDelivery(body, [secret])['switchyard-timestamp']);
    assert.ok(Math.abs(stamp - now) <= 1);
  });

  test('refuses to sign with no secret', () => {
    assert.throws(() => signDelivery(body, []), TypeError);
  });
});

describe('verifySignature and the documented snippet agree', () => {
  const verifiers: [string, (raw: string | Buffer, headers: Record<string, string>, key: string) => boolean][] = [
    ['verifySignature', (raw, headers, key) => verifySignature(raw, headers, key)],
    ['docs snippet', (raw, headers, key) => docVerify(raw, headers, key)],
  ];

  for (const [name, verify] of verifiers) {
    test(`${name}: accepts a fresh delivery, with either secret during grace`, () => {
      const headers = signDelivery(body, [secret, oldSecret]);
      assert.equal(verify(body, headers, secret), true);
      assert.equal(verify(body, headers, oldSecret), true);
      assert.equal(verify(Buffer.from(body), headers, secret), true);
    });

    test(`${name}: rejects a tampered body, a wrong secret and a swapped timestamp`, () => {
      const headers = signDelivery(body, [secret]);
      assert.equal(verify(body.replace('job_123', 'job_124'), headers, secret), false);
      assert.equal(verify(`${body} `, headers, secret), false);
      assert.equal(verify(body, headers, oldSecret), false);
      const shifted = String(Number(headers['switchyard-timestamp']) - 1);
      assert.equal(verify(body, { ...headers, 'switchyard-timestamp': shifted }, secret), false);
    });

    test(`${name}: rejects stale and future timestamps`, () => {
      const now = Math.floor(Date.now() / 1000);
      assert.equal(verify(body, signDelivery(body, [secret], now - 301), secret), false);
      assert.equal(verify(body, signDelivery(body, [secret], now + 301), secret), false);
      assert.equal(verify(body, signDelivery(body, [secret], now - 290), secret), true);
      assert.equal(verify(body, signDelivery(body, [secret], now + 290), secret), true);
    });

    test(`${name}: rejects malformed and missing headers`, () => {
      const good = signDelivery(body, [secret]);
      const timestamp = good['switchyard-timestamp'];
      const cases: Record<string, string>[] = [
        {},
        { 'switchyard-timestamp': timestamp },
        { 'switchyard-signature': good['switchyard-signature'] },
        { ...good, 'switchyard-signature': '' },
        { ...good, 'switchyard-signature': expected },
        { ...good, 'switchyard-signature': `v0=${expected}` },
        { ...good, 'switchyard-signature': `v1=${expected.slice(0, 62)}` },
        { ...good, 'switchyard-signature': `v1=${expected.replace(/.$/, 'z')}` },
        { ...good, 'switchyard-timestamp': `${timestamp}.5` },
        { ...good, 'switchyard-timestamp': 'yesterday' },
        { ...good, 'switchyard-timestamp': '' },
      ];
      for (const headers of cases) assert.equal(verify(body, headers, secret), false, JSON.stringify(headers));
    });
  }
});

describe('verifySignature options', () => {
  test('tolerance and clock are the receiver\'s to set', () => {
    const headers = signDelivery(body, [secret], 1700000000);
    assert.equal(verifySignature(body, headers, secret, { now: 1700000000 + 600 }), false);
    assert.equal(verifySignature(body, headers, secret, { now: 1700000000 + 600, toleranceSeconds: 600 }), true);
    assert.equal(verifySignature(body, headers, secret, { now: 1700000000 - 600, toleranceSeconds: 600 }), true);
  });

  test('reads fetch Headers and mixed-case records; refuses a repeated header', () => {
    const signed = signDelivery(body, [secret], 1700000000);
    const options = { now: 1700000000 };
    assert.equal(verifySignature(body, new Headers(signed), secret, options), true);
    const mixedCase = { 'Switchyard-Timestamp': signed['switchyard-timestamp'], 'Switchyard-Signature': signed['switchyard-signature'] };
    assert.equal(verifySignature(body, mixedCase, secret, options), true);
    const repeated = { ...signed, 'switchyard-signature': [signed['switchyard-signature'], 'v1=' + '0'.repeat(64)] };
    assert.equal(verifySignature(body, repeated, secret, options), false);
  });

  test('ignores schemes it does not know beside a valid v1', () => {
    const signed = signDelivery(body, [secret], 1700000000);
    const headers = { ...signed, 'switchyard-signature': `v9=abc,${signed['switchyard-signature']}` };
    assert.equal(verifySignature(body, headers, secret, { now: 1700000000 }), true);
  });
});

describe('secrets', () => {
  test('generateWebhookSecret: whsec_ and 32 random bytes in base64url', () => {
    const first = generateWebhookSecret();
    assert.match(first, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(first.slice(6), 'base64url').length, 32);
    assert.notEqual(first, generateWebhookSecret());
  });

  test('activeSecrets: the previous secret only until its grace period ends', () => {
    const now = new Date('2025-01-01T12:00:00Z');
    const later = new Date('2025-01-02T12:00:00Z');
    const earlier = new Date('2024-12-31T12:00:00Z');
    assert.deepEqual(activeSecrets({ current: 'new' }, now), ['new']);
    assert.deepEqual(activeSecrets({ current: 'new', previous: 'old', previousExpiresAt: later }, now), ['new', 'old']);
    assert.deepEqual(activeSecrets({ current: 'new', previous: 'old', previousExpiresAt: earlier }, now), ['new']);
    assert.deepEqual(activeSecrets({ current: 'new', previous: 'old', previousExpiresAt: now }, now), ['new']);
    assert.deepEqual(activeSecrets({ current: 'new', previous: 'old', previousExpiresAt: null }, now), ['new']);
    assert.deepEqual(activeSecrets({ current: 'new', previous: null, previousExpiresAt: later }, now), ['new']);
  });
});
