// A few OpenRouter models (it routes to hundreds; any other is reachable as `openrouter/<vendor>/<model>`).
// Prices as listed on https://openrouter.ai/models, checked 2026-11 (via the models.dev snapshot of 2026-07).
// OpenRouter serves /v1/completions natively for every model.
// Only vendor prefixes that are not Switchyard provider ids appear here: a bare `openai/…`, `anthropic/…`,
// `deepseek/…` or `qwen/…` name means that provider, so those OpenRouter models need the `openrouter/` prefix.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'openrouter';
const chat: readonly Capability[] = ['chat', 'completions', 'function_calling', 'json_mode'];

export const openrouterModels = [
  model({
    id: 'google/gemini-2.5-flash', provider, capabilities: [...chat, 'vision', 'reasoning'], contextLength: 1_048_576,
    maxOutputTokens: 65_535, prices: { input: 0.3, output: 2.5, cachedInput: 0.03 }, released: '2025-06-17',
  }),
  model({
    id: 'google/gemini-3.1-pro-preview', provider, capabilities: [...chat, 'vision', 'reasoning'],
    contextLength: 1_048_576, maxOutputTokens: 65_536, prices: { input: 2, output: 12, cachedInput: 0.2 },
    released: '2026-02-19',
  }),
  model({
    id: 'meta-llama/llama-3.3-70b-instruct', provider, capabilities: chat, contextLength: 131_072,
    maxOutputTokens: 16_384, prices: { input: 0.1, output: 0.32 }, released: '2024-12-06',
  }),
  model({
    id: 'mistralai/mistral-small-3.2-24b-instruct', provider, capabilities: [...chat, 'vision'], contextLength: 128_000,
    maxOutputTokens: 16_384, prices: { input: 0.075, output: 0.2 }, released: '2025-06-20',
  }),
  model({
    id: 'x-ai/grok-4.3', provider, capabilities: [...chat, 'vision', 'reasoning'], contextLength: 1_000_000,
    prices: { input: 1.25, output: 2.5, cachedInput: 0.2 }, released: '2026-04-17',
  }),
  model({
    id: 'moonshotai/kimi-k2.6', provider, capabilities: [...chat, 'vision', 'reasoning'], contextLength: 262_144,
    prices: { input: 0.55, output: 3.2, cachedInput: 0.11 }, released: '2026-04-21',
  }),
];
