// The shipped catalogue: the current models of every provider, as data (one file per provider in models/).
// Config may extend or override it (see from-config.ts). vLLM serves whatever model it was started with, so it
// ships none: name them `vllm/<model>` or list them in config.
import type { ModelEntry } from '../core/catalogue.js';
import { anthropicModels } from './models/anthropic.js';
import { deepinfraModels } from './models/deepinfra.js';
import { deepseekModels } from './models/deepseek.js';
import { fireworksModels } from './models/fireworks.js';
import { geminiModels } from './models/gemini.js';
import { groqModels } from './models/groq.js';
import { mistralModels } from './models/mistral.js';
import { ollamaModels } from './models/ollama.js';
import { openaiModels } from './models/openai.js';
import { openrouterModels } from './models/openrouter.js';
import { perplexityModels } from './models/perplexity.js';
import { qwenModels } from './models/qwen.js';
import { simModels } from './models/sim.js';
import { togetherModels } from './models/together.js';
import { xaiModels } from './models/xai.js';

export const defaultModels: readonly ModelEntry[] = Object.freeze([
  ...openaiModels,
  ...anthropicModels,
  ...geminiModels,
  ...groqModels,
  ...mistralModels,
  ...togetherModels,
  ...fireworksModels,
  ...perplexityModels,
  ...deepinfraModels,
  ...openrouterModels,
  ...deepseekModels,
  ...qwenModels,
  ...xaiModels,
  ...ollamaModels,
  ...simModels,
]);
