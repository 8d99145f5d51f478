// Turns a request's credential into a Principal and checks it against the route's scope and domain.
// API keys are looked up by the SHA-256 of the secret (a unique index), confirmed in constant time, and
// cached for a few seconds so the hot path does no database work; revoking or rotating a key through
// this gateway clears the cache at once, other replicas notice within `cacheTtlMs`.
import type { IncomingHttpHeaders } from 'node:http';
import { hashApiKeySecret, looksLikeApiKeySecret, sameHash } from '../access/api-key-secret.js';
import type { Principal } from '../access/principal.js';
import { grantsDomain, scopeAtLeast, type Domain, type Scope } from '../access/scopes.js';
import { looksLikeJwt, TokenError, type TokenIssuer } from '../access/tokens.js';
import { GatewayError } from '../core/errors.js';
import { keyLimits } from '../limits/plans.js';
import type { Authorizer, Exchange, RouteAccess } from '../http/server.js';
import type { AccessStore, ApiKeyRecord, User } from '../store/types.js';
import type { MinuteWindow } from '../limits/minute-window.js';

export type AuthenticatorOptions = {
  store: AccessStore;
  tokens: TokenIssuer;
  /** Keyed hash of a provider key (BYOK), for metering and limits. */
  hashProviderKey: (providerKey: string) => string;
  /** Present when the operator allows the provider key alone as the credential on BYOK-capable routes. */
  anonymousByok?: MinuteWindow;
  cacheTtlMs?: number;
  now?: () => number;
};

export type Authenticator = {
  authorize: Authorizer;
  /** Forgets cached keys and users, e.g. after a revocation or a role change. */
  forgetAll(): void;
};

/** The header a caller uses to bring a provider's own key alongside a gateway credential. */
export const providerKeyHeader = 'x-provider-key';

type CachedKey = { record: ApiKeyRecord | undefined; principal: Principal | undefined; fetchedAt: number };
type CachedUser = { user: User | undefined; fetchedAt: number };

const maxCachedEntries = 10_000;
/** Writes of `last_used_at` per key are spaced at least this far apart (the store coalesces too). */
const touchIntervalMs = 60_000;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { store, tokens } = options;
  const ttl = options.cacheTtlMs ?? 15_000;
  const now = options.now ?? Date.now;
  const keys = new Map<string, CachedKey>();
  const keyLookups = new Map<string, Promise<CachedKey>>();
  const users = new Map<string, CachedUser>();
  const touchedAt = new Map<string, number>();

  async function lookUpKey(hash: string): Promise<CachedKey> {
    let pending = keyLookups.get(hash);
    if (pending === undefined) {
      pending = store
        .findApiKeyByHash(hash)
        .then((found) => {
          const record = found !== undefined && sameHash(found.secretHash, hash) ? found : undefined;
          const entry: CachedKey = { record, principal: record && keyPrincipal(record), fetchedAt: now() };
          remember(keys, hash, entry);
          return entry;
        })
        .finally(() => keyLookups.delete(hash));
      keyLookups.set(hash, pending);
    }
    return pending;
  }

  function fromKey(entry: CachedKey, access: Access, exchange: Exchange): Principal {
    const { record, principal } = entry;
    if (record === undefined || principal === undefined) {
      throw unauthenticated('The API key is not valid.', 'invalid_api_key');
    }
    const at = now();
    if (record.revokedAt !== null && record.revokedAt.getTime() <= at) {
      throw unauthenticated(`This API key was revoked on ${record.revokedAt.toISOString()}.`, 'api_key_revoked');
    }
    if (record.expiresAt !== null && record.expiresAt.getTime() <= at) {
      throw unauthenticated(`This API key expired on ${record.expiresAt.toISOString()}.`, 'api_key_expired');
    }
    if ((touchedAt.get(record.id) ?? 0) + touchIntervalMs <= at) {
      touchedAt.set(record.id, at);
      void store.touchApiKey(record.id, new Date(at)).catch(() => undefined);
    }
    check(principal, access);
    return withProviderKey(principal, access, exchange.request.headers);
  }

  async function fromToken(token: string, access: Access, exchange: Exchange): Promise<Principal> {
    let claims;
    try {
      claims = await tokens.verify(token);
    } catch (error) {
      if (error instanceof TokenError) {
        throw unauthenticated(error.message, error.reason === 'expired' ? 'token_expired' : 'invalid_token');
      }
      throw error;
    }
    const user = await loadUser(claims.organizationId, claims.userId);
    if (user === undefined || user.disabledAt !== null) {
      throw unauthenticated('The user this token was issued to no longer exists or is disabled.', 'invalid_token');
    }
    // The user's current role, not the one at issue time: a demotion takes effect at once.
    const principal: Principal = {
      kind: 'token',
      organizationId: user.organizationId,
      scope: user.role,
      domains: '*',
      apiKeyId: null,
      userId: user.id,
      label: `the token of user ${user.email}`,
    };
    check(principal, access);
    return withProviderKey(principal, access, exchange.request.headers);
  }

  async function loadUser(organizationId: string, id: string): Promise<User | undefined> {
    const cached = users.get(id);
    if (cached !== undefined && now() - cached.fetchedAt < ttl) return cached.user;
    const user = await store.getUser(organizationId, id);
    remember(users, id, { user, fetchedAt: now() });
    return user;
  }

  function withProviderKey(principal: Principal, access: Access, headers: IncomingHttpHeaders): Principal {
    if (access.byok !== true) return principal;
    const providerKey = headers[providerKeyHeader];
    if (typeof providerKey !== 'string' || providerKey === '') return principal;
    return { ...principal, providerKey, providerKeyHash: options.hashProviderKey(providerKey) };
  }

  async function anonymous(providerKey: string): Promise<Principal> {
    const hash = options.hashProviderKey(providerKey);
    const verdict = await options.anonymousByok!.take(hash, now());
    if (!verdict.allowed) {
      throw new GatewayError('rate_limited', `Too many requests with this provider key; retry in ${verdict.retryAfterSeconds} s.`, {
        retryAfter: verdict.retryAfterSeconds,
        publicCode: 'rate_limit_exceeded',
      });
    }
    return {
      kind: 'byok',
      organizationId: null,
      scope: 'generator',
      domains: ['models'],
      apiKeyId: null,
      userId: null,
      label: 'an anonymous provider key',
      providerKey,
      providerKeyHash: hash,
    };
  }

  const authorize: Authorizer = (exchange, access) => {
    const credential = readCredential(exchange.request.headers, exchange.request.url);
    if (credential === undefined) {
      throw unauthenticated(
        "Missing credentials. Send a Switchyard API key as 'Authorization: Bearer <key>', or a token from POST /api/token.",
        'missing_api_key',
      );
    }
    if (looksLikeApiKeySecret(credential)) {
      const hash = hashApiKeySecret(credential);
      const cached = keys.get(hash);
      if (cached !== undefined && now() - cached.fetchedAt < ttl) return fromKey(cached, access, exchange);
      return lookUpKey(hash).then((entry) => fromKey(entry, access, exchange));
    }
    if (looksLikeJwt(credential)) return fromToken(credential, access, exchange);
    if (access.byok === true && options.anonymousByok !== undefined) {
      return anonymous(credential).then((principal) => {
        check(principal, access);
        return principal;
      });
    }
    throw unauthenticated(
      'The credential is not a Switchyard API key or token. To use your own provider key, send a Switchyard key in ' +
        `Authorization and the provider key in the ${displayHeader} header.`,
      'invalid_api_key',
    );
  };

  return {
    authorize,
    forgetAll() {
      keys.clear();
      users.clear();
    },
  };
}

