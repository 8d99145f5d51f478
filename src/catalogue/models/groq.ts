// Groq models. Prices as published on https://groq.com/pricing and context limits from
// https://console.groq.com/docs/models, checked 2026-11 (via the models.dev snapshot of 2026-07; unchanged since).
// Groq names some models `openai/…` and `qwen/…`; as bare names those would read as Switchyard's own `openai/`
// and `qwen/` prefixes, so they are listed under their short name and sent upstream under Groq's.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'groq';
const chat: readonly Capability[] = ['chat', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...chat, 'reasoning'];

export const groqModels = [
  model({
    id: 'llama-3.3-70b-versatile', provider, capabilities: chat, contextLength: 131_072, maxOutputTokens: 32_768,
    prices: { input: 0.59, output: 0.79 }, released: '2024-12-06',
  }),
  model({
    id: 'llama-3.1-8b-instant', provider, capabilities: chat, contextLength: 131_072, maxOutputTokens: 131_072,
    prices: { input: 0.05, output: 0.08 }, released: '2024-07-23',
  }),
  model({
    id: 'meta-llama/llama-4-scout-17b-16e-instruct', provider, capabilities: [...chat, 'vision'],
    contextLength: 131_072, maxOutputTokens: 8_192, prices: { input: 0.11, output: 0.34 }, released: '2025-04-05',
  }),
  model({
    id: 'gpt-oss-120b', upstreamId: 'openai/gpt-oss-120b', provider, capabilities: reasoning,
    contextLength: 131_072, maxOutputTokens: 65_536, prices: { input: 0.15, output: 0.6, cachedInput: 0.075 },
    released: '2025-08-05',
  }),
  model({
    id: 'gpt-oss-20b', upstreamId: 'openai/gpt-oss-20b', provider, capabilities: reasoning,
    contextLength: 131_072, maxOutputTokens: 65_536, prices: { input: 0.075, output: 0.3, cachedInput: 0.0375 },
    released: '2025-08-05',
  }),
  model({
    id: 'qwen3-32b', upstreamId: 'qwen/qwen3-32b', provider, capabilities: reasoning,
    contextLength: 131_072, maxOutputTokens: 40_960, prices: { input: 0.29, output: 0.59 }, released: '2025-06-11',
  }),
];
