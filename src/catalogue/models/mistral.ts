// Mistral AI models. Prices as published on https://mistral.ai/pricing#api-pricing and limits from
// https://docs.mistral.ai/getting-started/models/, checked 2026-11 (via the models.dev snapshot of 2026-07).
// Mistral's fill-in-the-middle endpoint is /v1/fim/completions, not /v1/completions, so no model here
// claims native `completions`.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'mistral';
const chat: readonly Capability[] = ['chat', 'function_calling', 'json_mode'];
const multimodal: readonly Capability[] = [...chat, 'vision'];

export const mistralModels = [
  model({
    id: 'mistral-large-latest', provider, capabilities: multimodal, contextLength: 262_144,
    prices: { input: 0.5, output: 1.5 }, released: '2025-12-02',
  }),
  model({
    id: 'mistral-medium-latest', provider, capabilities: multimodal, contextLength: 131_072,
    prices: { input: 0.4, output: 2 }, released: '2025-08-12',
  }),
  model({
    id: 'mistral-small-latest', provider, capabilities: [...multimodal, 'reasoning'], contextLength: 256_000,
    prices: { input: 0.15, output: 0.6 }, released: '2026-03-16',
  }),
  model({
    id: 'magistral-medium-latest', provider, capabilities: [...chat, 'reasoning'], contextLength: 128_000,
    maxOutputTokens: 16_384, prices: { input: 2, output: 5 }, released: '2025-03-17',
  }),
  model({
    id: 'codestral-latest', provider, capabilities: chat, contextLength: 256_000,
    prices: { input: 0.3, output: 0.9 }, released: '2024-05-29',
  }),
  model({
    id: 'ministral-8b-latest', provider, capabilities: chat, contextLength: 128_000,
    prices: { input: 0.1, output: 0.1 }, released: '2024-10-01',
  }),
  model({
    id: 'mistral-embed', provider, capabilities: ['embeddings'], contextLength: 8_192, dimensions: 1_024,
    prices: { input: 0.1, output: 0 }, released: '2023-12-11',
  }),
];
