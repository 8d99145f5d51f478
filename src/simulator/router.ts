// Maps a method and path to a dialect and handler. One server serves all three families at their real paths;
// `GET /v1/models[/{id}]` is Anthropic's when `anthropic-version` is sent, Gemini's when a Gemini key is, else OpenAI's.
import type { IncomingHttpHeaders } from 'node:http';
import { anthropicDialect, anthropicListModels, anthropicRetrieveModel } from './anthropic-dialect.js';
import { anthropicCountTokens, anthropicMessages } from './anthropic-messages.js';
import { geminiDialect } from './gemini-dialect.js';
import { geminiBatchEmbed, geminiEmbed, geminiGetModel, geminiListModels } from './gemini-embed-models.js';
import { geminiCountTokens, geminiGenerate } from './gemini-generate.js';
import { openaiChat } from './openai-chat.js';
import { openaiCompletions } from './openai-completions.js';
import { openaiDialect } from './openai-dialect.js';
import { openaiEmbeddings, openaiListModels, openaiRetrieveModel } from './openai-embeddings.js';
import type { Dialect, RouteHandler } from './sim-reply.js';

export type RouteMatch = {
  /** Stable name used in stats, e.g. `openai.chat.completions`, `gemini.streamGenerateContent`. */
  route: string;
  dialect: Dialect;
  handler: RouteHandler;
  /** The model named in the path (Gemini, model retrieval). */
  model: string | undefined;
};

// Built once: a matched fixed route is returned as is (never mutated).
const POST_ROUTES = new Map<string, RouteMatch>([
  ['/v1/chat/completions', { route: 'openai.chat.completions', dialect: openaiDialect, handler: openaiChat, model: undefined }],
  ['/v1/completions', { route: 'openai.completions', dialect: openaiDialect, handler: openaiCompletions, model: undefined }],
  ['/v1/embeddings', { route: 'openai.embeddings', dialect: openaiDialect, handler: openaiEmbeddings, model: undefined }],
  ['/v1/messages', { route: 'anthropic.messages', dialect: anthropicDialect, handler: anthropicMessages, model: undefined }],
  ['/v1/messages/count_tokens', { route: 'anthropic.count_tokens', dialect: anthropicDialect, handler: anthropicCountTokens, model: undefined }],
]);

const GEMINI_METHODS = new Map<string, RouteHandler>([
  ['generateContent', (request, context, model) => geminiGenerate(request, context, model ?? '', false)],
  ['streamGenerateContent', (request, context, model) => geminiGenerate(request, context, model ?? '', true)],
  ['countTokens', (request, _context, model) => geminiCountTokens(request, model ?? '')],
  ['embedContent', (request, _context, model) => geminiEmbed(request, model ?? '')],
  ['batchEmbedContents', (request, _context, model) => geminiBatchEmbed(request, model ?? '')],
]);

const GEMINI_PREFIXES = ['/v1beta/models', '/v1/models'];

export function matchRoute(method: string, path: string, headers: IncomingHttpHeaders, query: string): RouteMatch | undefined {
  if (method === 'POST') {
    const fixed = POST_ROUTES.get(path);
    if (fixed !== undefined) return fixed;
    return matchGeminiMethod(path);
  }
  if (method === 'GET') return matchModels(path, headers, query);
  return undefined;
}

function matchGeminiMethod(path: string): RouteMatch | undefined {
  for (const prefix of GEMINI_PREFIXES) {
    if (!path.startsWith(`${prefix}/`)) continue;
    const rest = path.slice(prefix.length + 1);
    const colon = rest.lastIndexOf(':');
    if (colon === -1) return undefined;
    const name = rest.slice(colon + 1);
    const handler = GEMINI_METHODS.get(name);
    if (handler === undefined) return undefined;
    return { route: `gemini.${name}`, dialect: geminiDialect, handler, model: decode(rest.slice(0, colon)) };
  }
  return undefined;
}

function matchModels(path: string, headers: IncomingHttpHeaders, query: string): RouteMatch | undefined {
  let family: 'openai' | 'anthropic' | 'gemini';
  let rest: string;
  if (path === '/v1beta/models' || path.startsWith('/v1beta/models/')) {
    family = 'gemini';
    rest = path.slice('/v1beta/models'.length);
  } else if (path === '/v1/models' || path.startsWith('/v1/models/')) {
    family = headers['anthropic-version'] !== undefined ? 'anthropic' : isGeminiCaller(headers, query) ? 'gemini' : 'openai';
    rest = path.slice('/v1/models'.length);
  } else {
    return undefined;
  }
  const model = rest === '' || rest === '/' ? undefined : decode(rest.slice(1));
  if (family === 'gemini') {
    return { route: 'gemini.models', dialect: geminiDialect, model, handler: () => (model === undefined ? geminiListModels() : geminiGetModel(model)) };
  }
  if (family === 'anthropic') {
    return {
      route: 'anthropic.models',
      dialect: anthropicDialect,
      model,
      handler: (request) => ({ reply: model === undefined ? anthropicListModels(request) : anthropicRetrieveModel(request, model), model, stream: false }),
    };
  }
  return {
    route: 'openai.models',
    dialect: openaiDialect,
    model,
    handler: (request) => (model === undefined ? openaiListModels(request) : openaiRetrieveModel(request, model)),
  };
}

function isGeminiCaller(headers: IncomingHttpHeaders, query: string): boolean {
  return headers['x-goog-api-key'] !== undefined || headers['x-goog-api-client'] !== undefined || query.includes('key=');
}

/** Strips Gemini's optional `models/` prefix and percent-decoding (`GET /models/accounts%2Ffoo`). */
function decode(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Keep the raw segment: a bad escape is the caller's problem, not a crash.
  }
  return decoded.startsWith('models/') ? decoded.slice('models/'.length) : decoded;
}
