// GET /ai/models and the provider names of the simple surface. Its clients know Gemini models as Google's
// (`provider: "google"`), so this surface says `google` where the rest of the gateway says `gemini`, and it
// accepts `google/<model>` wherever `gemini/<model>` is accepted, unless a model is itself named so (OpenRouter
// lists `google/gemini-2.5-flash`): a name the catalogue knows as it is keeps its meaning.
import type { Catalogue, ModelEntry } from '../../core/catalogue.js';
import { sendJson, type Exchange } from '../../http/server.js';
import type { ModelDirectory } from '../../pipeline/model-directory.js';

const publicProviderNames: Readonly<Record<string, string>> = { gemini: 'google' };
const providerIdsByPublicName = new Map(Object.entries(publicProviderNames).map(([id, name]) => [name, id]));

export function simpleProviderName(provider: string): string {
  return publicProviderNames[provider] ?? provider;
}

/** A model name as the catalogue knows it: `google/x` → `gemini/x` when `google/x` names nothing itself. */
export function catalogueModelName(catalogue: Catalogue, name: string): string {
  if (catalogue.resolve(name) !== undefined) return name;
  const slash = name.indexOf('/');
  if (slash <= 0) return name;
  const provider = providerIdsByPublicName.get(name.slice(0, slash));
  return provider === undefined ? name : `${provider}${name.slice(slash)}`;
}

/** Only the models this surface can serve: chat (for /ai/chat and /ai/generate) or embeddings. */
export function handleListModels(directory: ModelDirectory, exchange: Exchange): void {
  const models = directory.catalogue
    .list()
    .filter((entry) => entry.capabilities.includes('chat') || entry.capabilities.includes('embeddings'))
    .map((entry) => describeModel(directory, entry));
  sendJson(exchange.response, 200, { models });
}

function describeModel(directory: ModelDirectory, entry: ModelEntry) {
  const name = directory.publicName(entry);
  const provider = simpleProviderName(entry.provider);
  let id = name;
  if (provider !== entry.provider && name.startsWith(`${entry.provider}/`)) {
    const renamed = `${provider}${name.slice(entry.provider.length)}`;
    if (directory.catalogue.resolve(renamed) === undefined) id = renamed;
  }
  return {
    id,
    provider,
    capabilities: entry.capabilities,
    context_length: entry.contextLength,
    ...(entry.dimensions ? { dimensions: entry.dimensions } : {}),
  };
}
