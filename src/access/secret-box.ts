// Encryption at rest for provider credentials (AES-256-GCM), key derivation from the one master
// key, and loading that key from the environment, a file, or a generated file in the data directory.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

export type SecretBox = {
  keyId: string;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
};

export type SecretBoxErrorCode = 'wrong_key' | 'malformed' | 'unauthentic';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
  constructor(
    readonly code: SecretBoxErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

function requireKey(masterKey: Buffer, what: string): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== KEY_BYTES) {
    const got = Buffer.isBuffer(masterKey) ? `${masterKey.length} bytes` : typeof masterKey;
    throw new Error(`${what} needs a ${KEY_BYTES}-byte master key; got ${got}.`);
  }
}

export function masterKeyId(masterKey: Buffer): string {
  return createHash('sha256').update(masterKey).digest('hex').slice(0, 8);
}

function decodeSegment(text: string | undefined, expectedBytes?: number): Buffer | undefined {
  if (text === undefined || !/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Only canonical encodings: anything else was not written by seal().
  if (bytes.toString('base64url') !== text) return undefined;
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) return undefined;
  return bytes;
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  requireKey(masterKey, 'The secret box');
  const key = Buffer.from(masterKey);
  const keyId = masterKeyId(key);

  function seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    // The context (which row the value belongs to) is authenticated, so a ciphertext copied
    // into another row fails to open.
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, keyId, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  function open(sealed: string, context: string): string {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    const [version, sealedKeyId, ivText, tagText, ciphertextText] = parts;
    if (parts.length !== 5 || version !== VERSION || !/^[0-9a-f]{8}$/.test(sealedKeyId ?? '')) {
      throw new SecretBoxError('malformed', `The sealed value is not in the ${VERSION}.<keyId>.<iv>.<tag>.<ciphertext> format.`);
    }
    if (sealedKeyId !== keyId) {
      throw new SecretBoxError(
        'wrong_key',
        `The value was sealed under master key ${sealedKeyId}, this gateway has ${keyId}; start it with the master key that sealed the value.`,
      );
    }
    const iv = decodeSegment(ivText, IV_BYTES);
    const tag = decodeSegment(tagText, TAG_BYTES);
    const ciphertext = decodeSegment(ciphertextText);
    if (!iv || !tag || !ciphertext) {
      throw new SecretBoxError('malformed', 'The sealed value has an invalid IV, tag or ciphertext segment.');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'unauthentic',
        'The sealed value failed authentication: it was altered, or it belongs to a different record.',
      );
    }
  }

  return { keyId, seal, open };
}

export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  requireKey(masterKey, 'Key derivation');
  if (typeof purpose !== 'string' || purpose.length === 0) throw new Error('Key derivation needs a purpose.');
  // No salt: the master key is already uniformly random, and `purpose` separates the outputs.
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), purpose, KEY_BYTES));
}

export type MasterKeyOptions = { value?: string; file?: string; dataDir: string; generateIfMissing: boolean };
export type LoadedMasterKey = { key: Buffer; source: 'env' | 'file' | 'generated'; path?: string };

const ENV_VALUE = 'SWITCHYARD_MASTER_KEY';
const ENV_FILE = 'SWITCHYARD_MASTER_KEY_FILE';
const EXPECTED = `${KEY_BYTES} random bytes written as 64 hex characters or 43–44 base64/base64url characters (generate one with \`openssl rand -hex 32\`)`;

// Returns a reason when the text is not a usable key; the reason never quotes the text.
function parseKey(text: string): Buffer | string {
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    key = Buffer.from(text.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
  }
  if (!key || key.length !== KEY_BYTES) return `it is not ${EXPECTED} (got ${text.length} characters)`;
  // A run of one byte (all zeros, all "a") is a placeholder someone forgot to replace.
  if (key.every((byte) => byte === key[0])) return `it repeats a single byte; use ${EXPECTED}`;
  return key;
}

function keyFromText(text: string, source: string): Buffer {
  const parsed = parseKey(text.trim());
  if (typeof parsed === 'string') throw new MasterKeyError(`The master key from ${source} is unusable: ${parsed}.`);
  return parsed;
}

function readKeyFile(path: string, source: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new MasterKeyError(`Cannot read the master key from ${source} (${code}).`);
  }
  return keyFromText(text, source);
}

function isAlreadyExists(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

// Write to a private temporary file, then hard-link it into place: the link fails if the file
// exists, so two gateways starting together agree on one key, and no reader sees a partial file.
function createKeyFile(path: string): Buffer | undefined {
  const key = randomBytes(KEY_BYTES);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
    return key;
  } catch (error) {
    if (isAlreadyExists(error)) return undefined;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

export function loadMasterKey(options: MasterKeyOptions): LoadedMasterKey {
  // An empty variable (as container tooling passes for an unset one) counts as not set.
  const value = options.value === '' ? undefined : options.value;
  const file = options.file === '' ? undefined : options.file;
  if (value !== undefined && file !== undefined) {
    throw new MasterKeyError(`Set ${ENV_VALUE} or ${ENV_FILE}, not both.`);
  }
  if (value !== undefined) return { key: keyFromText(value, ENV_VALUE), source: 'env' };
  if (file !== undefined) return { key: readKeyFile(file, `${ENV_FILE} (${file})`), source: 'file', path: file };
  if (!options.generateIfMissing) {
    throw new MasterKeyError(
      `No master key: set ${ENV_VALUE}, or ${ENV_FILE} to the path of a file holding the key. The key is ${EXPECTED}.`,
    );
  }
  const path = join(options.dataDir, 'master.key');
  if (existsSync(path)) return { key: readKeyFile(path, path), source: 'file', path };
  try {
    mkdirSync(options.dataDir, { recursive: true });
    const created = createKeyFile(path);
    if (created) return { key: created, source: 'generated', path };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new MasterKeyError(`Cannot create the master key file ${path} (${code}); set ${ENV_VALUE} or ${ENV_FILE} instead.`);
  }
  // Another process created it between our check and our link.
  return { key: readKeyFile(path, path), source: 'file', path };
}
