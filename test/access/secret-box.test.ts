import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MasterKeyError,
  SecretBoxError,
  createSecretBox,
  deriveKey,
  loadMasterKey,
  type SecretBoxErrorCode,
} from '../../src/access/secret-box.js';

const masterKey = randomBytes(32);
const plaintext = 'sk-proj-very-secret-provider-key';
const context = 'org_1:cred_1';

function rejects(run: () => unknown, code: SecretBoxErrorCode, secrets: string[] = [plaintext, masterKey.toString('hex')]) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SecretBoxError, String(error));
    assert.equal(error.code, code);
    for (const secret of [...secrets, masterKey.toString('base64'), masterKey.toString('base64url')]) {
      assert.ok(!error.message.includes(secret), `message leaks a secret: ${error.message}`);
    }
    return true;
  });
}

// Flips one bit in the decoded bytes of one dot-separated segment.
function flip(sealed: string, segment: number, byte = 0): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[segment]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 1;
  parts[segment] = bytes.toString('base64url');
  return parts.join('.');
}

test('seal and open round-trip, in the documented format', () => {
  const box = createSecretBox(masterKey);
  assert.equal(box.keyId, createHash('sha256').update(masterKey).digest('hex').slice(0, 8));
  for (const text of [plaintext, '', 'ünïcödé ✓ 🔑', 'x'.repeat(10_000)]) {
    const sealed = box.seal(text, context);
    assert.match(sealed, /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
    assert.equal(sealed.split('.')[1], box.keyId);
    assert.ok(text === '' || !sealed.includes(text));
    assert.equal(box.open(sealed, context), text);
  }
});

test('every seal uses a fresh IV', () => {
  const box = createSecretBox(masterKey);
  const sealed = Array.from({ length: 50 }, () => box.seal(plaintext, context));
  assert.equal(new Set(sealed.map((value) => value.split('.')[2])).size, sealed.length);
  assert.equal(new Set(sealed).size, sealed.length);
});

test('a flipped bit in the ciphertext, tag or IV fails authentication', () => {
  const box = createSecretBox(masterKey);
  const sealed = box.seal(plaintext, context);
  rejects(() => box.open(flip(sealed, 4), context), 'unauthentic');
  rejects(() => box.open(flip(sealed, 4, 20), context), 'unauthentic');
  rejects(() => box.open(flip(sealed, 3), context), 'unauthentic');
  rejects(() => box.open(flip(sealed, 3, 15), context), 'unauthentic');
  rejects(() => box.open(flip(sealed, 2), context), 'unauthentic');
  rejects(() => box.open(flip(sealed, 2, 11), context), 'unauthentic');
  // The untouched value still opens: the failures above come from the flips.
  assert.equal(box.open(sealed, context), plaintext);
});

test('a value moved to another record does not open', () => {
  const box = createSecretBox(masterKey);
  const sealed = box.seal(plaintext, context);
  rejects(() => box.open(sealed, 'org_1:cred_2'), 'unauthentic');
  rejects(() => box.open(sealed, 'org_2:cred_1'), 'unauthentic');
  rejects(() => box.open(sealed, ''), 'unauthentic');
});

test('another master key is named, not tried', () => {
  const other = createSecretBox(randomBytes(32));
  const sealed = createSecretBox(masterKey).seal(plaintext, context);
  assert.throws(
    () => other.open(sealed, context),
    (error: unknown) =>
      error instanceof SecretBoxError &&
      error.code === 'wrong_key' &&
      error.message.includes(`sealed under master key ${sealed.split('.')[1]}, this gateway has ${other.keyId}`),
  );
  rejects(() => other.open(sealed, context), 'wrong_key');
});

test('a keyId rewritten to match does not help a value sealed under another key', () => {
  const box = createSecretBox(masterKey);
  const foreign = createSecretBox(randomBytes(32)).seal(plaintext, context).split('.');
  foreign[1] = box.keyId;
  rejects(() => box.open(foreign.join('.'), context), 'unauthentic');
});

test('malformed sealed values are refused with SecretBoxError', () => {
  const box = createSecretBox(masterKey);
  const sealed = box.seal(plaintext, context);
  const [, keyId, iv, tag, ciphertext] = sealed.split('.');
  const malformed = [
    '',
    plaintext,
    sealed.replace(/^v1\./, 'v2.'),
    `v1.${keyId}.${iv}.${tag}`,
    `${sealed}.extra`,
    `v1.ABCDEF01.${iv}.${tag}.${ciphertext}`,
    `v1.zzzzzzzz.${iv}.${tag}.${ciphertext}`,
    `v1.${keyId}.${iv!.slice(2)}.${tag}.${ciphertext}`,
    // A truncated tag would weaken authentication; it must not be accepted.
    `v1.${keyId}.${iv}.${Buffer.from(tag!, 'base64url').subarray(0, 12).toString('base64url')}.${ciphertext}`,
    `v1.${keyId}.${iv}.${tag}.${ciphertext}==`,
    `v1.${keyId}.${iv}.${tag}.${ciphertext!.slice(0, -1)}+`,
  ];
  for (const value of malformed) rejects(() => box.open(value, context), 'malformed');
  rejects(() => box.open(undefined as unknown as string, context), 'malformed');
});

test('the master key must be 32 bytes', () => {
  assert.throws(() => createSecretBox(randomBytes(16)), /32-byte master key; got 16 bytes/);
  assert.throws(() => createSecretBox(randomBytes(33)), /32-byte/);
  assert.throws(() => createSecretBox('a'.repeat(32) as unknown as Buffer), /32-byte/);
});

test('the box keeps its own copy of the key', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);
  const sealed = box.seal(plaintext, context);
  key.fill(0);
  assert.equal(box.open(sealed, context), plaintext);
});

