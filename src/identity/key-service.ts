// API keys: create, list, revoke, rotate, under the rules of scope and domain. The same operations serve
// /api/keys (the dashboard) and /v2/organizations/:orgId/api-keys (admin provisioning).
import { z } from 'zod';
import { generateApiKeySecret } from '../access/api-key-secret.js';
import type { Principal } from '../access/principal.js';
import { domains, grantWithin, scopeAtLeast, scopes, type DomainGrant } from '../access/scopes.js';
import { GatewayError } from '../core/errors.js';
import { limitFields } from '../limits/plans.js';
import type { ApiKeyRecord } from '../store/types.js';
import { auditEntry, type Origin } from './audit.js';
import type { IdentityDeps } from './identity-deps.js';
import { newId } from './ids.js';

/** Limits a key may carry for the metering layer (limits/plans.ts); all non-negative integers. */
export const keyLimitNames = Object.keys(limitFields);

const domainGrantSchema = z
  .union([z.literal('*'), z.array(z.union([z.enum(domains), z.literal('*')])).min(1, 'must name at least one domain')])
  .transform((value): DomainGrant => (value === '*' || value.includes('*') ? '*' : [...new Set(value as (typeof domains)[number][])]));

export const keyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(500).nullable().optional(),
  scope: z.enum(scopes).default('generator'),
  domains: domainGrantSchema.default(['models']),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  plan: z.string().trim().min(1).max(64).nullable().optional(),
  limits: z
    .strictObject(Object.fromEntries(keyLimitNames.map((name) => [name, z.number().int().nonnegative().optional()])))
    .nullable()
    .optional(),
});
export type KeyInput = z.infer<typeof keyInputSchema>;

export const rotateInputSchema = z.strictObject({
  /** Seconds the old secret keeps working, so deployments can switch over (at most a week). */
  grace_seconds: z.number().int().min(0).max(7 * 24 * 3600).default(0),
});

export type CreatedKey = { record: ApiKeyRecord; secret: string };

export async function createKey(
  deps: IdentityDeps,
  actor: Principal,
  organizationId: string,
  input: KeyInput,
  origin: Origin,
): Promise<CreatedKey> {
  assertSameOrganization(actor, organizationId);
  if (!scopeAtLeast(actor.scope, input.scope)) {
    throw new GatewayError(
      'forbidden',
      `${capitalise(actor.label)} has scope '${actor.scope}' and cannot create a key with the higher scope '${input.scope}'.`,
      { param: 'scope', publicCode: 'insufficient_scope', details: { scope: actor.scope, requested_scope: input.scope } },
    );
  }
  if (!grantWithin(input.domains, actor.domains)) {
    throw new GatewayError(
      'forbidden',
      `${capitalise(actor.label)} may reach only ${describeGrant(actor.domains)} and cannot create a key for ${describeGrant(input.domains)}.`,
      { param: 'domains', publicCode: 'domain_not_allowed', details: { domains: actor.domains, requested_domains: input.domains } },
    );
  }
  if (input.plan != null && !deps.planNames.includes(input.plan)) {
    throw new GatewayError('invalid_request', `Unknown plan '${input.plan}'; plans: ${deps.planNames.join(', ')}.`, { param: 'plan' });
  }
  const now = deps.now();
  const expiresAt = input.expires_at == null ? null : new Date(input.expires_at);
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
    throw new GatewayError('invalid_request', "'expires_at' must be in the future.", { param: 'expires_at' });
  }
  const { record, secret } = newKeyRecord(organizationId, actor.userId, input, expiresAt, now);
  await deps.store.createApiKey(record, {
    audit: [auditEntry(actor, origin, 'api_key.created', { type: 'api_key', id: record.id }, { at: now, details: summary(record) })],
    events: [createdEvent(record, now)],
  });
  return { record, secret };
}

export function newKeyRecord(
  organizationId: string,
  createdBy: string | null,
  input: Pick<KeyInput, 'name' | 'scope' | 'domains'> & Partial<Pick<KeyInput, 'description' | 'plan' | 'limits'>>,
  expiresAt: Date | null,
  now: Date,
  rotatedFrom: string | null = null,
): CreatedKey {
  const generated = generateApiKeySecret();
  const limits = input.limits == null ? null : (stripUndefined(input.limits) as Record<string, number>);
  const record: ApiKeyRecord = {
    id: newId('key'),
    organizationId,
    createdBy,
    name: input.name,
    description: input.description ?? null,
    scope: input.scope,
    domains: input.domains,
    prefix: generated.prefix,
    lastFour: generated.lastFour,
    secretHash: generated.hash,
    createdAt: now,
    expiresAt,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFrom,
    plan: input.plan ?? null,
    limits,
  };
  return { record, secret: generated.secret };
}

export async function listKeys(
  deps: IdentityDeps,
  actor: Principal,
  organizationId: string,
  query: { limit: number; offset: number; includeRevoked: boolean },
): Promise<ApiKeyRecord[]> {
  assertSameOrganization(actor, organizationId);
  return deps.store.listApiKeys(organizationId, query);
}

