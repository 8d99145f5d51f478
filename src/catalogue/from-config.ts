// Config `models:` entries on top of the shipped catalogue. An entry naming a shipped provider+id overrides the
// fields it gives and keeps the rest; any other entry is a new model. Prices arrive in USD per million tokens.
import type { ModelEntry } from '../core/catalogue.js';
import type { ModelConfig } from '../config/schema.js';
import { pricingFromUsd } from './model-entry.js';

export function mergeModels(shipped: readonly ModelEntry[], configured: readonly ModelConfig[]): ModelEntry[] {
  const byKey = new Map<string, ModelEntry>();
  for (const entry of shipped) byKey.set(keyOf(entry), entry);
  // An override keeps the shipped entry's place; a new entry goes last, so it wins a bare name it shares.
  for (const config of configured) {
    const key = keyOf(config);
    const existing = byKey.get(key);
    byKey.set(key, existing ? overrideEntry(existing, config) : newEntry(config));
  }
  return [...byKey.values()];
}

function keyOf(model: { provider: string; id: string }): string {
  return `${model.provider}/${model.id}`;
}

function newEntry(config: ModelConfig): ModelEntry {
  return overrideEntry(
    {
      id: config.id,
      provider: config.provider,
      upstreamId: config.id,
      aliases: [],
      capabilities: ['chat'],
      contextLength: 0,
      pricing: { input: 0, output: 0 },
      created: 0,
    },
    config,
  );
}

/** A copy of `base` with every field the config gives; `pricing` is replaced whole, as config states a full price list. */
function overrideEntry(base: ModelEntry, config: ModelConfig): ModelEntry {
  const entry: ModelEntry = { ...base, aliases: [...base.aliases], capabilities: [...base.capabilities] };
  if (config.upstreamId !== undefined) entry.upstreamId = config.upstreamId;
  if (config.aliases !== undefined) entry.aliases = [...config.aliases];
  if (config.capabilities !== undefined) entry.capabilities = [...config.capabilities];
  if (config.contextLength !== undefined) entry.contextLength = config.contextLength;
  if (config.maxOutputTokens !== undefined) entry.maxOutputTokens = config.maxOutputTokens;
  if (config.dimensions !== undefined) entry.dimensions = config.dimensions;
  entry.pricing = config.pricing === undefined ? { ...base.pricing } : pricingFromUsd(config.pricing);
  return entry;
}
