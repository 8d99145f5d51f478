// Users of an organization: created and changed by its admins. Role changes are permission changes and
// are audited with the role before and after; the last active admin cannot be demoted or disabled.
import { z } from 'zod';
import { hashPassword, passwordProblem } from '../access/password.js';
import type { Principal } from '../access/principal.js';
import { scopes } from '../access/scopes.js';
import { GatewayError } from '../core/errors.js';
import { DuplicateError, type AuditEntry, type User } from '../store/types.js';
import { auditEntry, type Origin } from './audit.js';
import { emailSchema } from './email.js';
import type { IdentityDeps } from './identity-deps.js';
import { newId } from './ids.js';

export const passwordSchema = z
  .string()
  .superRefine((value, context) => {
    const problem = passwordProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

export const userInputSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  role: z.enum(scopes).default('generator'),
});

export const userPatchSchema = z
  .strictObject({
    role: z.enum(scopes).optional(),
    password: passwordSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Send at least one of role, password, disabled.' });

export async function createUser(
  deps: IdentityDeps,
  actor: Principal,
  organizationId: string,
  input: z.infer<typeof userInputSchema>,
  origin: Origin,
): Promise<User> {
  assertMayManageUsers(actor);
  const now = deps.now();
  const user: User = {
    id: newId('usr'),
    organizationId,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    createdAt: now,
    disabledAt: null,
  };
  try {
    await deps.store.createUser(user, [
      auditEntry(actor, origin, 'user.created', { type: 'user', id: user.id }, { at: now, details: { email: user.email, role: user.role } }),
    ]);
  } catch (error) {
    throw duplicateEmail(error, user.email);
  }
  return user;
}

export async function updateUser(
  deps: IdentityDeps,
  actor: Principal,
  organizationId: string,
  id: string,
  patch: z.infer<typeof userPatchSchema>,
  origin: Origin,
): Promise<User> {
  assertMayManageUsers(actor);
  const existing = await deps.store.getUser(organizationId, id);
  if (existing === undefined) throw userNotFound(id);
  const losesAdmin =
    existing.role === 'admin' && existing.disabledAt === null && ((patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true);
  if (losesAdmin && (await activeAdmins(deps, organizationId)) <= 1) {
    throw new GatewayError('invalid_request', 'This is the last active admin of the organization; make another user admin first.', {
      publicCode: 'last_admin',
    });
  }
  const now = deps.now();
  const changes: Partial<Pick<User, 'role' | 'passwordHash' | 'disabledAt'>> = {};
  const audit: AuditEntry[] = [];
  const target = { type: 'user', id };
  if (patch.role !== undefined && patch.role !== existing.role) {
    changes.role = patch.role;
    audit.push(auditEntry(actor, origin, 'user.role_changed', target, { at: now, details: { from: existing.role, to: patch.role } }));
  }
  if (patch.password !== undefined) {
    changes.passwordHash = await hashPassword(patch.password);
    audit.push(auditEntry(actor, origin, 'user.password_changed', target, { at: now }));
  }
  if (patch.disabled !== undefined && patch.disabled !== (existing.disabledAt !== null)) {
    changes.disabledAt = patch.disabled ? now : null;
    audit.push(auditEntry(actor, origin, patch.disabled ? 'user.disabled' : 'user.enabled', target, { at: now }));
  }
  if (audit.length === 0) return existing;
  const updated = await deps.store.updateUser(organizationId, id, changes, audit);
  if (updated === undefined) throw userNotFound(id);
  deps.authenticator.forgetAll();
  return updated;
}

export async function getUser(deps: IdentityDeps, organizationId: string, id: string): Promise<User> {
  const user = await deps.store.getUser(organizationId, id);
  if (user === undefined) throw userNotFound(id);
  return user;
}

export function userView(user: User) {
  return {
    id: user.id,
    object: 'user',
    organization_id: user.organizationId,
    email: user.email,
    role: user.role,
    status: user.disabledAt === null ? 'active' : 'disabled',
    created_at: user.createdAt.toISOString(),
    disabled_at: user.disabledAt?.toISOString() ?? null,
  };
}

export function duplicateEmail(error: unknown, email: string): unknown {
  if (!(error instanceof DuplicateError)) return error;
  return new GatewayError('conflict', `A user with the email ${email} already exists.`, {
    param: 'email',
    publicCode: 'email_taken',
  });
}

/**
 * A user signs in to a token that reaches every domain, so creating a user, changing a role or setting a
 * password would let a credential limited to some domains reach all of them: only one with every domain may.
 */
function assertMayManageUsers(actor: Principal): void {
  if (actor.domains !== '*') {
    throw new GatewayError(
      'forbidden',
      `Users reach every domain, so only a credential with every domain ('*') can create or change them; ${actor.label} has ${actor.domains.join(', ')}.`,
      { publicCode: 'domain_not_allowed', details: { required_domain: '*', domains: actor.domains } },
    );
  }
}

async function activeAdmins(deps: IdentityDeps, organizationId: string): Promise<number> {
  const users = await deps.store.listUsers(organizationId, { limit: 1000 });
  return users.filter((user) => user.role === 'admin' && user.disabledAt === null).length;
}

function userNotFound(id: string): GatewayError {
  return new GatewayError('not_found', `No user ${id} in this organization.`, { publicCode: 'user_not_found' });
}
