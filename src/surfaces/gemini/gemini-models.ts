// GET /v1beta/models and /v1beta/models/{model}: the catalogue in Gemini's Model shape, for `ai.models.list()`
// and `ai.models.get()`. (`GET /v1/models` on the main host is the OpenAI surface's list.)
// https://ai.google.dev/api/models#Model
import type { ModelEntry } from '../../core/catalogue.js';
import { GatewayError } from '../../core/errors.js';
import { sendJson, type Exchange } from '../../http/server.js';
import type { ModelDirectory } from '../../pipeline/model-directory.js';

export function handleListGeminiModels(directory: ModelDirectory, exchange: Exchange): void {
  const models = directory.catalogue
    .list()
    .filter((entry) => methodsOf(entry).length > 0)
    .map((entry) => geminiModel(entry, directory.publicName(entry)));
  sendJson(exchange.response, 200, { models });
}

export function handleGetGeminiModel(directory: ModelDirectory, exchange: Exchange): void {
  const name = decodeURIComponent(exchange.params['*'] ?? '');
  if (name.includes(':')) {
    throw new GatewayError('method_not_allowed', `GET is not allowed on models/${name.split(':')[0]}:…; its methods take POST.`);
  }
  const resolved = directory.catalogue.resolve(name);
  if (resolved === undefined) {
    throw new GatewayError('model_not_found', `models/${name} is not found on this gateway; list the models with GET /v1beta/models.`, {
      publicCode: 'model_not_found',
    });
  }
  sendJson(exchange.response, 200, geminiModel(resolved.entry, name));
}

function geminiModel(entry: ModelEntry, name: string) {
  return {
    name: `models/${name}`,
    baseModelId: entry.id,
    version: entry.upstreamId,
    displayName: name,
    description: `${entry.provider} model served by Switchyard`,
    inputTokenLimit: entry.contextLength,
    outputTokenLimit: entry.maxOutputTokens ?? 0,
    supportedGenerationMethods: methodsOf(entry),
  };
}

function methodsOf(entry: ModelEntry): string[] {
  const methods: string[] = [];
  if (entry.capabilities.includes('chat')) methods.push('generateContent', 'streamGenerateContent', 'countTokens');
  if (entry.capabilities.includes('embeddings')) methods.push('embedContent', 'batchEmbedContents');
  return methods;
}
