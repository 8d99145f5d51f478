// Short-lived session tokens: HS256 JWTs signed with a key derived from the master key.
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import { isScope, type Scope } from './scopes.js';

const ALGORITHM = 'HS256';
const AUDIENCE = 'switchyard';
const DEFAULT_ISSUER = 'switchyard';
const CLOCK_TOLERANCE_SECONDS = 5;
const MIN_KEY_BYTES = 32;
const MAX_TOKEN_LENGTH = 8192;

export type TokenClaims = {
  userId: string;
  organizationId: string;
  role: Scope;
  tokenId: string;
  issuedAt: Date;
  expiresAt: Date;
};

export type TokenIssuer = {
  issue(claims: { userId: string; organizationId: string; role: Scope }): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string): Promise<TokenClaims>;
};

export type TokenIssuerOptions = { key: Uint8Array; ttlSeconds: number; issuer?: string; now?: () => number };

export type TokenErrorReason = 'expired' | 'invalid';

const messages: Record<TokenErrorReason, string> = {
  expired: 'The token has expired; request a new one from POST /api/token.',
  invalid: 'The token is not valid.',
};

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly reason: TokenErrorReason,
    // What exactly failed, for logs; the client sees only the message.
    readonly detail?: string,
  ) {
    super(messages[reason]);
  }
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256;
}

export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  if (!(options.key instanceof Uint8Array) || options.key.length < MIN_KEY_BYTES) {
    throw new Error(`The token signing key must be at least ${MIN_KEY_BYTES} bytes.`);
  }
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new Error('The token lifetime must be a positive whole number of seconds.');
  }
  const key = new Uint8Array(options.key);
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const now = options.now ?? Date.now;
  const ttlSeconds = options.ttlSeconds;

  async function issue(claims: { userId: string; organizationId: string; role: Scope }) {
    if (!nonEmptyString(claims.userId) || !nonEmptyString(claims.organizationId) || !isScope(claims.role)) {
      throw new Error('A token needs a user id, an organization id and a role.');
    }
    const issuedAt = Math.floor(now() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = await new SignJWT({ org: claims.organizationId, role: claims.role })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  async function verify(token: string): Promise<TokenClaims> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new TokenError('invalid', 'not a string or too long');
    const currentMs = now();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        // Pinned: a token naming `none` or any other algorithm is refused before its signature is read.
        algorithms: [ALGORITHM],
        issuer,
        audience: AUDIENCE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(currentMs),
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch (error) {
      // jose checks the signature before the claims, so "expired" is only said of a genuine token.
      if (error instanceof errors.JWTExpired) throw new TokenError('expired', error.message);
      throw new TokenError('invalid', error instanceof Error ? error.message : String(error));
    }
    const { sub, org, role, jti, iat, exp } = payload;
    if (!nonEmptyString(sub) || !nonEmptyString(org) || !nonEmptyString(jti)) throw new TokenError('invalid', 'claim shapes');
    if (!isScope(role)) throw new TokenError('invalid', 'role is not a scope');
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat) throw new TokenError('invalid', 'iat/exp');
    // jose checks "iat" against the clock only with maxTokenAge; a token from the future is not ours.
    if (iat > currentMs / 1000 + CLOCK_TOLERANCE_SECONDS) throw new TokenError('invalid', 'issued in the future');
    return {
      userId: sub,
      organizationId: org,
      role,
      tokenId: jti,
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date(exp * 1000),
    };
  }

  return { issue, verify };
}

const segment = /^[A-Za-z0-9_-]+$/;

export function looksLikeJwt(token: string): boolean {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return false;
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const [header, payload, signature] = parts as [string, string, string];
  // An empty signature (alg "none") still looks like a JWT, so it is refused as one rather than
  // being mistaken for some other kind of credential.
  if (!segment.test(header) || !segment.test(payload) || (signature !== '' && !segment.test(signature))) return false;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && typeof (decoded as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}
