// Records for the access store suites. Free of I/O: the bootstrap race runs it in child processes too.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyRecord, AuditEntry, Organization, OutboxEvent, ProviderCredentialRecord, User } from '../../src/store/types.js';

/** Whole milliseconds, one apart per record, so newest-first orders are known in advance. */
let clock = Date.UTC(2025, 2, 1, 9, 30, 0, 417);
export function nextTime(): Date {
  clock += 1;
  return new Date(clock);
}

export function organization(overrides: Partial<Organization> = {}): Organization {
  return { id: randomUUID(), name: 'Acme Research', isOperator: false, createdAt: nextTime(), plan: null, limits: null, ...overrides };
}

export function user(organizationId: string, overrides: Partial<User> = {}): User {
  return {
    id: randomUUID(),
    organizationId,
    email: `user-${randomBytes(4).toString('hex')}@example.com`,
    passwordHash: `scrypt$16384$8$1$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`,
    role: 'manager',
    createdAt: nextTime(),
    disabledAt: null,
    ...overrides,
  };
}

export function apiKey(organizationId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const secret = `sy_${randomBytes(20).toString('hex')}`;
  return {
    id: randomUUID(),
    organizationId,
    createdBy: null,
    name: 'ci key',
    description: null,
    scope: 'generator',
    domains: ['models'],
    prefix: secret.slice(0, 8),
    lastFour: secret.slice(-4),
    secretHash: randomBytes(32).toString('hex'),
    createdAt: nextTime(),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFrom: null,
    plan: null,
    limits: null,
    ...overrides,
  };
}

export function credential(organizationId: string, overrides: Partial<ProviderCredentialRecord> = {}): ProviderCredentialRecord {
  return {
    id: randomUUID(),
    organizationId,
    provider: 'openai',
    name: 'default',
    sealedKey: `v1.${randomBytes(12).toString('base64url')}.${randomBytes(40).toString('base64url')}`,
    createdAt: nextTime(),
    rotatedAt: null,
    ...overrides,
  };
}

export function auditEntry(organizationId: string | null, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: randomUUID(),
    organizationId,
    actorType: 'system',
    actorId: null,
    action: 'api_key.created',
    targetType: null,
    targetId: null,
    ip: null,
    userAgent: null,
    details: null,
    createdAt: nextTime(),
    ...overrides,
  };
}

export function outboxEvent(organizationId: string, overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  return { id: randomUUID(), organizationId, type: 'api_key.created', data: {}, createdAt: nextTime(), ...overrides };
}

/** `items` reversed, as newest-first listings return them. */
export function newestFirst<T>(items: readonly T[]): T[] {
  return [...items].reverse();
}

export const ids = (items: readonly { id: string }[]): string[] => items.map((item) => item.id);

/** What a first start writes: the operator organization, its admin and an admin key. */
export function bootstrapInput(name = 'Operator') {
  const operator = organization({ name, isOperator: true });
  const admin = user(operator.id, { role: 'admin', email: `admin-${randomBytes(4).toString('hex')}@example.com` });
  const key = apiKey(operator.id, { scope: 'admin', domains: '*', name: 'bootstrap' });
  const audit = [auditEntry(operator.id, { action: 'organization.bootstrapped', targetType: 'organization', targetId: operator.id })];
  return { organization: operator, user: admin, key, audit };
}
