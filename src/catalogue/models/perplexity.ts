// Perplexity Sonar models. Token prices as published on https://docs.perplexity.ai/getting-started/pricing,
// checked 2026-11. Perplexity also charges a per-request search fee (by search context size) and, for
// sonar-deep-research, citation and search-query tokens; only the token prices below are metered.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'perplexity';
// Sonar takes response_format (JSON schema) but has no tool calling.
const sonar: readonly Capability[] = ['chat', 'json_mode'];

export const perplexityModels = [
  model({
    id: 'sonar', provider, capabilities: sonar, contextLength: 128_000,
    prices: { input: 1, output: 1 }, released: '2025-01-21',
  }),
  model({
    id: 'sonar-pro', provider, capabilities: [...sonar, 'vision'], contextLength: 200_000, maxOutputTokens: 8_192,
    prices: { input: 3, output: 15 }, released: '2025-01-21',
  }),
  model({
    id: 'sonar-reasoning-pro', provider, capabilities: [...sonar, 'vision', 'reasoning'], contextLength: 128_000,
    prices: { input: 2, output: 8 },
  }),
  model({
    id: 'sonar-deep-research', provider, capabilities: [...sonar, 'reasoning'], contextLength: 128_000,
    prices: { input: 2, output: 8 }, released: '2025-02-14',
  }),
];
