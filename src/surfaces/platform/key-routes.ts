// API keys under /api/keys (the caller's organization) and /v2/organizations/:orgId/api-keys (admin provisioning).
import type { Exchange } from '../../http/server.js';
import {
  assertSameOrganization,
  createKey,
  getKey,
  keyInputSchema,
  keyView,
  listKeys,
  revokeKey,
  rotateInputSchema,
  rotateKey,
} from '../../identity/key-service.js';
import type { PlatformDeps } from './platform-deps.js';
import { listQuery, originOf, param, principalOf, readJson, readOptionalJson, sendOk } from './platform-io.js';

type OrganizationOf = (exchange: Exchange) => string;

/** The handlers for one mount point: `organization` picks the organization from the path or the caller. */
export function keyHandlers(deps: PlatformDeps, organization: OrganizationOf) {
  return {
    async list(exchange: Exchange) {
      const actor = principalOf(exchange);
      const { limit, offset, search } = listQuery(exchange);
      const includeRevoked = search.get('include_revoked') === 'true';
      const keys = await listKeys(deps.identity, actor, organization(exchange), { limit, offset, includeRevoked });
      const now = deps.identity.now();
      sendOk(exchange, 200, { keys: keys.map((key) => keyView(key, now)), limit, offset });
    },
    async create(exchange: Exchange) {
      const actor = principalOf(exchange);
      const organizationId = organization(exchange);
      // The organization is checked before the body is read: another organization's id is a 403 whatever the body.
      assertSameOrganization(actor, organizationId);
      const input = await readJson(exchange, keyInputSchema, deps.bodyLimit);
      const { record, secret } = await createKey(deps.identity, actor, organizationId, input, originOf(exchange, deps.trustProxy));
      sendOk(exchange, 201, { key: keyView(record), secret, notice: 'Store the secret now: it is shown only once.' });
    },
    async get(exchange: Exchange) {
      const actor = principalOf(exchange);
      const record = await getKey(deps.identity, actor, organization(exchange), param(exchange, 'keyId'));
      sendOk(exchange, 200, { key: keyView(record, deps.identity.now()) });
    },
    async revoke(exchange: Exchange) {
      const actor = principalOf(exchange);
      const record = await revokeKey(deps.identity, actor, organization(exchange), param(exchange, 'keyId'), originOf(exchange, deps.trustProxy));
      sendOk(exchange, 200, { key: keyView(record, deps.identity.now()) });
    },
    async rotate(exchange: Exchange) {
      const actor = principalOf(exchange);
      assertSameOrganization(actor, organization(exchange));
      const input = await readOptionalJson(exchange, rotateInputSchema, deps.bodyLimit);
      const rotated = await rotateKey(
        deps.identity,
        actor,
        organization(exchange),
        param(exchange, 'keyId'),
        input.grace_seconds,
        originOf(exchange, deps.trustProxy),
      );
      sendOk(exchange, 201, {
        key: keyView(rotated.record),
        secret: rotated.secret,
        previous_key: { id: rotated.previous.id, ends_at: rotated.previous.endsAt.toISOString() },
        notice: 'Store the secret now: it is shown only once.',
      });
    },
  };
}
