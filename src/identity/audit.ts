// Audit rows: who did what to which thing, when and from where.
import type { Principal } from '../access/principal.js';
import type { AuditEntry } from '../store/types.js';
import { newId } from './ids.js';

export type Origin = { ip: string | null; userAgent: string | null };

export function auditEntry(
  actor: Principal | null,
  origin: Origin,
  action: string,
  target: { type: string; id: string } | null,
  options: { organizationId?: string | null; details?: Record<string, unknown>; at?: Date } = {},
): AuditEntry {
  return {
    id: newId('aud'),
    organizationId: options.organizationId !== undefined ? options.organizationId : (actor?.organizationId ?? null),
    actorType: actor === null ? 'system' : actor.kind === 'api_key' ? 'api_key' : actor.kind === 'token' ? 'user' : 'anonymous',
    actorId: actor === null ? null : (actor.apiKeyId ?? actor.userId),
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    ip: origin.ip,
    userAgent: origin.userAgent,
    details: options.details ?? null,
    createdAt: options.at ?? new Date(),
  };
}
