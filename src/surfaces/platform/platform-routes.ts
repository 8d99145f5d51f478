// The platform API's access endpoints, each with the scope and domain it requires (the README's table is
// checked against this list by a test). Errors in the platform envelope.
import type { HTTPMethod } from 'find-my-way';
import type { Exchange, Route, RouteAccess } from '../../http/server.js';
import { accountHandlers } from './account-handlers.js';
import { keyHandlers } from './key-routes.js';
import type { PlatformDeps } from './platform-deps.js';
import { param, principalOf, renderPlatformError } from './platform-io.js';
import { routingGroupRoutes, type RoutingGroupDeps } from './routing-group-handlers.js';
import { webhookRoutes, type WebhookDeps } from './webhook-handlers.js';
import { usageHandlers } from './usage-handlers.js';
import { billingHandlers } from './billing-handlers.js';
import type { CallLimits } from '../../limits/call-limits.js';

export function platformRoutes(deps: PlatformDeps & { routingGroups?: RoutingGroupDeps; webhooks?: WebhookDeps }): Route[] {
  const route = (method: HTTPMethod, path: string, access: RouteAccess, handler: Route['handler']): Route => ({
    method,
    path,
    access,
    handler: access === 'public' || deps.limits === undefined ? handler : withLimitHeaders(deps.limits, handler),
    renderError: renderPlatformError,
  });
  const billingAdmin: RouteAccess = { scope: 'admin', domain: 'billing' };
  const billingReader: RouteAccess = { scope: 'manager', domain: 'billing' };
  const billing = billingHandlers(deps);
  const keysManager: RouteAccess = { scope: 'manager', domain: 'keys' };
  const keysAdmin: RouteAccess = { scope: 'admin', domain: 'keys' };
  const own = keyHandlers(deps, (exchange) => principalOf(exchange).organizationId);
  const provisioned = keyHandlers(deps, (exchange: Exchange) => param(exchange, 'orgId'));
  const account = accountHandlers(deps);
  // Reading usage is the least a credential can be given: a generator key with the usage domain sees its own
  // calls, a manager or admin its organization's (usage-handlers.ts).
  const usageReader: RouteAccess = { scope: 'generator', domain: 'usage' };
  const usage = usageHandlers({ usage: deps.usage, limitsFor: deps.limitsFor, ...(deps.runs === undefined ? {} : { runs: deps.runs }) });
  return [
    route('POST', '/api/token', 'public', account.token),
    route('GET', '/api/me', { scope: 'generator', domain: null }, account.me),

    route('GET', '/api/keys', keysManager, own.list),
    route('POST', '/api/keys', keysManager, own.create),
    route('GET', '/api/keys/:keyId', keysManager, own.get),
    route('DELETE', '/api/keys/:keyId', keysManager, own.revoke),
    route('POST', '/api/keys/:keyId/rotate', keysManager, own.rotate),

    route('GET', '/v2/organizations/:orgId/api-keys', keysAdmin, provisioned.list),
    route('POST', '/v2/organizations/:orgId/api-keys', keysAdmin, provisioned.create),
    route('GET', '/v2/organizations/:orgId/api-keys/:keyId', keysAdmin, provisioned.get),
    route('DELETE', '/v2/organizations/:orgId/api-keys/:keyId', keysAdmin, provisioned.revoke),
    route('POST', '/v2/organizations/:orgId/api-keys/:keyId/rotate', keysAdmin, provisioned.rotate),

    route('GET', '/api/users', keysAdmin, account.listUsers),
    route('POST', '/api/users', keysAdmin, account.createUser),
    route('GET', '/api/users/:userId', keysAdmin, account.getUser),
    route('PATCH', '/api/users/:userId', keysAdmin, account.updateUser),

    route('GET', '/api/organizations', keysAdmin, account.listOrganizations),
    route('POST', '/api/organizations', keysAdmin, account.createOrganization),
    route('GET', '/api/organizations/:orgId', keysAdmin, account.getOrganization),
    route('PATCH', '/api/organizations/:orgId', billingAdmin, billing.updateOrganization),
    route('POST', '/api/organizations/:orgId/balance/credits', billingAdmin, billing.credit),

    route('GET', '/api/balance', billingReader, billing.getBalance),
    route('GET', '/api/balance/transactions', billingReader, billing.listTransactions),

    route('GET', '/api/provider-credentials', keysAdmin, account.listCredentials),
    route('POST', '/api/provider-credentials', keysAdmin, account.createCredential),
    route('GET', '/api/provider-credentials/:credentialId', keysAdmin, account.getCredential),
    route('POST', '/api/provider-credentials/:credentialId/rotate', keysAdmin, account.rotateCredential),
    route('DELETE', '/api/provider-credentials/:credentialId', keysAdmin, account.deleteCredential),

    route('GET', '/api/audit-log', keysAdmin, account.listAudit),

    // An organization's own model groups: same access as its provider credentials, which they reference.
    ...(deps.routingGroups === undefined ? [] : routingGroupRoutes({ ...deps, routingGroups: deps.routingGroups }, route, keysAdmin)),
    ...(deps.webhooks === undefined ? [] : webhookRoutes({ ...deps, webhooks: deps.webhooks }, route)),

    route('GET', '/api/usage-stats', usageReader, usage.stats),
    route('GET', '/api/prompts/history', usageReader, usage.history),
    route('GET', '/api/prompts/:promptId', usageReader, usage.run),
  ];
}

/** Platform responses carry where the caller stands against its request limits (nothing is counted). */
function withLimitHeaders(limits: Pick<CallLimits, 'peek'>, handler: Route['handler']): Route['handler'] {
  return async (exchange) => {
    const pending = limits.peek(exchange.principal);
    const headers = pending instanceof Promise ? await pending : pending;
    for (const name in headers) exchange.response.setHeader(name, headers[name]!);
    return handler(exchange);
  };
}