test('deriveKey is HKDF-SHA256 with the purpose as info', () => {
  const jwt = deriveKey(masterKey, 'jwt-signing');
  assert.equal(jwt.length, 32);
  assert.deepEqual(deriveKey(masterKey, 'jwt-signing'), jwt);
  assert.notDeepEqual(deriveKey(masterKey, 'byok-hash'), jwt);
  assert.notDeepEqual(deriveKey(randomBytes(32), 'jwt-signing'), jwt);
  assert.notDeepEqual(jwt, masterKey);
  // RFC 5869 by hand: extract with an all-zero salt, then one expand block.
  const pseudoRandomKey = createHmac('sha256', Buffer.alloc(32)).update(masterKey).digest();
  const expected = createHmac('sha256', pseudoRandomKey).update(Buffer.concat([Buffer.from('jwt-signing'), Buffer.from([1])])).digest();
  assert.deepEqual(jwt, expected);
  assert.throws(() => deriveKey(masterKey, ''), /purpose/);
  assert.throws(() => deriveKey(randomBytes(8), 'x'), /32-byte/);
});

function withDirectory(run: (directory: string) => void) {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-master-key-'));
  try {
    run(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

test('a master key from the environment: hex, base64 or base64url', () => {
  const key = randomBytes(32);
  const dataDir = '/nonexistent';
  for (const value of [
    key.toString('hex'),
    key.toString('hex').toUpperCase(),
    key.toString('base64'),
    key.toString('base64').replace(/=$/, ''),
    key.toString('base64url'),
    `  ${key.toString('hex')}\n`,
  ]) {
    const loaded = loadMasterKey({ value, dataDir, generateIfMissing: true });
    assert.equal(loaded.source, 'env');
    assert.deepEqual(loaded.key, key, value);
    assert.equal(loaded.path, undefined);
  }
});

function rejectsKey(options: Parameters<typeof loadMasterKey>[0], pattern: RegExp, secret?: string) {
  assert.throws(
    () => loadMasterKey(options),
    (error: unknown) => {
      assert.ok(error instanceof MasterKeyError, String(error));
      assert.match(error.message, pattern);
      if (secret) assert.ok(!error.message.includes(secret.trim()), `message leaks the value: ${error.message}`);
      return true;
    },
  );
}

test('bad values are refused, naming the source and the format but never the value', () => {
  const hex = randomBytes(32).toString('hex');
  const bad = [
    'changeme-please-changeme-please!',
    hex.slice(0, 63),
    `${hex}0`,
    `${hex.slice(0, 63)}g`,
    randomBytes(31).toString('base64'),
    randomBytes(33).toString('base64url'),
    `${randomBytes(32).toString('base64url')}==`,
    '0'.repeat(64),
    'a'.repeat(64),
  ];
  for (const value of bad) {
    rejectsKey({ value, dataDir: '/nonexistent', generateIfMissing: true }, /SWITCHYARD_MASTER_KEY.*64 hex characters.*openssl rand -hex 32/s, value);
  }
});

test('a master key from a file', () => {
  withDirectory((directory) => {
    const key = randomBytes(32);
    const file = join(directory, 'key');
    writeFileSync(file, `${key.toString('base64')}\n`);
    const loaded = loadMasterKey({ file, dataDir: directory, generateIfMissing: false });
    assert.deepEqual(loaded, { key, source: 'file', path: file });

    const wrong = join(directory, 'wrong');
    const secret = randomBytes(20).toString('hex');
    writeFileSync(wrong, secret);
    rejectsKey({ file: wrong, dataDir: directory, generateIfMissing: true }, new RegExp(`${wrong}.*64 hex characters`), secret);
    rejectsKey({ file: join(directory, 'missing'), dataDir: directory, generateIfMissing: true }, /missing.*ENOENT/);
  });
});

test('a value and a file together are ambiguous', () => {
  rejectsKey(
    { value: randomBytes(32).toString('hex'), file: '/etc/hostname', dataDir: '/nonexistent', generateIfMissing: true },
    /not both/,
  );
});

test('without a key and without generation, the error says how to provide one', () => {
  withDirectory((directory) => {
    rejectsKey({ dataDir: directory, generateIfMissing: false }, /SWITCHYARD_MASTER_KEY\b.*SWITCHYARD_MASTER_KEY_FILE.*openssl rand -hex 32/s);
    rejectsKey({ value: '', file: '', dataDir: directory, generateIfMissing: false }, /openssl rand -hex 32/);
    assert.equal(existsSync(join(directory, 'master.key')), false);
  });
});

test('a generated key file is private and reused on the next start', () => {
  withDirectory((directory) => {
    const dataDir = join(directory, 'data', 'nested');
    const path = join(dataDir, 'master.key');
    const first = loadMasterKey({ dataDir, generateIfMissing: true });
    assert.equal(first.source, 'generated');
    assert.equal(first.path, path);
    assert.equal(first.key.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(path, 'utf8'), `${first.key.toString('hex')}\n`);
    assert.deepEqual(readdirSync(dataDir), ['master.key']);

    const second = loadMasterKey({ value: '', dataDir, generateIfMissing: true });
    assert.equal(second.source, 'file');
    assert.equal(second.path, path);
    assert.deepEqual(second.key, first.key);

    writeFileSync(path, 'garbage');
    rejectsKey({ dataDir, generateIfMissing: true }, new RegExp(`${path}.*64 hex characters`));
  });
});
