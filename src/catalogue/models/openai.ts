// OpenAI models. Prices as published on https://developers.openai.com/api/docs/pricing and each model's page
// (https://developers.openai.com/api/docs/models/<id>), checked 2026-11. Requests over 272K input tokens on the
// GPT-5.4+ models are billed at a long-context rate (2× input, 1.5× output) that a flat price cannot express;
// those are under-counted. GPT-6 models list a cache-write price (30-minute retention) as well.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'openai';
const chat: readonly Capability[] = ['chat', 'vision', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...chat, 'reasoning'];
const embeddings: readonly Capability[] = ['embeddings'];

export const openaiModels = [
  model({
    id: 'gpt-6-astra', provider, capabilities: reasoning, contextLength: 1_050_000, maxOutputTokens: 128_000,
    prices: { input: 10, output: 50, cachedInput: 1, cacheWrite: 12.5 }, released: '2026-09-05',
  }),
  model({
    id: 'gpt-6.2-sol', provider, capabilities: reasoning, contextLength: 1_050_000, maxOutputTokens: 128_000,
    prices: { input: 2, output: 10, cachedInput: 0.1, cacheWrite: 2.5 },
  }),
  model({
    id: 'gpt-6-luna', provider, capabilities: reasoning, contextLength: 1_050_000, maxOutputTokens: 128_000,
    prices: { input: 0.1, output: 0.5, cachedInput: 0.01, cacheWrite: 0.125 }, released: '2026-09-22',
  }),
  model({
    id: 'gpt-5.5', provider, capabilities: reasoning, contextLength: 1_050_000, maxOutputTokens: 128_000,
    prices: { input: 5, output: 30, cachedInput: 0.5 }, released: '2026-04-23',
  }),
  model({
    id: 'gpt-5.4', provider, capabilities: reasoning, contextLength: 1_050_000, maxOutputTokens: 128_000,
    prices: { input: 2.5, output: 15, cachedInput: 0.25 }, released: '2026-03-05',
  }),
  model({
    id: 'gpt-5.4-mini', provider, capabilities: reasoning, contextLength: 400_000, maxOutputTokens: 128_000,
    prices: { input: 0.75, output: 4.5, cachedInput: 0.075 }, released: '2026-03-17',
  }),
  model({
    id: 'gpt-5.4-nano', provider, capabilities: reasoning, contextLength: 400_000, maxOutputTokens: 128_000,
    prices: { input: 0.2, output: 1.25, cachedInput: 0.02 }, released: '2026-03-17',
  }),
  model({
    id: 'gpt-5.2', provider, capabilities: reasoning, contextLength: 400_000, maxOutputTokens: 128_000,
    prices: { input: 1.75, output: 14, cachedInput: 0.175 }, released: '2025-12-11',
  }),
  model({
    id: 'gpt-5.1', provider, capabilities: reasoning, contextLength: 400_000, maxOutputTokens: 128_000,
    prices: { input: 1.25, output: 10, cachedInput: 0.125 }, released: '2025-11-13',
  }),
  model({
    id: 'gpt-5', provider, capabilities: reasoning, contextLength: 400_000, maxOutputTokens: 128_000,
    prices: { input: 1.25, output: 10, cachedInput: 0.125 }, released: '2025-08-07',
  }),
  model({
    id: 'gpt-5-mini', provider, capabilities: reasoning, contextLength: 400_000, maxOutputTokens: 128_000,
    prices: { input: 0.25, output: 2, cachedInput: 0.025 }, released: '2025-08-07',
  }),
  model({
    id: 'gpt-5-nano', provider, capabilities: reasoning, contextLength: 400_000, maxOutputTokens: 128_000,
    prices: { input: 0.05, output: 0.4, cachedInput: 0.005 }, released: '2025-08-07',
  }),
  model({
    id: 'gpt-4.1', provider, capabilities: chat, contextLength: 1_047_576, maxOutputTokens: 32_768,
    prices: { input: 2, output: 8, cachedInput: 0.5 }, released: '2025-04-14',
  }),
  model({
    id: 'gpt-4.1-mini', provider, capabilities: chat, contextLength: 1_047_576, maxOutputTokens: 32_768,
    prices: { input: 0.4, output: 1.6, cachedInput: 0.1 }, released: '2025-04-14',
  }),
  model({
    id: 'gpt-4.1-nano', provider, capabilities: chat, contextLength: 1_047_576, maxOutputTokens: 32_768,
    prices: { input: 0.1, output: 0.4, cachedInput: 0.025 }, released: '2025-04-14',
  }),
  model({
    id: 'gpt-4o', provider, capabilities: chat, contextLength: 128_000, maxOutputTokens: 16_384,
    prices: { input: 2.5, output: 10, cachedInput: 1.25 }, released: '2024-05-13',
  }),
  model({
    id: 'gpt-4o-mini', provider, capabilities: chat, contextLength: 128_000, maxOutputTokens: 16_384,
    prices: { input: 0.15, output: 0.6, cachedInput: 0.075 }, released: '2024-07-18',
  }),
  model({
    id: 'o3', provider, capabilities: reasoning, contextLength: 200_000, maxOutputTokens: 100_000,
    prices: { input: 2, output: 8, cachedInput: 0.5 }, released: '2025-04-16',
  }),
  model({
    id: 'o4-mini', provider, capabilities: reasoning, contextLength: 200_000, maxOutputTokens: 100_000,
    prices: { input: 1.1, output: 4.4, cachedInput: 0.275 }, released: '2025-04-16',
  }),
  // The one current model that only speaks the legacy /v1/completions endpoint.
  model({
    id: 'gpt-3.5-turbo-instruct', provider, capabilities: ['completions'], contextLength: 4_096, maxOutputTokens: 4_096,
    prices: { input: 1.5, output: 2 }, released: '2023-09-18',
  }),
  model({
    id: 'text-embedding-3-small', provider, capabilities: embeddings, contextLength: 8_191, dimensions: 1_536,
    prices: { input: 0.02, output: 0 }, released: '2024-01-25',
  }),
  model({
    id: 'text-embedding-3-large', provider, capabilities: embeddings, contextLength: 8_191, dimensions: 3_072,
    prices: { input: 0.13, output: 0 }, released: '2024-01-25',
  }),
  model({
    id: 'text-embedding-ada-002', provider, capabilities: embeddings, contextLength: 8_191, dimensions: 1_536,
    prices: { input: 0.1, output: 0 }, released: '2022-12-15',
  }),
];
