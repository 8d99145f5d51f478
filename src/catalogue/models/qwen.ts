// Qwen models on Alibaba Cloud Model Studio (international, DashScope compatible mode). Prices as published on
// https://www.alibabacloud.com/help/en/model-studio/models, checked 2026-11 (via the models.dev snapshot of
// 2026-07). Several of these are priced in tiers by prompt length; the lowest tier is used.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'qwen';
const chat: readonly Capability[] = ['chat', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...chat, 'reasoning'];

export const qwenModels = [
  model({
    id: 'qwen3.7-max', provider, capabilities: reasoning, contextLength: 1_000_000, maxOutputTokens: 65_536,
    prices: { input: 2.5, output: 7.5, cachedInput: 0.5, cacheWrite: 3.125 }, released: '2026-05-21',
  }),
  model({
    id: 'qwen3.7-plus', provider, capabilities: [...reasoning, 'vision'], contextLength: 1_000_000,
    maxOutputTokens: 65_536, prices: { input: 0.5, output: 3, cachedInput: 0.05, cacheWrite: 0.625 },
    released: '2026-06-02',
  }),
  model({
    id: 'qwen3-max', provider, capabilities: chat, contextLength: 262_144, maxOutputTokens: 65_536,
    prices: { input: 1.2, output: 6 }, released: '2025-09-23',
  }),
  model({
    id: 'qwen-max', provider, capabilities: chat, contextLength: 32_768, maxOutputTokens: 8_192,
    prices: { input: 1.6, output: 6.4 }, released: '2024-04-03',
  }),
  model({
    id: 'qwen-plus', provider, capabilities: reasoning, contextLength: 1_000_000, maxOutputTokens: 32_768,
    prices: { input: 0.4, output: 1.2 }, released: '2024-01-25',
  }),
  model({
    id: 'qwen-flash', provider, capabilities: reasoning, contextLength: 1_000_000, maxOutputTokens: 32_768,
    prices: { input: 0.05, output: 0.4 }, released: '2025-07-28',
  }),
  // Superseded by qwen-flash; kept for existing callers.
  model({
    id: 'qwen-turbo', provider, capabilities: reasoning, contextLength: 1_000_000, maxOutputTokens: 16_384,
    prices: { input: 0.05, output: 0.2 }, released: '2024-11-01',
  }),
  model({
    id: 'qwen3-vl-plus', provider, capabilities: [...reasoning, 'vision'], contextLength: 262_144,
    maxOutputTokens: 32_768, prices: { input: 0.2, output: 1.6 }, released: '2025-09-23',
  }),
  // Price and default size from the Model Studio embedding page (best knowledge, not re-checked 2026-11).
  model({
    id: 'text-embedding-v4', provider, capabilities: ['embeddings'], contextLength: 8_192, dimensions: 1_024,
    prices: { input: 0.07, output: 0 },
  }),
];
