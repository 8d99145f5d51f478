// Fireworks AI serverless models. Prices as published on https://fireworks.ai/pricing, checked 2026-11 (via the
// models.dev snapshot of 2026-07). Fireworks serves /inference/v1/completions natively for its language models.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'fireworks';
const chat: readonly Capability[] = ['chat', 'completions', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...chat, 'reasoning'];

export const fireworksModels = [
  model({
    id: 'accounts/fireworks/models/deepseek-v4-flash', provider, capabilities: reasoning, contextLength: 1_000_000,
    prices: { input: 0.14, output: 0.28, cachedInput: 0.028 }, released: '2026-04-24',
  }),
  model({
    id: 'accounts/fireworks/models/glm-5p2', provider, capabilities: reasoning, contextLength: 1_048_575,
    maxOutputTokens: 131_072, prices: { input: 1.4, output: 4.4, cachedInput: 0.26 }, released: '2026-06-16',
  }),
  model({
    id: 'accounts/fireworks/models/kimi-k2p6', provider, capabilities: [...reasoning, 'vision'], contextLength: 262_000,
    prices: { input: 0.95, output: 4, cachedInput: 0.16 }, released: '2026-04-17',
  }),
  model({
    id: 'accounts/fireworks/models/qwen3p7-plus', provider, capabilities: [...reasoning, 'vision'],
    contextLength: 262_144, maxOutputTokens: 65_536, prices: { input: 0.4, output: 1.6, cachedInput: 0.08 },
    released: '2026-06-12',
  }),
  model({
    id: 'accounts/fireworks/models/gpt-oss-120b', provider, capabilities: reasoning, contextLength: 131_072,
    maxOutputTokens: 32_768, prices: { input: 0.15, output: 0.6, cachedInput: 0.015 }, released: '2025-08-05',
  }),
  model({
    id: 'nomic-ai/nomic-embed-text-v1.5', provider, capabilities: ['embeddings'], contextLength: 8_192,
    dimensions: 768, prices: { input: 0.008, output: 0 },
  }),
];
