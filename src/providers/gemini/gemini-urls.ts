// Endpoint URLs: `{base}/v1beta/models/{model}:{method}` (https://ai.google.dev/api/generate-content#endpoint).
// The SDKs accept ids with or without the `models/` prefix; tuned models live under `tunedModels/`.

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents';

type ModelName = { collection: 'models' | 'tunedModels'; id: string };

function splitModel(model: string): ModelName {
  if (model.startsWith('tunedModels/')) return { collection: 'tunedModels', id: model.slice('tunedModels/'.length) };
  return { collection: 'models', id: model.startsWith('models/') ? model.slice('models/'.length) : model };
}

/** The resource name used inside request bodies, e.g. `models/gemini-embedding-001`. */
export function geminiModelResource(model: string): string {
  const { collection, id } = splitModel(model);
  return `${collection}/${id}`;
}

export function geminiUrl(baseURL: string, model: string, method: GeminiMethod): string {
  const { collection, id } = splitModel(model);
  const base = baseURL.replace(/\/+$/, '');
  // Percent-encoded so `/`, `?` or `#` in an id cannot leave its path segment (which always ends in `:method`,
  // so even `..` is no dot-segment).
  const segment = encodeURIComponent(id);
  // `alt=sse` asks for server-sent events instead of one incrementally streamed JSON array.
  const query = method === 'streamGenerateContent' ? '?alt=sse' : '';
  return `${base}/v1beta/${collection}/${segment}:${method}${query}`;
}
