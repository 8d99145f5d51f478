// Password hashing with scrypt. The encoding names its own parameters so they can be raised
// later without invalidating stored hashes: scrypt$<log2N>$<r>$<p>$<salt>$<hash>.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const LOG2_N = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds for parameters read back from an encoding: a corrupted or hostile row must not make
// one verification allocate gigabytes or spin for minutes.
const MAX_LOG2_N = 20;
const MIN_LOG2_N = 10;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELISM = 16;

const MIN_LENGTH = 12;
const MAX_LENGTH = 1024;

// A login for an unknown account derives against this fixed salt with today's parameters, so
// it costs what a wrong password costs. The target is arbitrary: the answer is false regardless.
const DUMMY_SALT = Buffer.from('switchyard-dummy');
const DUMMY_HASH = Buffer.alloc(KEY_BYTES);

const base64url = /^[A-Za-z0-9_-]+$/;

// Unicode passwords typed on different keyboards or platforms can arrive in different
// normal forms; NFKC makes them compare equal.
function normalize(password: string): string {
  return password.normalize('NFKC');
}

function derive(password: string, salt: Buffer, keyLength: number, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  // scrypt needs 128 * N * r bytes; Node's default ceiling (32 MiB) is exactly that for
  // today's parameters and rejects it, so leave headroom.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(normalize(password), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, LOG2_N, BLOCK_SIZE, PARALLELISM);
  return ['scrypt', LOG2_N, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

type Parsed = { log2N: number; r: number; p: number; salt: Buffer; hash: Buffer };

function parseInteger(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^[0-9]{1,3}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

function parseBytes(text: string | undefined, min: number, max: number): Buffer | undefined {
  if (text === undefined || !base64url.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length >= min && bytes.length <= max ? bytes : undefined;
}

function parseEncoded(encoded: string): Parsed | undefined {
  if (typeof encoded !== 'string' || encoded.length > 512) return undefined;
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const log2N = parseInteger(parts[1], MIN_LOG2_N, MAX_LOG2_N);
  const r = parseInteger(parts[2], 1, MAX_BLOCK_SIZE);
  const p = parseInteger(parts[3], 1, MAX_PARALLELISM);
  const salt = parseBytes(parts[4], 8, 64);
  const hash = parseBytes(parts[5], 16, 64);
  if (log2N === undefined || r === undefined || p === undefined || !salt || !hash) return undefined;
  return { log2N, r, p, salt, hash };
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseEncoded(encoded);
  if (!parsed || typeof password !== 'string') return false;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed.log2N, parsed.r, parsed.p);
  return timingSafeEqual(candidate, parsed.hash);
}

export async function verifyAgainstNothing(password: string): Promise<false> {
  const candidate = await derive(typeof password === 'string' ? password : '', DUMMY_SALT, KEY_BYTES, LOG2_N, BLOCK_SIZE, PARALLELISM);
  timingSafeEqual(candidate, DUMMY_HASH);
  return false;
}

export function passwordProblem(password: string): string | undefined {
  // Count code points, not UTF-16 units, so an emoji is one character as the user sees it.
  const length = [...password].length;
  if (length < MIN_LENGTH) return `The password must be at least ${MIN_LENGTH} characters long.`;
  if (length > MAX_LENGTH) return `The password must be at most ${MAX_LENGTH} characters long.`;
  return undefined;
}
