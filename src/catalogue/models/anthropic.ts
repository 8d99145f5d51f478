// Anthropic models. Prices as published on https://platform.claude.com/docs/en/about-claude/pricing and the
// model pages (https://platform.claude.com/docs/en/models/<model>/overview), checked 2026-11. `cacheWrite` is the
// 5-minute cache write (1.25× input), `cacheWrite1h` the one-hour write (2× input); `cachedInput` the cache hit (0.1× input, less on the 5.5 and Fable 5.1
// models). Dated snapshot ids are aliases of the model they pin. Retired ids (Opus 4/4.1, Sonnet 4) are left out.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'anthropic';
// Structured outputs and tool use translate to json_mode and function calling; every current model thinks.
const claude: readonly Capability[] = ['chat', 'vision', 'function_calling', 'json_mode', 'reasoning'];

/** Anthropic's standard cache multipliers; the newest models publish their own cache-hit price instead. */
function claudePrices(input: number, output: number, cacheHit = input / 10) {
  return { input, output, cachedInput: cacheHit, cacheWrite: input * 1.25, cacheWrite1h: input * 2 };
}

export const anthropicModels = [
  model({
    id: 'claude-fable-5-1', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(10, 50, 0.25),
  }),
  model({
    id: 'claude-opus-5-5', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(4, 20, 0.2), released: '2026-09-22',
  }),
  // Cache hits cut from $0.20 to $0.10 on 2026-10-07.
  model({
    id: 'claude-sonnet-5-5', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(2, 10, 0.1),
  }),
  // Priced by prompt length: these are the rates for prompts up to 100K tokens; longer prompts cost 5× (not modelled).
  model({
    id: 'claude-haiku-5-5', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(0.1, 0.5, 0.01), released: '2026-10-07',
  }),
  model({
    id: 'claude-opus-5', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(5, 25), released: '2026-07-24',
  }),
  model({
    id: 'claude-sonnet-5', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(2, 10), released: '2026-06-30',
  }),
  model({
    id: 'claude-opus-4-8', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(5, 25), released: '2026-05-28',
  }),
  model({
    id: 'claude-opus-4-7', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(5, 25), released: '2026-04-16',
  }),
  model({
    id: 'claude-opus-4-6', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(5, 25), released: '2026-02-05',
  }),
  model({
    id: 'claude-sonnet-4-6', provider, capabilities: claude, contextLength: 1_000_000, maxOutputTokens: 128_000,
    prices: claudePrices(3, 15), released: '2026-02-17',
  }),
  model({
    id: 'claude-opus-4-5', provider, capabilities: claude, contextLength: 200_000, maxOutputTokens: 64_000,
    prices: claudePrices(5, 25), aliases: ['claude-opus-4-5-20251101'], released: '2025-11-24',
  }),
  model({
    id: 'claude-haiku-4-5', provider, capabilities: claude, contextLength: 200_000, maxOutputTokens: 64_000,
    prices: claudePrices(1, 5), aliases: ['claude-haiku-4-5-20251001'], released: '2025-10-15',
  }),
  // Deprecated by Anthropic, retiring 2026-11-30; kept so existing clients keep working until then.
  model({
    id: 'claude-sonnet-4-5', provider, capabilities: claude, contextLength: 200_000, maxOutputTokens: 64_000,
    prices: claudePrices(3, 15), aliases: ['claude-sonnet-4-5-20250929'], released: '2025-09-29',
  }),
];
