// DeepInfra models. Prices as published on https://deepinfra.com/pricing and each model's page, checked 2026-11
// (via the models.dev snapshot of 2026-07). DeepInfra serves /v1/openai/completions natively.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'deepinfra';
const chat: readonly Capability[] = ['chat', 'completions', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...chat, 'reasoning'];

export const deepinfraModels = [
  model({
    id: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', provider, capabilities: [...chat, 'vision'],
    contextLength: 1_048_576, maxOutputTokens: 16_384, prices: { input: 0.15, output: 0.6 }, released: '2025-04-05',
  }),
  model({
    id: 'deepseek-ai/DeepSeek-V4-Flash', provider, capabilities: reasoning, contextLength: 1_048_576,
    maxOutputTokens: 16_384, prices: { input: 0.1, output: 0.2, cachedInput: 0.02 }, released: '2026-04-24',
  }),
  model({
    id: 'Qwen/Qwen3.5-397B-A17B', provider, capabilities: [...reasoning, 'vision'], contextLength: 262_144,
    maxOutputTokens: 81_920, prices: { input: 0.45, output: 3, cachedInput: 0.22 }, released: '2026-02-16',
  }),
  model({
    id: 'zai-org/GLM-5.1', provider, capabilities: reasoning, contextLength: 202_752, maxOutputTokens: 16_384,
    prices: { input: 1.05, output: 3.5, cachedInput: 0.205 }, released: '2026-04-07',
  }),
  model({
    id: 'BAAI/bge-m3', provider, capabilities: ['embeddings'], contextLength: 8_192, dimensions: 1_024,
    prices: { input: 0.01, output: 0 },
  }),
];
