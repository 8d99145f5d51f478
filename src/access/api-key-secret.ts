// API key secrets: `sy_` + 40 base62 characters (40 × log2(62) ≈ 238 bits). Keys are random
// and high-entropy, so a fast SHA-256 stores them safely; a slow hash would only slow every request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sy_';
const BODY_LENGTH = 40;
const DISPLAY_PREFIX_LENGTH = 8;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// The largest multiple of 62 below 256: bytes at or above it are discarded so that
// `byte % 62` is uniform.
const ACCEPT_BELOW = 256 - (256 % ALPHABET.length);

const shape = new RegExp(`^${PREFIX}[0-9A-Za-z]{${BODY_LENGTH}}$`);

export type GeneratedApiKeySecret = { secret: string; prefix: string; lastFour: string; hash: string };

export function randomBase62(length: number, random: (size: number) => Buffer = randomBytes): string {
  let text = '';
  while (text.length < length) {
    // About 3% of bytes are rejected; asking for a few extra usually finishes in one round.
    for (const byte of random(length - text.length + 8)) {
      if (byte >= ACCEPT_BELOW) continue;
      text += ALPHABET[byte % ALPHABET.length];
      if (text.length === length) break;
    }
  }
  return text;
}

export function generateApiKeySecret(): GeneratedApiKeySecret {
  const secret = PREFIX + randomBase62(BODY_LENGTH);
  return {
    secret,
    prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
    lastFour: secret.slice(-4),
    hash: hashApiKeySecret(secret),
  };
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  // Lengths are public (every digest has the same one); only the contents need a constant-time compare.
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false;
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function looksLikeApiKeySecret(token: string): boolean {
  return typeof token === 'string' && shape.test(token);
}
