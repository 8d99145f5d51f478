// Google Gemini API models. Prices as published on https://ai.google.dev/gemini-api/docs/pricing (paid tier,
// text input), checked 2026-11. Pro models charge more for prompts over 200K tokens (not modelled: the
// <= 200K rate is used). `cachedInput` is the context-cache read price; cache storage per hour is not metered.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'gemini';
const gemini: readonly Capability[] = ['chat', 'vision', 'audio', 'function_calling', 'json_mode', 'reasoning'];
const embeddings: readonly Capability[] = ['embeddings'];
const contextLength = 1_048_576;
const maxOutputTokens = 65_536;

export const geminiModels = [
  // Introductory price through 2026-12-31; $1.50 in / $7.50 out from 2027-01-01.
  model({
    id: 'gemini-3.8-flash', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 0.75, output: 3.75, cachedInput: 0.075 }, released: '2026-09-02',
  }),
  model({
    id: 'gemini-3.5-flash', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 1.5, output: 9, cachedInput: 0.15 }, released: '2026-05-19',
  }),
  model({
    id: 'gemini-3.1-pro-preview', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 2, output: 12, cachedInput: 0.2 }, released: '2026-02-19',
  }),
  model({
    id: 'gemini-3.1-flash-lite', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 0.25, output: 1.5, cachedInput: 0.025 }, released: '2026-05-07',
  }),
  // Deprecated by Google in favour of gemini-3.1-pro-preview; kept for existing callers.
  model({
    id: 'gemini-3-pro-preview', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 2, output: 12, cachedInput: 0.2 }, released: '2025-11-18',
  }),
  model({
    id: 'gemini-2.5-pro', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 1.25, output: 10, cachedInput: 0.125 }, released: '2025-06-17',
  }),
  model({
    id: 'gemini-2.5-flash', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 0.3, output: 2.5, cachedInput: 0.03 }, released: '2025-06-17',
  }),
  model({
    id: 'gemini-2.5-flash-lite', provider, capabilities: gemini, contextLength, maxOutputTokens,
    prices: { input: 0.1, output: 0.4, cachedInput: 0.01 }, released: '2025-07-22',
  }),
  model({
    id: 'gemini-embedding-001', provider, capabilities: embeddings, contextLength: 2_048, dimensions: 3_072,
    prices: { input: 0.15, output: 0 }, released: '2025-05-20',
  }),
  // Free of charge; superseded by gemini-embedding-001.
  model({
    id: 'text-embedding-004', provider, capabilities: embeddings, contextLength: 2_048, dimensions: 768,
    prices: { input: 0, output: 0 }, released: '2024-05-14',
  }),
];
