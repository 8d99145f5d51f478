// Together AI serverless models. Prices as published on https://www.together.ai/pricing, checked 2026-11 (via
// the models.dev snapshot of 2026-07). Together serves /v1/completions natively for its language models.
// Open models are hosted by several providers here; each id is listed under one of them only, so a bare
// name stays unambiguous (name another host as `provider/model`).
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'together';
const chat: readonly Capability[] = ['chat', 'completions', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...chat, 'reasoning'];

export const togetherModels = [
  model({
    id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', provider, capabilities: chat, contextLength: 131_072,
    prices: { input: 0.88, output: 0.88 }, released: '2024-12-06',
  }),
  model({
    id: 'Qwen/Qwen3-235B-A22B-Instruct-2507-tput', provider, capabilities: chat, contextLength: 262_144,
    prices: { input: 0.2, output: 0.6 }, released: '2025-07-25',
  }),
  model({
    id: 'deepseek-ai/DeepSeek-V4-Pro', provider, capabilities: reasoning, contextLength: 512_000,
    maxOutputTokens: 384_000, prices: { input: 1.74, output: 3.48, cachedInput: 0.2 }, released: '2026-04-24',
  }),
  model({
    id: 'moonshotai/Kimi-K2.6', provider, capabilities: [...reasoning, 'vision'], contextLength: 262_144,
    maxOutputTokens: 131_000, prices: { input: 1.2, output: 4.5, cachedInput: 0.2 }, released: '2026-04-21',
  }),
  model({
    id: 'zai-org/GLM-5.2', provider, capabilities: reasoning, contextLength: 262_144, maxOutputTokens: 164_000,
    prices: { input: 1.4, output: 4.4, cachedInput: 0.26 }, released: '2026-06-16',
  }),
  model({
    id: 'BAAI/bge-large-en-v1.5', provider, capabilities: ['embeddings'], contextLength: 512, dimensions: 1_024,
    prices: { input: 0.02, output: 0 },
  }),
];
