// First start on an empty store: the operator organization, its admin user and an admin API key. The key
// (and the password, when none was configured) is returned so the caller can print it once; it is never
// stored in plain text. Several gateways starting at once on one database create exactly one of each.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../access/password.js';
import type { AccessStore, Organization, User } from '../store/types.js';
import { auditEntry } from './audit.js';
import { newId } from './ids.js';
import { newKeyRecord } from './key-service.js';

export type BootstrapResult =
  | { created: false }
  | { created: true; organizationId: string; email: string; password: string | undefined; apiKey: string; apiKeyId: string };

export async function bootstrapOperator(
  store: AccessStore,
  admin: { email: string; password?: string | undefined },
  now = new Date(),
): Promise<BootstrapResult> {
  const generatedPassword = admin.password === undefined ? randomBytes(18).toString('base64url') : undefined;
  const organization: Organization = { id: newId('org'), name: 'Operator', isOperator: true, createdAt: now };
  const user: User = {
    id: newId('usr'),
    organizationId: organization.id,
    email: admin.email,
    passwordHash: await hashPassword(admin.password ?? generatedPassword!),
    role: 'admin',
    createdAt: now,
    disabledAt: null,
  };
  const { record, secret } = newKeyRecord(organization.id, user.id, { name: 'bootstrap admin', scope: 'admin', domains: '*' }, null, now);
  const origin = { ip: null, userAgent: null };
  const created = await store.bootstrap({
    organization,
    user,
    key: record,
    audit: [
      auditEntry(null, origin, 'organization.created', { type: 'organization', id: organization.id }, { organizationId: organization.id, at: now }),
      auditEntry(null, origin, 'user.created', { type: 'user', id: user.id }, { organizationId: organization.id, at: now, details: { email: user.email, role: 'admin' } }),
      auditEntry(null, origin, 'api_key.created', { type: 'api_key', id: record.id }, { organizationId: organization.id, at: now }),
    ],
  });
  if (!created) return { created: false };
  return { created: true, organizationId: organization.id, email: user.email, password: generatedPassword, apiKey: secret, apiKeyId: record.id };
}
