import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateApiKeySecret,
  hashApiKeySecret,
  looksLikeApiKeySecret,
  randomBase62,
  sameHash,
} from '../../src/access/api-key-secret.js';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

test('a generated secret has its shape, display parts and hash', () => {
  const generated = generateApiKeySecret();
  assert.match(generated.secret, /^sy_[0-9A-Za-z]{40}$/);
  assert.equal(generated.prefix, generated.secret.slice(0, 8));
  assert.ok(generated.prefix.startsWith('sy_'));
  assert.equal(generated.lastFour, generated.secret.slice(-4));
  assert.equal(generated.lastFour.length, 4);
  assert.equal(generated.hash, hashApiKeySecret(generated.secret));
  assert.match(generated.hash, /^[0-9a-f]{64}$/);
});

test('secrets use the whole base62 alphabet and never repeat', () => {
  const secrets = Array.from({ length: 1000 }, () => generateApiKeySecret().secret);
  assert.equal(new Set(secrets).size, secrets.length);
  const seen = new Set(secrets.flatMap((secret) => [...secret.slice(3)]));
  assert.ok([...seen].every((character) => base62.includes(character)));
  // 40,000 characters: each of the 62 turns up unless the alphabet is broken.
  assert.equal(seen.size, 62);
  // At least 238 bits: 40 characters of log2(62) bits each.
  assert.ok(40 * Math.log2(62) >= 238);
});

test('bytes that would bias the modulo are rejected', () => {
  const bytes = [248, 255, 0, 61, 62, 247, 250, 100];
  let position = 0;
  const random = (size: number) => Buffer.from(Array.from({ length: size }, () => bytes[position++ % bytes.length]!));
  // 248 and 255 are skipped; 0 → '0', 61 → 'z', 62 → '0', 247 → 'z', 250 skipped, 100 → 'c'.
  assert.equal(randomBase62(6, random), '0z0zc0');
});

test('a source that mostly yields rejected bytes still fills the length', () => {
  let calls = 0;
  const random = (size: number) => {
    calls += 1;
    return Buffer.alloc(size, calls % 3 === 0 ? 7 : 252);
  };
  assert.equal(randomBase62(40, random), '7'.repeat(40));
});

test('hashApiKeySecret is SHA-256 in hex', () => {
  assert.equal(hashApiKeySecret('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sameHash compares digests exactly', () => {
  const a = hashApiKeySecret('sy_one');
  const b = hashApiKeySecret('sy_two');
  assert.equal(sameHash(a, a), true);
  assert.equal(sameHash(a, `${a}`), true);
  assert.equal(sameHash(a, b), false);
  assert.equal(sameHash(a, a.slice(0, 63)), false);
  assert.equal(sameHash(a, `${a}0`), false);
  assert.equal(sameHash(a, a.toUpperCase()), false);
  assert.equal(sameHash(a, undefined as unknown as string), false);
});

test('looksLikeApiKeySecret accepts the shape and nothing else', () => {
  const { secret } = generateApiKeySecret();
  assert.equal(looksLikeApiKeySecret(secret), true);
  const body = secret.slice(3);
  const others = [
    '',
    'sy_',
    `sk-proj-${body}`,
    // Split so that secret scanners do not take the sample for a real key.
    'sk-' + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl',
    `SY_${body}`,
    `sy-${body}`,
    `sy_${body.slice(1)}`,
    `sy_${body}a`,
    `sy_${body.slice(1)}-`,
    `sy_${body.slice(1)}_`,
    `sy_${body}\n`,
    ` ${secret}`,
    `Bearer ${secret}`,
  ];
  for (const token of others) assert.equal(looksLikeApiKeySecret(token), false, JSON.stringify(token));
  assert.equal(looksLikeApiKeySecret(undefined as unknown as string), false);
});
