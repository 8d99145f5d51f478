// Which deployments a request may use, in the order to try them: the model's own deployments (a configured
// group, ordered by its strategy, or the one catalogue entry the name resolves to), then the fallbacks the
// request names, then the group's configured fallbacks. Also the timeouts, retries and hedging that apply.
//
// Strategies: `weighted` (the default: a weighted random order, so load spreads by weight), `least-busy`
// (fewest calls in flight from this replica first), `lowest-latency` (lowest moving average of time to first
// token first; a deployment not yet measured goes first, to be measured), `cost-first` (cheapest prices first).
//
// An organization's own groups (org-groups.ts) come before the configuration's for that organization's calls:
// `prepare(organizationId)` makes sure they are loaded (a Promise only when they must be read from the store),
// and `plan` with that organization id then uses them. Their deployments are served with the provider's own
// connection, like a catalogue model, and may name a stored credential of the organization.
import type { Capability, ModelEntry } from '../../core/catalogue.js';
import { GatewayError } from '../../core/errors.js';
import type { DeploymentConfig, HedgeConfig, RetriesConfig, RoutingConfig, RoutingStrategy, TimeoutsConfig } from '../../config/schema.js';
import type { ProviderSet } from '../../providers/registry.js';
import type { ProviderAdapter } from '../../providers/spec.js';
import type { RoutingGroupStore } from '../../store/types.js';
import type { ModelDirectory, Route } from '../model-directory.js';
import type { DeploymentStats } from './deployment-stats.js';
import { createOrgGroupSource, orgDeploymentId, type OrgGroupDefinition, type OrgGroupSet } from './org-groups.js';

export type Deployment = {
  /** Names it in headers, the ledger, breaker state and /health. */
  id: string;
  provider: string;
  entry: ModelEntry;
  adapter: ProviderAdapter;
  weight: number;
  /** Configured with a credential of its own, used instead of the organization's stored one. */
  ownKey: boolean;
  /** One of a configured group (its own connection pool), not a catalogue entry served with the provider's settings. */
  grouped: boolean;
  /** An organization group's deployment bound to one of the organization's stored credentials (its id). */
  credentialId?: string;
};

export type Candidate = { deployment: Deployment; route: Route };

export type RoutingPolicy = {
  strategy: RoutingStrategy;
  timeouts: Required<TimeoutsConfig>;
  retries: Required<RetriesConfig>;
  hedge: HedgeConfig | null;
};

export type RoutePlan = { candidates: Candidate[]; policy: RoutingPolicy };

export type PlanRequest = {
  model: string;
  capability: Capability;
  /** Fallback model names from the request (`models`, `fallbacks`, X-Switchyard-Fallbacks), in order. */
  fallbacks: readonly string[];
  /** Providers reachable only with a credential the call brings (organization's stored key, BYOK). */
  canReach?: (provider: string) => boolean;
  /** BYOK: the brought key belongs to one provider (the first candidate's); other providers' deployments are left out. */
  singleProvider?: boolean;
  /** The caller's organization: its own groups (once prepared) come before the configured ones. */
  organizationId?: string | null;
};

export type GroupView = { name: string; strategy: RoutingStrategy; deployments: readonly Deployment[] };

export type Router = {
  plan(request: PlanRequest): RoutePlan;
  /**
   * Loads the organization's own groups for `plan` (and `organizationGroups`): undefined when they are at hand,
   * else a Promise to await first. Nothing to do for a call without an organization.
   */
  prepare(organizationId: string | null | undefined): void | Promise<void>;
  /** Drops the organization's groups after a change through this gateway; the next `prepare` reads them again. */
  forget(organizationId: string): void;
  /** The configured groups (public model names served by several deployments), in configuration order. */
  groups(): ReadonlyArray<GroupView>;
  /** The organization's own groups as last prepared, by name (they hide configured groups of the same name). */
  organizationGroups(organizationId: string): ReadonlyArray<GroupView>;
  deployments(): readonly Deployment[];
};

