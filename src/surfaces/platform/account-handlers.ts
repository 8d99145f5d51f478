// Handlers of the platform API's access endpoints: tokens, the caller, users, organizations, provider
// credentials and the audit log. Rules live in ../../identity; these read the request and shape the answer.
import { z } from 'zod';
import { GatewayError } from '../../core/errors.js';
import type { Exchange } from '../../http/server.js';
import {
  createCredential,
  credentialInputSchema,
  credentialRotateSchema,
  credentialView,
  deleteCredential,
  getCredential,
  rotateCredential,
} from '../../identity/credential-service.js';
import { login } from '../../identity/login.js';
import {
  createOrganization,
  getOrganization,
  listOrganizations,
  organizationInputSchema,
  organizationView,
} from '../../identity/organization-service.js';
import { createUser, getUser, updateUser, userInputSchema, userPatchSchema, userView } from '../../identity/user-service.js';
import type { AuditEntry } from '../../store/types.js';
import type { PlatformDeps } from './platform-deps.js';
import { iso, listQuery, originOf, param, principalOf, readJson, sendOk } from './platform-io.js';

const tokenRequestSchema = z.strictObject({
  email: z.string().trim().min(1).max(254).transform((value) => value.toLowerCase()),
  password: z.string().min(1).max(1024),
});

export function accountHandlers(deps: PlatformDeps) {
  const { identity } = deps;
  const origin = (exchange: Exchange) => originOf(exchange, deps.trustProxy);
  return {
    async token(exchange: Exchange) {
      const body = await readJson(exchange, tokenRequestSchema, deps.bodyLimit);
      const { token, expiresAt } = await login(identity, body, origin(exchange));
      sendOk(exchange, 200, { token, expires_at: expiresAt.toISOString(), token_type: 'Bearer' });
    },

    async me(exchange: Exchange) {
      const principal = principalOf(exchange);
      const organization = await identity.store.getOrganization(principal.organizationId);
      sendOk(exchange, 200, {
        credential: {
          kind: principal.kind,
          label: principal.label,
          scope: principal.scope,
          domains: principal.domains,
          api_key_id: principal.apiKeyId,
          user_id: principal.userId,
        },
        organization: organization && organizationView(organization),
      });
    },

    async listUsers(exchange: Exchange) {
      const actor = principalOf(exchange);
      const { limit, offset } = listQuery(exchange);
      const users = await identity.store.listUsers(actor.organizationId, { limit, offset });
      sendOk(exchange, 200, { users: users.map(userView), limit, offset });
    },
    async createUser(exchange: Exchange) {
      const actor = principalOf(exchange);
      const input = await readJson(exchange, userInputSchema, deps.bodyLimit);
      const user = await createUser(identity, actor, actor.organizationId, input, origin(exchange));
      sendOk(exchange, 201, { user: userView(user) });
    },
    async getUser(exchange: Exchange) {
      const actor = principalOf(exchange);
      sendOk(exchange, 200, { user: userView(await getUser(identity, actor.organizationId, param(exchange, 'userId'))) });
    },
    async updateUser(exchange: Exchange) {
      const actor = principalOf(exchange);
      const patch = await readJson(exchange, userPatchSchema, deps.bodyLimit);
      const user = await updateUser(identity, actor, actor.organizationId, param(exchange, 'userId'), patch, origin(exchange));
      sendOk(exchange, 200, { user: userView(user) });
    },

    async listOrganizations(exchange: Exchange) {
      const { limit, offset } = listQuery(exchange);
      const organizations = await listOrganizations(identity, principalOf(exchange), { limit, offset });
      sendOk(exchange, 200, { organizations: organizations.map(organizationView), limit, offset });
    },
    async createOrganization(exchange: Exchange) {
      const actor = principalOf(exchange);
      const input = await readJson(exchange, organizationInputSchema, deps.bodyLimit);
      const created = await createOrganization(identity, actor, input, origin(exchange));
      sendOk(exchange, 201, {
        organization: organizationView(created.organization),
        admin_user: created.user ?? null,
        key: created.key,
        secret: created.secret,
        notice: 'Store the secret now: it is shown only once.',
      });
    },
    async getOrganization(exchange: Exchange) {
      const organization = await getOrganization(identity, principalOf(exchange), param(exchange, 'orgId'));
      sendOk(exchange, 200, { organization: organizationView(organization) });
    },

    async listCredentials(exchange: Exchange) {
      const actor = principalOf(exchange);
      const { search } = listQuery(exchange);
      const provider = search.get('provider') ?? undefined;
      const records = await identity.store.listProviderCredentials(actor.organizationId, provider);
      sendOk(exchange, 200, { credentials: records.map(credentialView) });
    },
    async createCredential(exchange: Exchange) {
      const actor = principalOf(exchange);
      const input = await readJson(exchange, credentialInputSchema, deps.bodyLimit);
      const record = await createCredential(identity, actor, input, origin(exchange));
      sendOk(exchange, 201, { credential: credentialView(record) });
    },
    async getCredential(exchange: Exchange) {
      const actor = principalOf(exchange);
      sendOk(exchange, 200, { credential: credentialView(await getCredential(identity, actor.organizationId, param(exchange, 'credentialId'))) });
    },
    async rotateCredential(exchange: Exchange) {
      const actor = principalOf(exchange);
      const { api_key } = await readJson(exchange, credentialRotateSchema, deps.bodyLimit);
      const record = await rotateCredential(identity, actor, param(exchange, 'credentialId'), api_key, origin(exchange));
      sendOk(exchange, 200, { credential: credentialView(record) });
    },
    async deleteCredential(exchange: Exchange) {
      const actor = principalOf(exchange);
      const id = param(exchange, 'credentialId');
      await deleteCredential(identity, actor, id, origin(exchange));
      sendOk(exchange, 200, { deleted: true, id });
    },

    async listAudit(exchange: Exchange) {
      const actor = principalOf(exchange);
      const { limit, offset, search } = listQuery(exchange);
      const action = search.get('action') ?? undefined;
      if (action !== undefined && !/^[a-z_]+\.[a-z_]+$/.test(action)) {
        throw new GatewayError('invalid_request', "Query parameter 'action' must look like 'api_key.created'.", { param: 'action' });
      }
      const entries = await identity.store.listAudit(actor.organizationId, { limit, offset, ...(action ? { action } : {}) });
      sendOk(exchange, 200, { entries: entries.map(auditView), limit, offset });
    },
  };
}

function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    action: entry.action,
    actor: { type: entry.actorType, id: entry.actorId },
    target: entry.targetType === null ? null : { type: entry.targetType, id: entry.targetId },
    ip: entry.ip,
    user_agent: entry.userAgent,
    details: entry.details,
    created_at: iso(entry.createdAt),
  };
}
