// xAI Grok models. Prices as published on https://docs.x.ai/developers/models, checked 2026-11. Prompts over
// 204,800 tokens are billed at twice the input rate (not modelled).
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'xai';
const grok: readonly Capability[] = ['chat', 'vision', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...grok, 'reasoning'];

export const xaiModels = [
  model({
    id: 'grok-4.5', provider, capabilities: reasoning, contextLength: 500_000,
    prices: { input: 2, output: 6, cachedInput: 0.5 }, released: '2026-07-09',
  }),
  model({
    id: 'grok-4.3', provider, capabilities: reasoning, contextLength: 1_000_000,
    prices: { input: 1.25, output: 2.5, cachedInput: 0.2 }, released: '2026-04-17',
  }),
  model({
    id: 'grok-4.20-0309-reasoning', provider, capabilities: reasoning, contextLength: 1_000_000,
    maxOutputTokens: 30_000, prices: { input: 1.25, output: 2.5, cachedInput: 0.2 }, released: '2026-03-09',
  }),
  model({
    id: 'grok-4.20-0309-non-reasoning', provider, capabilities: grok, contextLength: 1_000_000,
    maxOutputTokens: 30_000, prices: { input: 1.25, output: 2.5, cachedInput: 0.2 }, released: '2026-03-09',
  }),
  model({
    id: 'grok-build-0.1', provider, capabilities: reasoning, contextLength: 256_000,
    prices: { input: 1, output: 2, cachedInput: 0.2 }, released: '2026-04-16',
  }),
];
