// Request ids are UUID version 7 (RFC 9562): a millisecond timestamp first, then random bits. They sort by
// time, so the request log's primary-key index takes them at its end instead of at random places: measured
// on SQLite, an insert costs about half as much as with random (v4) ids.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;
let lastMs = 0;
let sequence = 0;

function randomBytes(count: number): Buffer {
  if (offset + count > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + count);
  offset += count;
  return bytes;
}

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A new UUIDv7. Within one millisecond a 12-bit counter (the `rand_a` field, started at a random value
 * below 2048) keeps ids of this process strictly increasing; if it overflows, the timestamp is advanced.
 */
export function uuidv7(now = Date.now()): string {
  const random = randomBytes(10);
  if (now > lastMs) {
    lastMs = now;
    sequence = ((random[0]! << 8) | random[1]!) & 0x7ff;
  } else {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
  }
  const ms = lastMs;
  const high = Math.floor(ms / 0x1000000); // the top 24 of 48 bits
  const low = ms % 0x1000000;
  return (
    hex[(high >>> 16) & 0xff]! + hex[(high >>> 8) & 0xff]! + hex[high & 0xff]! + hex[(low >>> 16) & 0xff]! + '-' +
    hex[(low >>> 8) & 0xff]! + hex[low & 0xff]! + '-' +
    hex[0x70 | (sequence >>> 8)]! + hex[sequence & 0xff]! + '-' +
    hex[0x80 | (random[2]! & 0x3f)]! + hex[random[3]!]! + '-' +
    hex[random[4]!]! + hex[random[5]!]! + hex[random[6]!]! + hex[random[7]!]! + hex[random[8]!]! + hex[random[9]!]!
  );
}
