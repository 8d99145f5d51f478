// Model groups an organization defines through the platform API, beside the configuration file's: what a
// definition may hold (the request schema of PUT /api/routing/groups/{name}, and how a stored one is read
// back), and a per-organization cache of the parsed definitions for the router. Definitions are read from
// the store at most once per organization every few seconds; this gateway forgets an organization at once
// when it changes one of its groups, other replicas follow when their copy expires.
import { z } from 'zod';
import { configSchema } from '../../config/schema.js';
import { createCachedLoader } from '../../core/cached-loader.js';
import { GatewayError } from '../../core/errors.js';
import type { RoutingGroupRecord, RoutingGroupStore } from '../../store/types.js';

export const maxGroupsPerOrganization = 50;
export const maxDeploymentsPerGroup = 20;
/** How long a replica uses an organization's groups before reading them again (changes made elsewhere). */
export const defaultGroupTtlMs = 5_000;

// The configuration's own pieces, so a group means the same in the file and through the API.
const groupConfigSchema = configSchema.shape.routing.unwrap().shape.groups.unwrap().valueType;
const deploymentFields = groupConfigSchema.shape.deployments.element.shape;

/** A deployment references one of the organization's stored credentials by id; it never holds a key. */
export const orgDeploymentSchema = z.strictObject({
  provider: deploymentFields.provider,
  model: deploymentFields.model,
  weight: deploymentFields.weight,
  credential_id: z.string().min(1).max(100).optional(),
});

export const orgGroupDefinitionSchema = z.strictObject({
  strategy: groupConfigSchema.shape.strategy,
  deployments: z.array(orgDeploymentSchema).min(1).max(maxDeploymentsPerGroup),
  fallbacks: z.array(z.string().min(1).max(200)).max(20).optional(),
  timeouts: groupConfigSchema.shape.timeouts,
  retries: groupConfigSchema.shape.retries,
  hedge: groupConfigSchema.shape.hedge,
});

export type OrgGroupDefinition = z.infer<typeof orgGroupDefinitionSchema>;
export type OrgDeploymentDefinition = OrgGroupDefinition['deployments'][number];

/** An organization's groups by name: one object per read from the store, so a change is a new object. */
export type OrgGroupSet = ReadonlyMap<string, OrgGroupDefinition>;

export type OrgGroupSource = {
  /** Synchronous while the organization's groups are cached and fresh. */
  load(organizationId: string): OrgGroupSet | Promise<OrgGroupSet>;
  forget(organizationId: string): void;
};

/** A group name is a public model name: no '/' (that form names a provider's model), no control characters. */
export function checkGroupName(name: string): string {
  const control = [...name].some((character) => character.charCodeAt(0) < 0x20 || character === '\u007f');
  if (name.length === 0 || name.length > 100 || name.includes('/') || control || name.trim() !== name) {
    throw new GatewayError(
      'invalid_request',
      "A group name has 1 to 100 characters, no '/', no control characters and no surrounding spaces.",
      { param: 'name' },
    );
  }
  return name;
}

/** The id of an organization group's deployment: stable, so breakers and statistics follow it from call to call. */
export function orgDeploymentId(organizationId: string, group: string, index: number): string {
  return `org:${organizationId}/${group}/${index}`;
}

/** A stored definition, read back with the schema that admitted it; undefined when it no longer parses. */
export function parseStoredDefinition(record: Pick<RoutingGroupRecord, 'definition'>): OrgGroupDefinition | undefined {
  const parsed = orgGroupDefinitionSchema.safeParse(record.definition);
  return parsed.success ? parsed.data : undefined;
}

export function createOrgGroupSource(options: {
  store: Pick<RoutingGroupStore, 'list'>;
  ttlMs?: number;
  now?: () => number;
}): OrgGroupSource {
  async function fetch(organizationId: string): Promise<OrgGroupSet> {
    const groups = new Map<string, OrgGroupDefinition>();
    for (const record of await options.store.list(organizationId)) {
      // A definition an older or newer gateway wrote that this one cannot read is left out, not fatal.
      const definition = parseStoredDefinition(record);
      if (definition !== undefined) groups.set(record.name, definition);
    }
    return groups;
  }
  const loader = createCachedLoader(fetch, {
    ttlMs: options.ttlMs ?? defaultGroupTtlMs,
    maxEntries: 10_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return { load: (organizationId) => loader.get(organizationId), forget: (organizationId) => loader.forget(organizationId) };
}
