// Cost arithmetic in integers only. Prices are micro-USD per million tokens, costs micro-USD.
import type { Pricing } from './catalogue.js';
import type { Usage } from './chat.js';

const MILLION = 1_000_000n;

/** Converts a price in USD per million tokens (as written in config) to integer micro-USD per million tokens. */
export function usdPerMillionToMicro(usd: number): number {
  const micro = Math.round(usd * 1_000_000);
  if (!Number.isSafeInteger(micro) || micro < 0) throw new RangeError(`price ${usd} is out of range`);
  return micro;
}

/**
 * The cost of one call in micro-USD. Every token class is billed at its own price (cached input and cache
 * writes at theirs when given, one-hour cache writes at theirs, reasoning at its own when priced apart from output); the sum is computed
 * exactly in BigInt and rounded half-up once, per call.
 */
export function costMicroUsd(usage: Usage, pricing: Pricing): number {
  const cacheRead = BigInt(usage.input.cacheRead);
  const cacheWrite = BigInt(usage.input.cacheWrite);
  // The one-hour part of the cache writes, never more than all of them.
  const cacheWrite1h = BigInt(Math.min(usage.input.cacheWrite1h ?? 0, usage.input.cacheWrite));
  const cacheWritePrice = BigInt(pricing.cacheWrite ?? pricing.input);
  const uncached = BigInt(Math.max(0, usage.input.total - usage.input.cacheRead - usage.input.cacheWrite));
  const reasoning = BigInt(usage.output.reasoning);
  const reasoningApart = pricing.reasoning !== undefined;
  const visibleOutput = BigInt(usage.output.total) - (reasoningApart ? reasoning : 0n);
  const picoTotal =
    uncached * BigInt(pricing.input) +
    cacheRead * BigInt(pricing.cachedInput ?? pricing.input) +
    (cacheWrite - cacheWrite1h) * cacheWritePrice +
    cacheWrite1h * (pricing.cacheWrite1h === undefined ? cacheWritePrice : BigInt(pricing.cacheWrite1h)) +
    (visibleOutput > 0n ? visibleOutput : 0n) * BigInt(pricing.output) +
    (reasoningApart ? reasoning * BigInt(pricing.reasoning!) : 0n);
  return Number((picoTotal + MILLION / 2n) / MILLION);
}

/** Renders micro-USD as cents for the `X-Cost` header (seed 001): `25`, `0.0123`; exact decimal, no float. */
export function microUsdToCents(micro: number): string {
  // 1 cent = 10_000 micro-USD.
  const whole = Math.trunc(micro / 10_000);
  const fraction = micro % 10_000;
  if (fraction === 0) return String(whole);
  return `${whole}.${String(fraction).padStart(4, '0').replace(/0+$/, '')}`;
}