export async function getKey(deps: IdentityDeps, actor: Principal, organizationId: string, id: string): Promise<ApiKeyRecord> {
  assertSameOrganization(actor, organizationId);
  const record = await deps.store.getApiKey(organizationId, id);
  if (record === undefined) throw keyNotFound(id);
  return record;
}

export async function revokeKey(
  deps: IdentityDeps,
  actor: Principal,
  organizationId: string,
  id: string,
  origin: Origin,
): Promise<ApiKeyRecord> {
  const existing = await getKey(deps, actor, organizationId, id);
  assertCanManage(actor, existing);
  const now = deps.now();
  const audit = existing.revokedAt === null ? [auditEntry(actor, origin, 'api_key.revoked', { type: 'api_key', id }, { at: now })] : [];
  const revoked = await deps.store.revokeApiKey(organizationId, id, now, audit);
  if (revoked === undefined) throw keyNotFound(id);
  deps.authenticator.forgetAll();
  return revoked;
}

export async function rotateKey(
  deps: IdentityDeps,
  actor: Principal,
  organizationId: string,
  id: string,
  graceSeconds: number,
  origin: Origin,
): Promise<{ record: ApiKeyRecord; secret: string; previous: { id: string; endsAt: Date } }> {
  const existing = await getKey(deps, actor, organizationId, id);
  assertCanManage(actor, existing);
  if (existing.revokedAt !== null) {
    throw new GatewayError('invalid_request', `The API key ${id} is revoked; create a new key instead of rotating it.`, {
      publicCode: 'api_key_revoked',
    });
  }
  const now = deps.now();
  const { record, secret } = newKeyRecord(organizationId, actor.userId, existing, existing.expiresAt, now, existing.id);
  const endsAt = new Date(now.getTime() + graceSeconds * 1000);
  const rotated = await deps.store.rotateApiKey(organizationId, id, record, {
    at: now,
    ...(graceSeconds > 0 ? { oldKeyEndsAt: endsAt } : {}),
    audit: [
      auditEntry(actor, origin, 'api_key.rotated', { type: 'api_key', id }, { at: now, details: { replacement: record.id, grace_seconds: graceSeconds } }),
    ],
    events: [createdEvent(record, now)],
  });
  if (!rotated) throw keyNotFound(id);
  deps.authenticator.forgetAll();
  return { record, secret, previous: { id, endsAt } };
}

/** The key as the API shows it: never the secret or its hash. */
export function keyView(record: ApiKeyRecord, now = new Date()) {
  const status =
    record.revokedAt !== null && record.revokedAt <= now
      ? 'revoked'
      : record.expiresAt !== null && record.expiresAt <= now
        ? 'expired'
        : 'active';
  return {
    id: record.id,
    object: 'api_key',
    organization_id: record.organizationId,
    name: record.name,
    description: record.description,
    scope: record.scope,
    domains: record.domains,
    prefix: record.prefix,
    last_four: record.lastFour,
    redacted_key: `${record.prefix}…${record.lastFour}`,
    status,
    created_at: record.createdAt.toISOString(),
    created_by: record.createdBy,
    expires_at: record.expiresAt?.toISOString() ?? null,
    revoked_at: record.revokedAt?.toISOString() ?? null,
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
    rotated_from: record.rotatedFrom,
    plan: record.plan,
    limits: record.limits,
  };
}

/** A key of another organization is never visible, whatever the caller's scope. */
export function assertSameOrganization(actor: Principal, organizationId: string): void {
  if (actor.organizationId !== organizationId) {
    throw new GatewayError(
      'forbidden',
      `${capitalise(actor.label)} belongs to another organization and cannot act on organization ${organizationId}.`,
      { publicCode: 'wrong_organization', details: { organization_id: organizationId } },
    );
  }
}

/** Revoking or rotating needs at least the key's own scope and every domain it reaches. */
function assertCanManage(actor: Principal, record: ApiKeyRecord): void {
  if (!scopeAtLeast(actor.scope, record.scope) || !grantWithin(record.domains, actor.domains)) {
    throw new GatewayError(
      'forbidden',
      `${capitalise(actor.label)} (scope '${actor.scope}') cannot manage the key ${record.id}, which has scope '${record.scope}' ` +
        `and reaches ${describeGrant(record.domains)}.`,
      { publicCode: 'insufficient_scope', details: { scope: actor.scope, key_scope: record.scope } },
    );
  }
}

function keyNotFound(id: string): GatewayError {
  return new GatewayError('not_found', `No API key ${id} in this organization.`, { publicCode: 'api_key_not_found' });
}

function createdEvent(record: ApiKeyRecord, now: Date) {
  return { id: newId('evt'), organizationId: record.organizationId, type: 'api_key.created', data: keyView(record, now), createdAt: now };
}

function summary(record: ApiKeyRecord): Record<string, unknown> {
  return { name: record.name, scope: record.scope, domains: record.domains, expires_at: record.expiresAt?.toISOString() ?? null };
}

export function describeGrant(grant: DomainGrant): string {
  return grant === '*' ? 'every domain' : `the domain${grant.length === 1 ? '' : 's'} ${grant.join(', ')}`;
}

export const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function stripUndefined(value: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => entry[1] !== undefined));
}
