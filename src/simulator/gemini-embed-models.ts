// models/{model}:embedContent, :batchEmbedContents and GET models[/{model}] (shared/reference/gemini.md §5).
import { embeddingVector, vectorToArray } from './embedding-vector.js';
import { geminiInvalid, geminiModelNotFound } from './gemini-dialect.js';
import { asArray, asCount, isRecord, jsonReply, type RouteResult, type SimRequest } from './sim-reply.js';

const LARGE_DIMENSIONS = 3072;
const DEFAULT_DIMENSIONS = 768;

function embedding(model: string, request: Record<string, unknown>): { values: number[] } {
  const dimensions = asCount(request.outputDimensionality) ?? (model.includes('gemini-embedding') ? LARGE_DIMENSIONS : DEFAULT_DIMENSIONS);
  const content = isRecord(request.content) ? request.content : {};
  const text = asArray(content.parts)
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .join('\n');
  return { values: vectorToArray(embeddingVector(text, Math.max(dimensions, 1))) };
}

export function geminiEmbed(request: SimRequest, model: string): RouteResult {
  const body = request.body;
  if (!isRecord(body) || !isRecord(body.content)) {
    return { reply: geminiInvalid('* EmbedContentRequest.content: content is not specified\n'), model, stream: false };
  }
  if (model.startsWith('missing')) return { reply: geminiModelNotFound(model, 'embedContent'), model, stream: false };
  return { reply: jsonReply(200, { embedding: embedding(model, body) }), model, stream: false };
}

export function geminiBatchEmbed(request: SimRequest, model: string): RouteResult {
  const body = request.body;
  if (!isRecord(body) || !Array.isArray(body.requests)) {
    return { reply: geminiInvalid('* BatchEmbedContentsRequest.requests: requests is not specified\n'), model, stream: false };
  }
  if (model.startsWith('missing')) return { reply: geminiModelNotFound(model, 'batchEmbedContents'), model, stream: false };
  const embeddings = body.requests.map((entry) => embedding(model, isRecord(entry) ? entry : {}));
  return { reply: jsonReply(200, { embeddings }), model, stream: false };
}

const GENERATE_METHODS = ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'];
const GEMINI_MODELS = [
  { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', methods: GENERATE_METHODS },
  { id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', methods: GENERATE_METHODS },
  { id: 'gemini-2.0-flash', displayName: 'Gemini 2.0 Flash', methods: GENERATE_METHODS },
  { id: 'gemini-embedding-001', displayName: 'Gemini Embedding 001', methods: ['embedContent', 'countTextTokens', 'countTokens'] },
  { id: 'text-embedding-004', displayName: 'Text Embedding 004', methods: ['embedContent'] },
];

function geminiModel(id: string, displayName: string, methods: string[]): Record<string, unknown> {
  const embedding = id.includes('embedding');
  return {
    name: `models/${id}`,
    version: '001',
    displayName,
    description: `${displayName} (simulated)`,
    inputTokenLimit: embedding ? 2048 : 1048576,
    outputTokenLimit: embedding ? 1 : 65536,
    supportedGenerationMethods: methods,
    ...(embedding ? {} : { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2 }),
  };
}

export function geminiListModels(): RouteResult {
  const models = GEMINI_MODELS.map((entry) => geminiModel(entry.id, entry.displayName, entry.methods));
  return { reply: jsonReply(200, { models }), stream: false };
}

/** Any id is served except the `missing…` ones. */
export function geminiGetModel(model: string): RouteResult {
  if (model.startsWith('missing')) return { reply: geminiModelNotFound(model, 'get'), model, stream: false };
  const known = GEMINI_MODELS.find((entry) => entry.id === model);
  const reply = jsonReply(200, geminiModel(model, known?.displayName ?? model, known?.methods ?? GENERATE_METHODS));
  return { reply, model, stream: false };
}
