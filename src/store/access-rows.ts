// Conversions between the access records (types.ts) and their rows (database.ts).
import type { Insertable, Selectable } from 'kysely';
import type { DomainGrant, Scope } from '../access/scopes.js';
import { readBoolean, readInteger, writeInteger, writeText } from './column-values.js';
import type {
  ApiKeysTable,
  AuditLogTable,
  OrganizationsTable,
  OutboxEventsTable,
  ProviderCredentialsTable,
  UsersTable,
} from './database.js';
import type { ApiKeyRecord, AuditEntry, ListQuery, Organization, OutboxEvent, ProviderCredentialRecord, User } from './types.js';

/** As the request log: 50 rows unless asked, never more than 1000. */
export const accessListDefaults = { limit: 50, maxLimit: 1000 } as const;

export function page(query: ListQuery): { limit: number; offset: number } {
  return {
    limit: clampInteger(query.limit, accessListDefaults.limit, 0, accessListDefaults.maxLimit),
    offset: clampInteger(query.offset, 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function clampInteger(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(Math.max(Math.trunc(value), min), max);
}

export function writeTime(value: Date): number {
  return writeInteger(value.getTime());
}

export function writeOptionalTime(value: Date | null): number | null {
  return value === null ? null : writeTime(value);
}

function readTime(value: number | string | bigint): Date {
  return new Date(readInteger(value));
}

function readOptionalTime(value: number | string | bigint | null): Date | null {
  return value === null ? null : readTime(value);
}

function optionalText(value: string | null): string | null {
  return value === null ? null : writeText(value);
}

export function normalizeEmail(email: string): string {
  return writeText(email).toLowerCase();
}

export function organizationRow(organization: Organization, writeBoolean: (value: boolean) => boolean | number): Insertable<OrganizationsTable> {
  return {
    id: organization.id,
    name: writeText(organization.name),
    is_operator: writeBoolean(organization.isOperator),
    created_at: writeTime(organization.createdAt),
    plan: organization.plan ?? null,
    limits: organization.limits == null ? null : JSON.stringify(organization.limits),
  };
}

export function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return {
    id: row.id,
    name: row.name,
    isOperator: readBoolean(row.is_operator),
    createdAt: readTime(row.created_at),
    plan: row.plan,
    limits: row.limits === null ? null : (JSON.parse(row.limits) as Record<string, number>),
  };
}

export function userRow(user: User): Insertable<UsersTable> {
  return {
    id: user.id,
    organization_id: user.organizationId,
    email: normalizeEmail(user.email),
    password_hash: user.passwordHash,
    role: user.role,
    created_at: writeTime(user.createdAt),
    disabled_at: writeOptionalTime(user.disabledAt),
  };
}

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role as Scope,
    createdAt: readTime(row.created_at),
    disabledAt: readOptionalTime(row.disabled_at),
  };
}

export function apiKeyRow(key: ApiKeyRecord): Insertable<ApiKeysTable> {
  return {
    id: key.id,
    organization_id: key.organizationId,
    created_by: key.createdBy,
    name: writeText(key.name),
    description: optionalText(key.description),
    scope: key.scope,
    domains: JSON.stringify(key.domains),
    prefix: key.prefix,
    last_four: key.lastFour,
    secret_hash: key.secretHash,
    created_at: writeTime(key.createdAt),
    expires_at: writeOptionalTime(key.expiresAt),
    revoked_at: writeOptionalTime(key.revokedAt),
    last_used_at: writeOptionalTime(key.lastUsedAt),
    rotated_from: key.rotatedFrom,
    plan: optionalText(key.plan),
    limits: key.limits === null ? null : JSON.stringify(key.limits),
  };
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    createdBy: row.created_by,
    name: row.name,
    description: row.description,
    scope: row.scope as Scope,
    domains: JSON.parse(row.domains) as DomainGrant,
    prefix: row.prefix,
    lastFour: row.last_four,
    secretHash: row.secret_hash,
    createdAt: readTime(row.created_at),
    expiresAt: readOptionalTime(row.expires_at),
    revokedAt: readOptionalTime(row.revoked_at),
    lastUsedAt: readOptionalTime(row.last_used_at),
    rotatedFrom: row.rotated_from,
    plan: row.plan,
    limits: row.limits === null ? null : (JSON.parse(row.limits) as Record<string, number>),
  };
}

export function providerCredentialRow(credential: ProviderCredentialRecord): Insertable<ProviderCredentialsTable> {
  return {
    id: credential.id,
    organization_id: credential.organizationId,
    provider: writeText(credential.provider),
    name: writeText(credential.name),
    sealed_key: credential.sealedKey,
    created_at: writeTime(credential.createdAt),
    rotated_at: writeOptionalTime(credential.rotatedAt),
  };
}

export function toProviderCredential(row: Selectable<ProviderCredentialsTable>): ProviderCredentialRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    provider: row.provider,
    name: row.name,
    sealedKey: row.sealed_key,
    createdAt: readTime(row.created_at),
    rotatedAt: readOptionalTime(row.rotated_at),
  };
}

export function auditRow(entry: AuditEntry): Insertable<AuditLogTable> {
  return {
    id: entry.id,
    organization_id: entry.organizationId,
    actor_type: entry.actorType,
    actor_id: optionalText(entry.actorId),
    action: writeText(entry.action),
    target_type: optionalText(entry.targetType),
    target_id: optionalText(entry.targetId),
    ip: optionalText(entry.ip),
    user_agent: optionalText(entry.userAgent),
    details: entry.details === null ? null : JSON.stringify(entry.details),
    created_at: writeTime(entry.createdAt),
  };
}

export function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    organizationId: row.organization_id,
    actorType: row.actor_type as AuditEntry['actorType'],
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    createdAt: readTime(row.created_at),
  };
}

export function outboxRow(event: OutboxEvent): Insertable<OutboxEventsTable> {
  return {
    id: event.id,
    organization_id: event.organizationId,
    type: writeText(event.type),
    data: JSON.stringify(event.data),
    created_at: writeTime(event.createdAt),
  };
}

export function toOutboxEvent(row: Selectable<OutboxEventsTable>): OutboxEvent {
  return {
    id: row.id,
    organizationId: row.organization_id,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: readTime(row.created_at),
  };
}
