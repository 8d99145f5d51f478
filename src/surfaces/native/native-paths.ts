// Which provider a native path names, where it goes upstream, and whether it is a model call to meter.
import type { Dialect } from '../../providers/spec.js';
import type { RequestLogEntry } from '../../store/types.js';

/** Path prefixes and subdomains: every provider id, and `google` for Gemini (the name its SDK users know). */
export function nativePrefixes(providerIds: readonly string[]): Map<string, string> {
  const prefixes = new Map(providerIds.map((id) => [id, id]));
  prefixes.set('google', 'gemini');
  return prefixes;
}

/**
 * The path under the provider's base URL. OpenAI-style base URLs already end in their version (`…/v1`,
 * Groq's `…/openai/v1`), so a client's leading `/v1` is dropped (the OpenAI SDK sends none when its base URL
 * is the bare host, curl users send one). Anthropic and Gemini base URLs are bare hosts: the version stays,
 * and is added when the client left it out.
 */
export function upstreamPath(dialect: Dialect, path: string): string {
  if (dialect === 'openai') return path === '/v1' ? '/' : path.startsWith('/v1/') ? path.slice(3) : path;
  if (dialect === 'anthropic') return /^\/v\d+(\/|$)/.test(path) ? path : `/v1${path}`;
  return /^\/v\d+[a-z0-9]*(\/|$)/.test(path) ? path : `/v1beta${path}`;
}

export type MeteredCall = { endpoint: RequestLogEntry['endpoint']; model: string | undefined };

const openAIEndpoints: Record<string, RequestLogEntry['endpoint']> = {
  '/chat/completions': 'chat',
  '/completions': 'completions',
  '/embeddings': 'embeddings',
};

const geminiMethods: Record<string, RequestLogEntry['endpoint']> = {
  generateContent: 'chat',
  streamGenerateContent: 'chat',
  embedContent: 'embeddings',
  batchEmbedContents: 'embeddings',
};

/** A model call to meter, or undefined for everything else (model lists, token counts, files…), relayed unmetered. */
export function meteredCall(dialect: Dialect, method: string, path: string): MeteredCall | undefined {
  if (method !== 'POST') return undefined;
  if (dialect === 'openai') {
    const endpoint = openAIEndpoints[path];
    return endpoint === undefined ? undefined : { endpoint, model: undefined };
  }
  if (dialect === 'anthropic') return path === '/v1/messages' ? { endpoint: 'chat', model: undefined } : undefined;
  const match = /^\/v\d+[a-z0-9]*\/models\/([^/:]+):([A-Za-z]+)$/.exec(path);
  const endpoint = match && geminiMethods[match[2]!];
  return endpoint ? { endpoint, model: decodeURIComponent(match[1]!) } : undefined;
}
