// Webhook signatures, in Stripe's scheme: HMAC-SHA256 over `${timestamp}.${rawBody}`, keyed with the whole
// secret string (UTF-8), sent as `Switchyard-Timestamp: <unix seconds>` and
// `Switchyard-Signature: v1=<hex>[,v1=<hex>]`. During a secret rotation a delivery carries one signature per
// active secret, the current one first, so a receiver holding either secret accepts it.
// Receivers verify with `verifySignature` or the node:crypto snippet in docs/webhooks.md.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'switchyard-timestamp';
export const SIGNATURE_HEADER = 'switchyard-signature';
export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureHeaders = { 'switchyard-timestamp': string; 'switchyard-signature': string };

/** Node's IncomingMessage headers, a plain record, or a fetch `Headers`. */
export type HeaderSource = Record<string, string | string[] | undefined> | { get(name: string): string | null };

export type VerifyOptions = {
  toleranceSeconds?: number;
  /** The receiver's clock, in unix seconds (default: now). */
  now?: number;
};

export type SecretRecord = { current: string; previous?: string | null; previousExpiresAt?: Date | null };

export function signDelivery(
  rawBody: string | Buffer,
  secrets: readonly string[],
  timestamp: number = Math.floor(Date.now() / 1000),
): SignatureHeaders {
  if (secrets.length === 0) throw new TypeError('signDelivery needs at least one secret');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError('timestamp must be whole unix seconds');
  const signatures = secrets.map((secret) => `${SIGNATURE_SCHEME}=${hmac(secret, timestamp, rawBody).toString('hex')}`);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signatures.join(',') };
}

/** True when one `v1` signature matches `secret` and the timestamp is within the tolerance either way. */
export function verifySignature(rawBody: string | Buffer, headers: HeaderSource, secret: string, options: VerifyOptions = {}): boolean {
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const timestamp = parseTimestamp(readHeader(headers, TIMESTAMP_HEADER));
  const signatures = parseSignatures(readHeader(headers, SIGNATURE_HEADER));
  if (timestamp === null || signatures === null) return false;
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = hmac(secret, timestamp, rawBody);
  // Every candidate is compared, so the time taken does not tell which one matched.
  let matched = false;
  for (const signature of signatures) if (timingSafeEqual(signature, expected)) matched = true;
  return matched;
}

/** A new secret: `whsec_` and 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * The secrets to sign with at `now`: the current one, then the previous one until its grace period ends.
 * A previous secret without an end date is not used, so a rotation never leaves an old secret valid forever.
 */
export function activeSecrets(record: SecretRecord, now: Date): string[] {
  const secrets = [record.current];
  const { previous, previousExpiresAt } = record;
  if (previous && previous !== record.current && previousExpiresAt && now.getTime() < previousExpiresAt.getTime()) {
    secrets.push(previous);
  }
  return secrets;
}

function hmac(secret: string, timestamp: number, rawBody: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  // A repeated header is ambiguous: refuse rather than guess which copy was signed.
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

function parseTimestamp(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,12}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** The `v1` signatures as 32-byte buffers; null when the header is missing, malformed or has none. */
function parseSignatures(value: string | undefined): Buffer[] | null {
  if (value === undefined) return null;
  const signatures: Buffer[] = [];
  for (const part of value.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return null;
    const scheme = part.slice(0, separator).trim();
    const signature = part.slice(separator + 1).trim();
    // Other schemes are skipped, so a receiver keeps working when a later scheme is added alongside v1.
    if (scheme !== SIGNATURE_SCHEME) continue;
    if (!/^[0-9a-f]{64}$/i.test(signature)) return null;
    signatures.push(Buffer.from(signature, 'hex'));
  }
  return signatures.length > 0 ? signatures : null;
}
