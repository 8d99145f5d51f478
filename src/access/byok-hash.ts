// Anonymous bring-your-own-key traffic is metered and limited per provider key without storing
// that key: a keyed hash identifies it, and without the gateway's key the digest cannot be
// tested against guessed or leaked provider keys.
import { createHmac } from 'node:crypto';

const MIN_KEY_BYTES = 32;
const DIGEST_HEX_CHARS = 32;

export function createByokHasher(key: Buffer): (providerKey: string) => string {
  if (!Buffer.isBuffer(key) || key.length < MIN_KEY_BYTES) {
    throw new Error(`The bring-your-own-key hasher needs a key of at least ${MIN_KEY_BYTES} bytes.`);
  }
  const ownKey = Buffer.from(key);
  return (providerKey) => createHmac('sha256', ownKey).update(providerKey, 'utf8').digest('hex').slice(0, DIGEST_HEX_CHARS);
}
