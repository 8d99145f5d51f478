// DeepSeek models. Prices as published on https://api-docs.deepseek.com/quick_start/pricing, checked 2026-11.
// DeepSeek bills off-peak hours at half price; the catalogue carries the peak (weekday business hours, Beijing
// time) rates, so metered costs are an upper bound. Both models take thinking and non-thinking requests.
import type { Capability } from '../../core/catalogue.js';
import { model } from '../model-entry.js';

const provider = 'deepseek';
const chat: readonly Capability[] = ['chat', 'function_calling', 'json_mode'];
const reasoning: readonly Capability[] = [...chat, 'reasoning'];
const contextLength = 1_000_000;
const maxOutputTokens = 384_000;
const flashPrices = { input: 0.3, output: 1.2, cachedInput: 0.006 };

export const deepseekModels = [
  model({
    id: 'deepseek-flash', provider, capabilities: [...reasoning, 'vision'], contextLength, maxOutputTokens,
    prices: flashPrices, released: '2026-09-10',
  }),
  model({
    id: 'deepseek-v4-pro', provider, capabilities: reasoning, contextLength, maxOutputTokens,
    prices: { input: 1.32, output: 3.96, cachedInput: 0.044 }, released: '2026-04-24',
  }),
  // The long-standing names: DeepSeek serves them with the current Flash model (non-thinking and thinking
  // mode respectively) at Flash prices.
  model({ id: 'deepseek-chat', provider, capabilities: chat, contextLength, maxOutputTokens, prices: flashPrices }),
  model({ id: 'deepseek-reasoner', provider, capabilities: reasoning, contextLength, maxOutputTokens, prices: flashPrices }),
];