export const defaultTimeouts: Required<TimeoutsConfig> = { connectMs: 10_000, firstTokenMs: 300_000, idleMs: 300_000, totalMs: 600_000 };
export const defaultRetries: Required<RetriesConfig> = { retries: 0, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000, maxAttempts: 6 };

type Group = {
  name: string;
  deployments: Deployment[];
  fallbacks: string[];
  policy: RoutingPolicy;
  /** An organization's group: each deployment is served only when this call can reach its provider's model. */
  owned?: boolean;
};

/** What the router keeps of an organization: the definitions it was built from, and the groups built. */
type Prepared = { source: OrgGroupSet; groups: Map<string, Group> };
const maxPreparedOrganizations = 10_000;

export function createRouter(options: {
  config: Readonly<RoutingConfig>;
  directory: ModelDirectory;
  providers: Pick<ProviderSet, 'deploymentAdapter'> & Partial<Pick<ProviderSet, 'adapterFor'>>;
  stats: DeploymentStats;
  random?: () => number;
  /** Organizations' own groups; absent: only the configured groups. */
  groupStore?: Pick<RoutingGroupStore, 'list'>;
  /** How long an organization's groups are used before they are read again (default 5 s). */
  groupTtlMs?: number;
  now?: () => number;
}): Router {
  const { config, directory, stats } = options;
  const random = options.random ?? Math.random;
  const basePolicy: RoutingPolicy = {
    strategy: config.strategy,
    timeouts: { ...defaultTimeouts, ...defined(config.timeouts) },
    retries: { ...defaultRetries, ...defined(config.retries) },
    hedge: config.hedge,
  };
  const groups = new Map<string, Group>();
  const policyOf = (group: Pick<OrgGroupDefinition, 'strategy' | 'timeouts' | 'retries' | 'hedge'>): RoutingPolicy => ({
    strategy: group.strategy ?? basePolicy.strategy,
    timeouts: { ...basePolicy.timeouts, ...defined(group.timeouts ?? {}) },
    retries: { ...basePolicy.retries, ...defined(group.retries ?? {}) },
    hedge: group.hedge === undefined ? basePolicy.hedge : group.hedge,
  });
  for (const [name, group] of Object.entries(config.groups)) {
    const policy = policyOf(group);
    const used = new Map<string, number>();
    const deployments = group.deployments.map((deployment) => buildDeployment(name, deployment, used, policy));
    groups.set(name, { name, deployments, fallbacks: group.fallbacks ?? [], policy });
  }
  // One Deployment per catalogue entry served directly, so stats and breakers follow it from call to call.
  const direct = new Map<ModelEntry, Map<ProviderAdapter, Deployment>>();
  const source =
    options.groupStore === undefined
      ? undefined
      : createOrgGroupSource({
          store: options.groupStore,
          ...(options.groupTtlMs === undefined ? {} : { ttlMs: options.groupTtlMs }),
          ...(options.now === undefined ? {} : { now: options.now }),
        });
  const prepared = new Map<string, Prepared>();

  function remember(organizationId: string, set: OrgGroupSet): void {
    if (prepared.get(organizationId)?.source === set) return;
    if (prepared.size >= maxPreparedOrganizations && !prepared.has(organizationId)) prepared.clear();
    const built = new Map<string, Group>();
    for (const [name, definition] of set) built.set(name, buildOrgGroup(organizationId, name, definition));
    prepared.set(organizationId, { source: set, groups: built });
  }

  function buildOrgGroup(organizationId: string, name: string, definition: OrgGroupDefinition): Group {
    const deployments: Deployment[] = [];
    definition.deployments.forEach((deployment, index) => {
      const entry = directory.entryFor(deployment.provider, deployment.model);
      const adapter = options.providers.adapterFor?.(deployment.provider) ?? configuredAdapter(entry);
      // A provider turned off since the group was saved: the deployment is left out.
      if (adapter === undefined) return;
      deployments.push({
        id: orgDeploymentId(organizationId, name, index),
        provider: deployment.provider,
        entry,
        adapter,
        weight: deployment.weight,
        ownKey: false,
        grouped: false,
        ...(deployment.credential_id === undefined ? {} : { credentialId: deployment.credential_id }),
      });
    });
    return { name, deployments, fallbacks: definition.fallbacks ?? [], policy: policyOf(definition), owned: true };
  }

  /** Without `adapterFor` (only a configured provider can serve): the adapter the directory routes the entry to. */
  function configuredAdapter(entry: ModelEntry): ProviderAdapter | undefined {
    try {
      return directory.route(`${entry.provider}/${entry.id}`, entry.capabilities[0] ?? 'chat').adapter;
    } catch {
      return undefined;
    }
  }

  function buildDeployment(group: string, deployment: DeploymentConfig, used: Map<string, number>, policy: RoutingPolicy): Deployment {
    const adapter = options.providers.deploymentAdapter(deployment.provider, {
      ...(deployment.apiKey === undefined ? {} : { apiKey: deployment.apiKey }),
      ...(deployment.baseURL === undefined ? {} : { baseURL: deployment.baseURL }),
      connectTimeoutMs: policy.timeouts.connectMs,
    });
    if (adapter === undefined) throw new Error(`routing.groups.${group}: unknown provider '${deployment.provider}'.`);
    const base = deployment.id ?? `${deployment.provider}/${deployment.model}`;
    const seen = used.get(base) ?? 0;
    used.set(base, seen + 1);
    const entry = directory.entryFor(deployment.provider, deployment.model);
    return {
      id: deployment.id ?? (seen === 0 ? base : `${base}#${seen + 1}`),
      provider: deployment.provider,
      entry: entry.upstreamId === deployment.model ? entry : { ...entry, upstreamId: deployment.model },
      adapter,
      weight: deployment.weight,
      ownKey: deployment.apiKey !== undefined,
      grouped: true,
    };
  }

  function directDeployment(route: Route): Deployment {
    let byAdapter = direct.get(route.entry);
    if (byAdapter === undefined) direct.set(route.entry, (byAdapter = new Map()));
    let deployment = byAdapter.get(route.adapter);
    if (deployment === undefined) {
      deployment = { id: `${route.entry.provider}/${route.entry.upstreamId}`, provider: route.entry.provider, entry: route.entry, adapter: route.adapter, weight: 1, ownKey: false, grouped: false };
      byAdapter.set(route.adapter, deployment);
    }
    return deployment;
  }

  function order(deployments: readonly Deployment[], strategy: RoutingStrategy): Deployment[] {
    if (deployments.length <= 1) return [...deployments];
    // A random key per deployment breaks ties (and is the weighted order: Efraimidis–Spirakis, u^(1/w)).
    const keyed = deployments.map((deployment) => ({ deployment, key: Math.pow(random(), 1 / deployment.weight) }));
    const byKey = (a: { key: number }, b: { key: number }) => b.key - a.key;
    switch (strategy) {
      case 'weighted':
        keyed.sort(byKey);
        break;
      case 'least-busy':
        keyed.sort((a, b) => stats.inFlight(a.deployment.id) - stats.inFlight(b.deployment.id) || byKey(a, b));
        break;
      case 'lowest-latency':
        keyed.sort((a, b) => (stats.latency(a.deployment.id) ?? -1) - (stats.latency(b.deployment.id) ?? -1) || byKey(a, b));
        break;
      case 'cost-first':
        keyed.sort((a, b) => price(a.deployment.entry) - price(b.deployment.entry) || byKey(a, b));
        break;
    }
    return keyed.map((item) => item.deployment);
  }

  function expand(name: string, request: PlanRequest): { candidates: Candidate[]; group: Group | undefined } {
    const { capability, canReach } = request;
    const organizationId = request.organizationId ?? undefined;
    const group = (organizationId === undefined ? undefined : prepared.get(organizationId)?.groups.get(name)) ?? groups.get(name);
    if (group !== undefined) {
      const serving = group.owned === true ? reachable(group, request) : group.deployments.filter((deployment) => supports(deployment.entry, capability));
      if (serving.length === 0) throw notSupported(name, capability);
      const candidates = order(serving, group.policy.strategy).map((deployment) => ({
        deployment,
        route: { entry: deployment.entry, adapter: deployment.adapter, requested: name },
      }));
      return { candidates, group };
    }
    const route = directory.route(name, capability, canReach);
    return { candidates: [{ deployment: directDeployment(route), route }], group: undefined };
  }

  /**
   * An organization group's deployments this call can use: the model still in the catalogue, with the
   * capability, and its provider configured on the server or reachable with the organization's credential.
   */
  function reachable(group: Group, request: PlanRequest): Deployment[] {
    const serving: Deployment[] = [];
    let refusal: GatewayError | undefined;
    let unsupported = false;
    for (const deployment of group.deployments) {
      try {
        directory.route(`${deployment.provider}/${deployment.entry.id}`, request.capability, request.canReach);
        serving.push(deployment);
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        if (error.publicCode === 'model_not_supported') unsupported = true;
        else refusal ??= error;
      }
    }
    // Asking a chat group for embeddings says so, rather than which of its providers is out of reach.
    if (serving.length > 0 || unsupported || refusal === undefined) return serving;
    throw new GatewayError(refusal.code, `No deployment of the model group '${group.name}' can serve this call: ${refusal.message}`, {
      param: 'model',
      publicCode: refusal.publicCode,
      status: refusal.status,
    });
  }

  return {
    groups: () => [...groups.values()].map(view),
    organizationGroups: (organizationId) => [...(prepared.get(organizationId)?.groups.values() ?? [])].map(view),
    deployments: () => [...groups.values()].flatMap((group) => group.deployments),
    prepare(organizationId) {
      if (source === undefined || organizationId === null || organizationId === undefined) return;
      const loaded = source.load(organizationId);
      if (!(loaded instanceof Promise)) return remember(organizationId, loaded);
      return loaded.then((set) => remember(organizationId, set));
    },
    forget(organizationId) {
      source?.forget(organizationId);
      prepared.delete(organizationId);
    },
    plan(request) {
      const primary = expand(request.model, request);
      const candidates = [...primary.candidates];
      const seen = new Set(candidates.map((candidate) => candidate.deployment.id));
      const add = (list: Candidate[]) => {
        for (const candidate of list) {
          if (seen.has(candidate.deployment.id)) continue;
          seen.add(candidate.deployment.id);
          candidates.push(candidate);
        }
      };
      request.fallbacks.forEach((name, index) => {
        try {
          add(expand(name, request).candidates);
        } catch (error) {
          if (!(error instanceof GatewayError)) throw error;
          throw new GatewayError(error.code, `Fallback model ${index + 1} ('${name}'): ${error.message}`, {
            param: 'fallbacks',
            publicCode: error.publicCode,
            status: error.status,
          });
        }
      });
      for (const name of primary.group?.fallbacks ?? []) {
        try {
          add(expand(name, request).candidates);
        } catch {
          // A configured fallback this call cannot use (a capability it lacks, a provider not configured) is left out.
        }
      }
      const first = candidates[0]!.deployment.provider;
      const usable = request.singleProvider === true ? candidates.filter((candidate) => candidate.deployment.provider === first) : candidates;
      return { candidates: usable, policy: primary.group?.policy ?? basePolicy };
    },
  };
}

function view(group: Group): GroupView {
  return { name: group.name, strategy: group.policy.strategy, deployments: group.deployments };
}

function notSupported(name: string, capability: Capability): GatewayError {
  return new GatewayError('invalid_request', `The model '${name}' does not support ${capability === 'chat' ? 'chat completions' : capability}.`, {
    param: 'model',
    publicCode: 'model_not_supported',
  });
}

function supports(entry: ModelEntry, capability: Capability): boolean {
  return entry.capabilities.includes(capability) || (capability === 'completions' && entry.capabilities.includes('chat'));
}

/** A comparable price: a million input tokens plus a million output tokens. */
function price(entry: ModelEntry): number {
  return entry.pricing.input + entry.pricing.output;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
