import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createByokHasher } from '../../src/access/byok-hash.js';

const providerKey = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';

test('HMAC-SHA256, first 32 hex characters (RFC 4231 test case 6)', () => {
  const hash = createByokHasher(Buffer.alloc(131, 0xaa));
  assert.equal(hash('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f');
});

test('stable per key, distinct across provider keys and gateway keys', () => {
  const key = randomBytes(32);
  const hash = createByokHasher(key);
  const digest = hash(providerKey);
  assert.match(digest, /^[0-9a-f]{32}$/);
  assert.equal(createByokHasher(Buffer.from(key))(providerKey), digest);
  assert.notEqual(hash(`${providerKey}x`), digest);
  assert.notEqual(createByokHasher(randomBytes(32))(providerKey), digest);
  assert.ok(!digest.includes(providerKey.slice(-8)));
});

test('the hasher keeps its own copy of the key', () => {
  const key = randomBytes(32);
  const hash = createByokHasher(key);
  const before = hash(providerKey);
  key.fill(0);
  assert.equal(hash(providerKey), before);
});

test('a short key is refused', () => {
  assert.throws(() => createByokHasher(randomBytes(16)), /at least 32 bytes/);
});