type Access = Exclude<RouteAccess, 'public'>;

const displayHeader = 'X-Provider-Key';

/** `Authorization: Bearer …` first; `x-api-key` and `x-goog-api-key` for SDKs that put keys there; then `?key=`. */
function readCredential(headers: IncomingHttpHeaders, url: string | undefined): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const space = authorization.indexOf(' ');
    if (space > 0 && authorization.slice(0, space).toLowerCase() === 'bearer') {
      const token = authorization.slice(space + 1).trim();
      if (token !== '') return token;
    }
  }
  for (const name of ['x-api-key', 'x-goog-api-key'] as const) {
    const apiKey = headers[name];
    if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  }
  // Google's REST examples put the key in the query string (`?key=`); the pass-through never forwards it.
  const question = url?.indexOf('?') ?? -1;
  if (question === -1) return undefined;
  const key = new URLSearchParams(url!.slice(question + 1)).get('key');
  return key === null || key === '' ? undefined : key;
}

function keyPrincipal(record: ApiKeyRecord): Principal {
  return {
    kind: 'api_key',
    organizationId: record.organizationId,
    scope: record.scope,
    domains: record.domains,
    apiKeyId: record.id,
    userId: null,
    label: `API key '${record.name}' (${record.prefix}…${record.lastFour})`,
    ...(record.limits === null ? {} : { limits: keyLimits(record.limits) }),
    ...(record.plan === null ? {} : { plan: record.plan }),
  };
}

/** Throws a 403 naming the scope or the domain that is missing. */
export function check(principal: Principal, access: { scope: Scope; domain: Domain | null }): void {
  if (!scopeAtLeast(principal.scope, access.scope)) {
    throw new GatewayError(
      'forbidden',
      `This endpoint requires scope '${access.scope}' or higher; ${principal.label} has scope '${principal.scope}'.`,
      { publicCode: 'insufficient_scope', details: { required_scope: access.scope, scope: principal.scope } },
    );
  }
  if (access.domain !== null && !grantsDomain(principal.domains, access.domain)) {
    const reach = principal.domains === '*' ? 'every domain' : principal.domains.join(', ') || 'no domain';
    throw new GatewayError(
      'forbidden',
      `This endpoint belongs to the '${access.domain}' domain; ${principal.label} may reach only: ${reach}.`,
      { publicCode: 'domain_not_allowed', details: { required_domain: access.domain, domains: principal.domains } },
    );
  }
}

function unauthenticated(message: string, code: string): GatewayError {
  return new GatewayError('unauthenticated', message, { publicCode: code });
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= maxCachedEntries && !map.has(key)) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
