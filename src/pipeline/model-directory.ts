// Model name → catalogue entry + adapter, with errors that tell the client what to do next.
import { buildCatalogue, type Capability, type Catalogue, type ModelEntry } from '../core/catalogue.js';
import { GatewayError } from '../core/errors.js';
import type { ProviderAdapter } from '../providers/spec.js';

export type Route = { entry: ModelEntry; adapter: ProviderAdapter; requested: string };

export type ModelDirectory = {
  readonly catalogue: Catalogue;
  /**
   * Resolves a client's model name for a use; throws a 404/400 GatewayError naming the problem.
   * `canReach` names providers without a server-wide credential that this call can still use because
   * it brings its own key (an organization's stored credential, or BYOK).
   */
  route(name: string, capability: Capability, canReach?: (provider: string) => boolean): Route;
  /** The catalogue entry (for prices) of a provider's model as a pass-through client names it; synthetic when unknown. */
  entryFor(provider: string, model: string): ModelEntry;
  /** The public name of an entry: bare when it resolves back to the entry, else `provider/id`. */
  publicName(entry: ModelEntry): string;
};

export function createModelDirectory(
  entries: readonly ModelEntry[],
  adapters: ReadonlyMap<string, ProviderAdapter>,
  allProviders: ReadonlySet<string>,
  adapterFor: (provider: string) => ProviderAdapter | undefined = (provider) => adapters.get(provider),
): ModelDirectory {
  const catalogue = buildCatalogue(entries, new Set(adapters.keys()));
  // Knows every provider, so a model of an unconfigured provider gets a precise message.
  const everything = buildCatalogue(entries, allProviders);
  const publicNames = new Map<ModelEntry, string>();
  for (const entry of catalogue.list()) {
    publicNames.set(entry, catalogue.resolve(entry.id)?.entry === entry ? entry.id : `${entry.provider}/${entry.id}`);
  }

  return {
    catalogue,
    entryFor(provider, model) {
      const found = everything.resolve(`${provider}/${model}`)?.entry;
      if (found !== undefined && found.provider === provider) return found;
      return { ...syntheticEntry, id: model, provider, upstreamId: model };
    },
    publicName: (entry) => publicNames.get(entry) ?? `${entry.provider}/${entry.id}`,
    route(name, capability, canReach) {
      let resolved = catalogue.resolve(name);
      let adapter = resolved && adapters.get(resolved.entry.provider);
      if (!resolved && canReach) {
        const elsewhere = everything.resolve(name);
        if (elsewhere && canReach(elsewhere.entry.provider)) {
          adapter = adapterFor(elsewhere.entry.provider);
          if (adapter) resolved = elsewhere;
        }
      }
      if (!resolved || !adapter) throw unknownModel(name, everything);
      const { entry } = resolved;
      if (!entry.capabilities.includes(capability) && !(capability === 'completions' && entry.capabilities.includes('chat'))) {
        throw new GatewayError('invalid_request', `The model '${name}' does not support ${describe(capability)}.`, {
          param: 'model',
          publicCode: 'model_not_supported',
        });
      }
      return { entry, adapter, requested: name };
    },
  };
}

function unknownModel(name: string, everything: Catalogue): GatewayError {
  const elsewhere = everything.resolve(name);
  const message = elsewhere
    ? `The model '${name}' belongs to the provider '${elsewhere.entry.provider}', which is not configured on this gateway ` +
      `(give it a credential, e.g. ${elsewhere.entry.provider.toUpperCase()}_API_KEY). List the available models with GET /v1/models.`
    : `The model '${name}' does not exist on this gateway. List the available models with GET /v1/models, ` +
      `or name one as 'provider/model'.`;
  return new GatewayError('model_not_found', message, { param: 'model', publicCode: 'model_not_found' });
}

function describe(capability: Capability): string {
  return capability === 'chat' ? 'chat completions' : capability;
}

const syntheticEntry: ModelEntry = {
  id: '',
  provider: '',
  upstreamId: '',
  aliases: [],
  capabilities: ['chat'],
  contextLength: 0,
  pricing: { input: 0, output: 0 },
  created: 0,
  synthetic: true,
};
