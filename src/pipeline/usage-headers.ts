// The tracking headers every model call answers with: X-Tokens-Prompt, X-Tokens-Completion, X-Cost (cents)
// (X-Cache is set where the call decides on the response cache). Streams send the first three as trailers too (their counts are known only at the end).
import type { Usage } from '../core/chat.js';
import { microUsdToCents } from '../core/pricing.js';

export const usageTrailerNames = ['x-tokens-prompt', 'x-tokens-completion', 'x-cost'];

export function usageHeaders(usage: Usage | undefined, cost: number): Record<string, string> {
  return {
    'x-tokens-prompt': String(usage?.input.total ?? 0),
    'x-tokens-completion': String(usage?.output.total ?? 0),
    'x-cost': microUsdToCents(cost),
  };
}
