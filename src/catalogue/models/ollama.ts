// Two common Ollama models, so a local setup works by bare name out of the box. Local inference costs nothing
// per token. Ollama's OpenAI-compatible API serves /v1/completions natively. Pull others and name them
// `ollama/<model>`, or list them in config.
import { model } from '../model-entry.js';

const provider = 'ollama';

export const ollamaModels = [
  model({
    id: 'llama3.2', provider, capabilities: ['chat', 'completions', 'function_calling', 'json_mode'],
    contextLength: 131_072, prices: { input: 0, output: 0 }, released: '2024-09-25',
  }),
  model({
    id: 'nomic-embed-text', provider, capabilities: ['embeddings'], contextLength: 8_192, dimensions: 768,
    prices: { input: 0, output: 0 }, released: '2024-02-14',
  }),
];
