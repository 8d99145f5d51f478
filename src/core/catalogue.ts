// Model catalogue types and name resolution. Data lives in src/catalogue/, config may extend it.

export const capabilities = [
  'chat',
  'completions',
  'vision',
  'function_calling',
  'json_mode',
  'embeddings',
  'reasoning',
  'audio',
] as const;
export type Capability = (typeof capabilities)[number];

/** Integer micro-USD per million tokens (so $2.50 / 1M tokens is 2_500_000): exact for any 6-decimal price. */
export type Pricing = {
  input: number;
  output: number;
  cachedInput?: number;
  cacheWrite?: number;
  /** One-hour cache writes, where priced apart from `cacheWrite` (the short-lived write). */
  cacheWrite1h?: number;
  reasoning?: number;
};

export type ModelEntry = {
  /** The public name clients use (without provider prefix). */
  id: string;
  provider: string;
  /** The id sent upstream; equals `id` unless configured otherwise. */
  upstreamId: string;
  aliases: string[];
  capabilities: Capability[];
  contextLength: number;
  maxOutputTokens?: number;
  pricing: Pricing;
  /** Default output size of embedding models. */
  dimensions?: number;
  /** Unix seconds, shown in /v1/models. */
  created: number;
  /** True when the entry was synthesised for a `provider/model` name the catalogue does not list. */
  synthetic?: boolean;
};

export type ResolvedModel = {
  entry: ModelEntry;
  /** The name as the client wrote it. */
  requested: string;
};

export type Catalogue = {
  list(): readonly ModelEntry[];
  /** `provider/model` or a bare id or alias; undefined when nothing matches. */
  resolve(name: string): ResolvedModel | undefined;
};

export function buildCatalogue(entries: readonly ModelEntry[], knownProviders: ReadonlySet<string>): Catalogue {
  const byName = new Map<string, ModelEntry>();
  const byQualified = new Map<string, ModelEntry>();
  // Later entries override earlier ones (config after the shipped list).
  for (const entry of entries) {
    byQualified.set(`${entry.provider}/${entry.id}`, entry);
    byName.set(entry.id, entry);
    for (const alias of entry.aliases) {
      byName.set(alias, entry);
      byQualified.set(`${entry.provider}/${alias}`, entry);
    }
  }
  // Aliases point at the same entry object, so a Set lists each model once.
  const unique = [...new Set(byQualified.values())].filter((entry) => knownProviders.has(entry.provider));
  return {
    list: () => unique,
    resolve(name) {
      const qualified = byQualified.get(name);
      if (qualified && knownProviders.has(qualified.provider)) return { entry: qualified, requested: name };
      const slash = name.indexOf('/');
      if (slash > 0) {
        const provider = name.slice(0, slash);
        const model = name.slice(slash + 1);
        if (knownProviders.has(provider) && model.length > 0) {
          return {
            requested: name,
            entry: {
              id: model,
              provider,
              upstreamId: model,
              aliases: [],
              capabilities: ['chat', 'completions', 'embeddings', 'function_calling', 'vision', 'json_mode'],
              contextLength: 0,
              pricing: { input: 0, output: 0 },
              created: 0,
              synthetic: true,
            },
          };
        }
      }
      const bare = byName.get(name);
      if (bare && knownProviders.has(bare.provider)) return { entry: bare, requested: name };
      return undefined;
    },
  };
}
