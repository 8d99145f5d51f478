import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { hashPassword, passwordProblem, verifyAgainstNothing, verifyPassword } from '../../src/access/password.js';

const password = 'correct horse battery staple';

test('a hash is self-describing and verifies its password only', async () => {
  const encoded = await hashPassword(password);
  const parts = encoded.split('$');
  assert.equal(parts.length, 6);
  assert.deepEqual(parts.slice(0, 4), ['scrypt', '15', '8', '1']);
  assert.equal(Buffer.from(parts[4]!, 'base64url').length, 16);
  assert.equal(Buffer.from(parts[5]!, 'base64url').length, 32);
  assert.ok(!encoded.includes(password));
  assert.equal(await verifyPassword(password, encoded), true);
  assert.equal(await verifyPassword(`${password}!`, encoded), false);
  assert.equal(await verifyPassword('', encoded), false);
});

test('the salt is random: the same password hashes differently', async () => {
  const [first, second] = await Promise.all([hashPassword(password), hashPassword(password)]);
  assert.notEqual(first, second);
  assert.notEqual(first.split('$')[4], second.split('$')[4]);
});

test('parameters are read from the encoding, so older hashes keep verifying', async () => {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 2 ** 10, r: 4, p: 2 });
  const encoded = `scrypt$10$4$2$${salt.toString('base64url')}$${hash.toString('base64url')}`;
  assert.equal(await verifyPassword(password, encoded), true);
  assert.equal(await verifyPassword('another password', encoded), false);
  // The same hash under other parameters is a different key.
  assert.equal(await verifyPassword(password, encoded.replace('$10$4$2$', '$11$4$2$')), false);
});

test('a password typed in another Unicode normal form still verifies', async () => {
  const composed = 'caf\u00e9 au lait, s\u2019il vous pla\u00eet';
  const decomposed = composed.normalize('NFD');
  assert.notEqual(composed, decomposed);
  assert.equal(await verifyPassword(decomposed, await hashPassword(composed)), true);
});

test('a tampered hash does not verify', async () => {
  const encoded = await hashPassword(password);
  const parts = encoded.split('$');
  const hash = Buffer.from(parts[5]!, 'base64url');
  hash[0] = hash[0]! ^ 1;
  parts[5] = hash.toString('base64url');
  assert.equal(await verifyPassword(password, parts.join('$')), false);
});

test('malformed encodings give false, not an exception', async () => {
  const good = await hashPassword(password);
  const [, , , , salt, hash] = good.split('$');
  const malformed = [
    '',
    'not a hash',
    good.replace('scrypt$', 'bcrypt$'),
    good.replace('scrypt$', 'SCRYPT$'),
    `${good}$extra`,
    good.split('$').slice(0, 5).join('$'),
    `scrypt$x$8$1$${salt}$${hash}`,
    `scrypt$-1$8$1$${salt}$${hash}`,
    `scrypt$15.5$8$1$${salt}$${hash}`,
    // Parameters that would ask for gigabytes or minutes are refused outright.
    `scrypt$30$8$1$${salt}$${hash}`,
    `scrypt$15$1024$1$${salt}$${hash}`,
    `scrypt$15$8$999$${salt}$${hash}`,
    `scrypt$15$8$1$$${hash}`,
    `scrypt$15$8$1$${salt}$`,
    `scrypt$15$8$1$${salt}$${hash}==`,
    `scrypt$15$8$1$sa+lt/==$${hash}`,
    `scrypt$15$8$1$${salt}$AAAA`,
  ];
  for (const encoded of malformed) {
    assert.equal(await verifyPassword(password, encoded), false, encoded);
  }
  assert.equal(await verifyPassword(password, undefined as unknown as string), false);
});

test('verifying against nothing is always false', async () => {
  assert.equal(await verifyAgainstNothing(password), false);
  assert.equal(await verifyAgainstNothing(''), false);
});

test('passwordProblem: 12 to 1024 characters, counted as the user sees them', () => {
  assert.match(passwordProblem('')!, /at least 12 characters/);
  assert.match(passwordProblem('a'.repeat(11))!, /at least 12 characters/);
  assert.equal(passwordProblem('a'.repeat(12)), undefined);
  assert.equal(passwordProblem('a'.repeat(1024)), undefined);
  assert.match(passwordProblem('a'.repeat(1025))!, /at most 1024 characters/);
  // Ten letters and an emoji: 12 UTF-16 units but 11 characters.
  assert.match(passwordProblem(`${'a'.repeat(10)}\u{1F600}`)!, /at least 12/);
  assert.equal(passwordProblem(`${'a'.repeat(11)}\u{1F600}`), undefined);
});

test('a problem sentence does not repeat the password', () => {
  const short = 'hunter2';
  assert.ok(!passwordProblem(short)!.includes(short));
});
