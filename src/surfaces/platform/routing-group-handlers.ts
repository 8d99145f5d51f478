// Handlers of /api/routing/groups: an organization's own model groups (a public model name served, for that
// organization's keys only, by deployments it chooses). A definition names catalogue models and references
// the organization's stored provider credentials by id; it never holds a key. A change is effective at once
// on this gateway and within a few seconds on the others (pipeline/routing/org-groups.ts).
import type { HTTPMethod } from 'find-my-way';
import { GatewayError } from '../../core/errors.js';
import type { Exchange, Route, RouteAccess } from '../../http/server.js';
import { auditEntry } from '../../identity/audit.js';
import type { ModelDirectory } from '../../pipeline/model-directory.js';
import {
  checkGroupName,
  maxGroupsPerOrganization,
  orgDeploymentId,
  orgGroupDefinitionSchema,
  parseStoredDefinition,
  type OrgGroupDefinition,
} from '../../pipeline/routing/org-groups.js';
import type { RoutingGroupRecord, RoutingGroupStore } from '../../store/types.js';
import type { PlatformDeps } from './platform-deps.js';
import { iso, originOf, param, principalOf, readJson, sendOk } from './platform-io.js';

export type RoutingGroupDeps = {
  store: RoutingGroupStore;
  /** The catalogue every deployment's model is checked against. */
  directory: Pick<ModelDirectory, 'entryFor'>;
  /** Drops this gateway's cached copy of an organization's groups (the router's `forget`). */
  forget(organizationId: string): void;
};

type Deps = Pick<PlatformDeps, 'identity' | 'bodyLimit' | 'trustProxy'> & { routingGroups: RoutingGroupDeps };

/** The routes, for the platform's route builder (which adds its error envelope and limit headers). */
export function routingGroupRoutes(
  deps: Deps,
  route: (method: HTTPMethod, path: string, access: RouteAccess, handler: Route['handler']) => Route,
  access: RouteAccess,
): Route[] {
  const handlers = routingGroupHandlers(deps);
  return [
    route('GET', '/api/routing/groups', access, handlers.list),
    route('GET', '/api/routing/groups/:name', access, handlers.get),
    route('PUT', '/api/routing/groups/:name', access, handlers.put),
    route('DELETE', '/api/routing/groups/:name', access, handlers.delete),
  ];
}

export function routingGroupHandlers(deps: Deps) {
  const { identity } = deps;
  const { store, forget } = deps.routingGroups;
  const origin = (exchange: Exchange) => originOf(exchange, deps.trustProxy);
  return {
    async list(exchange: Exchange) {
      const actor = principalOf(exchange);
      const records = await store.list(actor.organizationId);
      sendOk(exchange, 200, { groups: records.map(groupView) });
    },

    async get(exchange: Exchange) {
      const actor = principalOf(exchange);
      const name = checkGroupName(param(exchange, 'name'));
      const record = await store.get(actor.organizationId, name);
      if (record === undefined) throw groupNotFound(name);
      sendOk(exchange, 200, { group: groupView(record) });
    },

    async put(exchange: Exchange) {
      const actor = principalOf(exchange);
      const name = checkGroupName(param(exchange, 'name'));
      const definition = await readJson(exchange, orgGroupDefinitionSchema, deps.bodyLimit);
      await checkDeployments(deps, actor.organizationId, definition);
      const at = identity.now();
      const result = await store.put({ organizationId: actor.organizationId, name, definition, at, maxGroups: maxGroupsPerOrganization });
      if ('limitReached' in result) {
        throw new GatewayError('conflict', `An organization may define at most ${maxGroupsPerOrganization} routing groups; delete one first.`, {
          param: 'name',
          publicCode: 'routing_group_limit_reached',
        });
      }
      forget(actor.organizationId);
      await identity.store.recordAudit([
        auditEntry(actor, origin(exchange), result.created ? 'routing_group.created' : 'routing_group.replaced', { type: 'routing_group', id: name }, {
          at,
          details: { deployments: definition.deployments.length },
        }),
      ]);
      sendOk(exchange, result.created ? 201 : 200, { group: groupView(result.record), created: result.created });
    },

    async delete(exchange: Exchange) {
      const actor = principalOf(exchange);
      const name = checkGroupName(param(exchange, 'name'));
      if (!(await store.delete(actor.organizationId, name))) throw groupNotFound(name);
      forget(actor.organizationId);
      await identity.store.recordAudit([
        auditEntry(actor, origin(exchange), 'routing_group.deleted', { type: 'routing_group', id: name }, { at: identity.now() }),
      ]);
      sendOk(exchange, 200, { deleted: true, name });
    },
  };
}

/** Every deployment: a known provider, a model the catalogue lists for it, and a credential of the organization for that provider. */
async function checkDeployments(deps: Deps, organizationId: string, definition: OrgGroupDefinition): Promise<void> {
  const { identity } = deps;
  const credentials = definition.deployments.some((deployment) => deployment.credential_id !== undefined)
    ? new Map((await identity.store.listProviderCredentials(organizationId)).map((record) => [record.id, record.provider]))
    : new Map<string, string>();
  definition.deployments.forEach((deployment, index) => {
    const field = `deployments[${index}]`;
    if (!identity.knownProviders.includes(deployment.provider)) {
      throw new GatewayError('invalid_request', `Deployment ${index}: unknown provider '${deployment.provider}'. Known providers: ${identity.knownProviders.join(', ')}.`, {
        param: `${field}.provider`,
        publicCode: 'invalid_value',
      });
    }
    if (deps.routingGroups.directory.entryFor(deployment.provider, deployment.model).synthetic === true) {
      throw new GatewayError('invalid_request', `Deployment ${index}: the model '${deployment.provider}/${deployment.model}' is not in the catalogue (GET /v1/models).`, {
        param: `${field}.model`,
        publicCode: 'model_not_found',
      });
    }
    const id = deployment.credential_id;
    if (id === undefined) return;
    const provider = credentials.get(id);
    if (provider !== deployment.provider) {
      const why = provider === undefined ? 'is not a stored credential of this organization' : `is a credential for ${provider}, not ${deployment.provider}`;
      throw new GatewayError('invalid_request', `Deployment ${index}: credential '${id}' ${why} (GET /api/provider-credentials).`, {
        param: `${field}.credential_id`,
        publicCode: 'invalid_value',
      });
    }
  });
}

function groupView(record: RoutingGroupRecord) {
  const definition = parseStoredDefinition(record);
  return {
    name: record.name,
    strategy: definition?.strategy ?? null,
    deployments: (definition?.deployments ?? []).map((deployment, index) => ({
      id: orgDeploymentId(record.organizationId, record.name, index),
      provider: deployment.provider,
      model: deployment.model,
      weight: deployment.weight,
      credential_id: deployment.credential_id ?? null,
    })),
    fallbacks: definition?.fallbacks ?? [],
    // Absent: the gateway's routing settings apply (a null hedge turns hedging off for this group).
    timeouts: definition?.timeouts,
    retries: definition?.retries,
    hedge: definition?.hedge,
    // A definition this gateway cannot read is served by no deployment: say so rather than hide it.
    valid: definition !== undefined,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
  };
}

function groupNotFound(name: string): GatewayError {
  return new GatewayError('not_found', `This organization has no routing group named '${name}'.`, { param: 'name', publicCode: 'routing_group_not_found' });
}
