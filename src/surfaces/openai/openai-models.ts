// GET /v1/models and /v1/models/{id}: OpenAI's list shape plus what a gateway user needs to choose
// (provider, capabilities, context length, prices in USD per million tokens).
import type { ModelEntry, Pricing } from '../../core/catalogue.js';
import { GatewayError } from '../../core/errors.js';
import { sendJson, type Exchange } from '../../http/server.js';
import type { ModelDirectory } from '../../pipeline/model-directory.js';
import type { GroupView, Router } from '../../pipeline/routing/router.js';

type GroupSource = Pick<Router, 'groups' | 'organizationGroups' | 'prepare'>;

/** The caller's organization's own groups first, then the configured groups they do not shadow. */
async function visibleGroups(exchange: Exchange, router: GroupSource | undefined): Promise<GroupView[]> {
  if (router === undefined) return [];
  const organizationId = exchange.principal?.organizationId;
  if (organizationId == null) return [...router.groups()];
  const preparing = router.prepare(organizationId);
  if (preparing instanceof Promise) await preparing;
  const own = router.organizationGroups(organizationId).filter((group) => group.deployments.length > 0);
  const names = new Set(own.map((group) => group.name));
  return [...own, ...router.groups().filter((group) => !names.has(group.name))];
}

export async function handleListModels(directory: ModelDirectory, exchange: Exchange, router?: GroupSource): Promise<void> {
  const groups = await visibleGroups(exchange, router);
  const data = [...groups.map(describeGroup), ...directory.catalogue.list().map((entry) => describeModel(directory, entry))];
  sendJson(exchange.response, 200, { object: 'list', data });
}

/**
 * A model group (routing.groups) as a model: served by its deployments in the order its strategy picks, so
 * its capabilities are those every deployment has, and its prices are its first deployment's.
 */
function describeGroup(group: GroupView) {
  const [first] = group.deployments;
  const capabilities = first!.entry.capabilities.filter((capability) => group.deployments.every((deployment) => deployment.entry.capabilities.includes(capability)));
  return {
    id: group.name,
    object: 'model',
    created: 0,
    // An organization's own group (routing groups API) is the organization's; a configured one the gateway's.
    owned_by: first!.id.startsWith('org:') ? 'organization' : 'switchyard',
    provider: 'switchyard',
    routing: { strategy: group.strategy, deployments: group.deployments.map((deployment) => ({ id: deployment.id, provider: deployment.provider, upstream_id: deployment.entry.upstreamId, weight: deployment.weight })) },
    capabilities,
    context_length: Math.min(...group.deployments.map((deployment) => deployment.entry.contextLength)),
    aliases: [],
    pricing: describePricing(first!.entry.pricing),
  };
}

export async function handleGetModel(directory: ModelDirectory, exchange: Exchange, router?: GroupSource): Promise<void> {
  const raw = exchange.params['*'] ?? exchange.params.id ?? '';
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new GatewayError('invalid_request', `The model id '${raw}' is not correctly percent-encoded.`, { param: 'model' });
  }
  const group = (await visibleGroups(exchange, router)).find((candidate) => candidate.name === name);
  if (group !== undefined) {
    sendJson(exchange.response, 200, describeGroup(group));
    return;
  }
  const resolved = directory.catalogue.resolve(name);
  if (!resolved) {
    throw new GatewayError('model_not_found', `The model '${name}' does not exist on this gateway. List the available models with GET /v1/models.`, {
      param: 'model',
      publicCode: 'model_not_found',
    });
  }
  sendJson(exchange.response, 200, describeModel(directory, resolved.entry));
}

function describeModel(directory: ModelDirectory, entry: ModelEntry) {
  return {
    id: directory.publicName(entry),
    object: 'model',
    created: entry.created,
    owned_by: entry.provider,
    provider: entry.provider,
    upstream_id: entry.upstreamId,
    capabilities: entry.capabilities,
    context_length: entry.contextLength,
    ...(entry.maxOutputTokens ? { max_output_tokens: entry.maxOutputTokens } : {}),
    ...(entry.dimensions ? { dimensions: entry.dimensions } : {}),
    aliases: entry.aliases,
    pricing: describePricing(entry.pricing),
  };
}

/** Prices back in USD per million tokens, as decimal strings computed from integers (no float drift). */
function describePricing(pricing: Pricing) {
  const usd = (micro: number | undefined) => (micro === undefined ? undefined : formatMicro(micro));
  return Object.fromEntries(
    Object.entries({
      unit: 'USD per 1M tokens',
      input: usd(pricing.input),
      output: usd(pricing.output),
      cached_input: usd(pricing.cachedInput),
      cache_write: usd(pricing.cacheWrite),
      cache_write_1h: usd(pricing.cacheWrite1h),
      reasoning: usd(pricing.reasoning),
    }).filter(([, value]) => value !== undefined),
  );
}

function formatMicro(micro: number): string {
  const whole = Math.trunc(micro / 1_000_000);
  const fraction = micro % 1_000_000;
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}
