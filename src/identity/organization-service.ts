// Organizations. The operator organization (created at first start) may create others, each with its first
// admin user and an admin key shown once; every other organization sees only itself.
import { z } from 'zod';
import { hashPassword } from '../access/password.js';
import type { Principal } from '../access/principal.js';
import { GatewayError } from '../core/errors.js';
import type { Organization, User } from '../store/types.js';
import { auditEntry, type Origin } from './audit.js';
import { emailSchema } from './email.js';
import type { IdentityDeps } from './identity-deps.js';
import { newId } from './ids.js';
import { capitalise, keyView, newKeyRecord } from './key-service.js';
import { duplicateEmail, passwordSchema, userView } from './user-service.js';

export const organizationInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** The new organization's first admin; without it, only the admin key is created. */
  admin_email: emailSchema.optional(),
  admin_password: passwordSchema.optional(),
});

export async function createOrganization(
  deps: IdentityDeps,
  actor: Principal & { organizationId: string },
  input: z.infer<typeof organizationInputSchema>,
  origin: Origin,
) {
  await assertOperator(deps, actor);
  if (actor.domains !== '*') {
    throw new GatewayError('forbidden', `Creating an organization needs a credential with every domain ('*'); ${actor.label} has fewer.`, {
      publicCode: 'domain_not_allowed',
      details: { required_domain: '*', domains: actor.domains },
    });
  }
  if (input.admin_password !== undefined && input.admin_email === undefined) {
    throw new GatewayError('invalid_request', "'admin_password' needs 'admin_email'.", { param: 'admin_email' });
  }
  const now = deps.now();
  const organization: Organization = { id: newId('org'), name: input.name, isOperator: false, createdAt: now };
  let user: User | undefined;
  if (input.admin_email !== undefined) {
    if (input.admin_password === undefined) {
      throw new GatewayError('invalid_request', "'admin_password' is required with 'admin_email'.", { param: 'admin_password' });
    }
    user = {
      id: newId('usr'),
      organizationId: organization.id,
      email: input.admin_email,
      passwordHash: await hashPassword(input.admin_password),
      role: 'admin',
      createdAt: now,
      disabledAt: null,
    };
  }
  const { record, secret } = newKeyRecord(organization.id, user?.id ?? null, { name: 'admin', scope: 'admin', domains: '*' }, null, now);
  const target = { type: 'organization', id: organization.id };
  try {
    await deps.store.createOrganization(organization, {
      ...(user ? { user } : {}),
      key: record,
      audit: [
        // In the operator's log (who created it) and in the new organization's own.
        auditEntry(actor, origin, 'organization.created', target, { at: now, details: { name: organization.name } }),
        auditEntry(actor, origin, 'organization.created', target, { at: now, organizationId: organization.id, details: { name: organization.name } }),
        auditEntry(actor, origin, 'api_key.created', { type: 'api_key', id: record.id }, { at: now, organizationId: organization.id }),
      ],
    });
  } catch (error) {
    throw user ? duplicateEmail(error, user.email) : error;
  }
  return { organization, user: user && userView(user), key: keyView(record, now), secret };
}

export async function listOrganizations(deps: IdentityDeps, actor: Principal & { organizationId: string }, query: { limit: number; offset: number }) {
  const own = await deps.store.getOrganization(actor.organizationId);
  if (own?.isOperator === true) return deps.store.listOrganizations(query);
  return own === undefined || query.offset > 0 ? [] : [own];
}

export async function getOrganization(deps: IdentityDeps, actor: Principal & { organizationId: string }, id: string) {
  if (id !== actor.organizationId) {
    throw new GatewayError('forbidden', `${capitalise(actor.label)} belongs to another organization and cannot read organization ${id}.`, {
      publicCode: 'wrong_organization',
    });
  }
  const organization = await deps.store.getOrganization(id);
  if (organization === undefined) throw new GatewayError('not_found', `No organization ${id}.`);
  return organization;
}

export function organizationView(organization: Organization) {
  return {
    id: organization.id,
    object: 'organization',
    name: organization.name,
    operator: organization.isOperator,
    /** null: the gateway's default plan (limits.defaultPlan). */
    plan: organization.plan ?? null,
    limits: organization.limits ?? null,
    created_at: organization.createdAt.toISOString(),
  };
}

async function assertOperator(deps: IdentityDeps, actor: Principal & { organizationId: string }): Promise<void> {
  const own = await deps.store.getOrganization(actor.organizationId);
  if (own?.isOperator !== true) {
    throw new GatewayError('forbidden', 'Only admins of the operator organization (the one created at first start) can create organizations.', {
      publicCode: 'operator_only',
    });
  }
}
