// POST /v1/embeddings and GET /v1/models[/{id}] (shared/reference/openai.md §8).
import { countTokens } from './answer-plan.js';
import { embeddingVector, vectorToArray, vectorToBase64 } from './embedding-vector.js';
import { isMissingModel, openaiInvalid, openaiModelNotFound } from './openai-dialect.js';
import { asCount, asString, isRecord, jsonReply, type RouteResult, type SimRequest } from './sim-reply.js';

const LARGE_DIMENSIONS = 3072;
const DEFAULT_DIMENSIONS = 1536;

type EmbeddingInput = { text: string; tokens: number };

export function openaiEmbeddings(request: SimRequest): RouteResult {
  const body = request.body;
  if (!isRecord(body)) return { reply: openaiInvalid(request, 'Invalid request body.'), stream: false };
  const model = asString(body.model);
  if (model === undefined || model === '') return { reply: openaiInvalid(request, 'you must provide a model parameter'), stream: false };
  if (isMissingModel(model)) return { reply: openaiModelNotFound(request, model), model, stream: false };
  const inputs = embeddingInputs(body.input);
  if (inputs === undefined) {
    return {
      reply: openaiInvalid(request, "Missing required parameter: 'input'.", 'input', 'missing_required_parameter'),
      model,
      stream: false,
    };
  }
  const dimensions = asCount(body.dimensions) ?? (model.includes('large') ? LARGE_DIMENSIONS : DEFAULT_DIMENSIONS);
  if (dimensions < 1) return { reply: openaiInvalid(request, 'dimensions must be at least 1.', 'dimensions'), model, stream: false };
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((input, index) => {
    tokens += input.tokens;
    const vector = embeddingVector(input.text, dimensions);
    return { object: 'embedding', index, embedding: base64 ? vectorToBase64(vector) : vectorToArray(vector) };
  });
  const reply = jsonReply(
    200,
    { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    { 'x-request-id': `req_${request.id}` },
  );
  return { reply, model, stream: false };
}

/** A string, strings, a token array or token arrays; undefined when missing or empty. */
function embeddingInputs(input: unknown): EmbeddingInput[] | undefined {
  if (typeof input === 'string') return [{ text: input, tokens: countTokens(input.length) }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (typeof input[0] === 'number') return [{ text: input.join(','), tokens: input.length }];
  return input.map((entry): EmbeddingInput => {
    if (typeof entry === 'string') return { text: entry, tokens: countTokens(entry.length) };
    const tokens = Array.isArray(entry) ? entry : [];
    return { text: tokens.join(','), tokens: tokens.length };
  });
}

const OPENAI_MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'o3-mini',
  'o4-mini',
  'gpt-3.5-turbo-instruct',
  'text-embedding-3-small',
  'text-embedding-3-large',
];
const MODEL_CREATED = 1715367049;

function openaiModel(id: string): Record<string, unknown> {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'system' };
}

export function openaiListModels(request: SimRequest): RouteResult {
  const reply = jsonReply(200, { object: 'list', data: OPENAI_MODELS.map(openaiModel) }, { 'x-request-id': `req_${request.id}` });
  return { reply, stream: false };
}

/** Any id is served (the simulator answers every model name) except the `missing…` ones. */
export function openaiRetrieveModel(request: SimRequest, model: string): RouteResult {
  if (isMissingModel(model)) return { reply: openaiModelNotFound(request, model), model, stream: false };
  return { reply: jsonReply(200, openaiModel(model), { 'x-request-id': `req_${request.id}` }), model, stream: false };
}
