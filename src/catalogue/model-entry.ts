// The one way catalogue data becomes a ModelEntry: prices written as published (USD per million tokens) are
// converted once, here, to the integer micro-USD the pricing math uses.
import type { Capability, ModelEntry, Pricing } from '../core/catalogue.js';
import { usdPerMillionToMicro } from '../core/pricing.js';

/** Prices in USD per million tokens, exactly as a provider's pricing page writes them. */
export type UsdPrices = {
  input: number;
  output: number;
  cachedInput?: number | undefined;
  cacheWrite?: number | undefined;
  /** A cache write kept for one hour (Anthropic's `ttl: "1h"`), where priced apart from `cacheWrite`. */
  cacheWrite1h?: number | undefined;
  reasoning?: number | undefined;
};

export type ModelSpec = {
  id: string;
  provider: string;
  /** Defaults to `id`; differs when the upstream name would not work as a public one (see groq.ts). */
  upstreamId?: string;
  capabilities: readonly Capability[];
  contextLength: number;
  maxOutputTokens?: number;
  prices: UsdPrices;
  /** Default vector size of an embedding model. */
  dimensions?: number;
  aliases?: readonly string[];
  /** Release date, `YYYY-MM-DD` (UTC); becomes `created` in /v1/models. */
  released?: string;
};

export function pricingFromUsd(prices: UsdPrices): Pricing {
  const pricing: Pricing = { input: usdPerMillionToMicro(prices.input), output: usdPerMillionToMicro(prices.output) };
  if (prices.cachedInput !== undefined) pricing.cachedInput = usdPerMillionToMicro(prices.cachedInput);
  if (prices.cacheWrite !== undefined) pricing.cacheWrite = usdPerMillionToMicro(prices.cacheWrite);
  if (prices.cacheWrite1h !== undefined) pricing.cacheWrite1h = usdPerMillionToMicro(prices.cacheWrite1h);
  if (prices.reasoning !== undefined) pricing.reasoning = usdPerMillionToMicro(prices.reasoning);
  return pricing;
}

export function releaseDateToUnixSeconds(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`release date '${date}' is not YYYY-MM-DD`);
  const millis = Date.parse(`${date}T00:00:00Z`);
  // Date.parse rolls some impossible days over (Feb 30 → Mar 2); the round trip catches them.
  if (Number.isNaN(millis) || new Date(millis).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`release date '${date}' is not a calendar date`);
  }
  return millis / 1000;
}

/** Builds a frozen entry: shipped data is shared by every request, so nothing may change it in place. */
export function model(spec: ModelSpec): ModelEntry {
  const entry: ModelEntry = {
    id: spec.id,
    provider: spec.provider,
    upstreamId: spec.upstreamId ?? spec.id,
    aliases: Object.freeze([...(spec.aliases ?? [])]) as string[],
    capabilities: Object.freeze([...spec.capabilities]) as Capability[],
    contextLength: spec.contextLength,
    pricing: Object.freeze(pricingFromUsd(spec.prices)),
    created: spec.released === undefined ? 0 : releaseDateToUnixSeconds(spec.released),
  };
  if (spec.maxOutputTokens !== undefined) entry.maxOutputTokens = spec.maxOutputTokens;
  if (spec.dimensions !== undefined) entry.dimensions = spec.dimensions;
  return Object.freeze(entry);
}
