// The built-in simulator (OpenAI wire format). Priced like gpt-4o-mini so demos show real-looking costs.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'sim';
const chat: readonly Capability[] = ['chat', 'completions', 'vision', 'function_calling', 'json_mode'];
const prices = { input: 0.15, output: 0.6, cachedInput: 0.075 };

export const simModels = [
  model({ id: 'sim-chat', provider, capabilities: chat, contextLength: 128_000, maxOutputTokens: 16_384, prices }),
  model({
    id: 'sim-reasoner', provider, capabilities: [...chat, 'reasoning'], contextLength: 128_000,
    maxOutputTokens: 16_384, prices,
  }),
  model({
    id: 'sim-embed', provider, capabilities: ['embeddings'], contextLength: 8_191, dimensions: 1_536,
    prices: { input: prices.input, output: 0 },
  }),
];
