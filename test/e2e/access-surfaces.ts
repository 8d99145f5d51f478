// What the access suites know about the gateway's surfaces: which error envelope a path answers in (decided
// by the path alone, independently of the route's own renderer), where a client may put its credential, and
// how to read a refusal out of each envelope, and a real request for each model route. A path no rule here
// recognises is an error, so a new surface cannot slip past the suites unexamined.
import assert from 'node:assert/strict';
import type { RouteAccess, Route } from '../../src/http/server.js';
import { providerIds } from '../../src/providers/registry.js';

export type Json = { [key: string]: any };
export type Reply = { status: number; headers: Headers; text: string; json: Json };
export type Endpoint = { method: string; path: string; access: RouteAccess; name: string };

/** The five error envelopes: OpenAI's, the platform API's, Anthropic's, Google's and the simple surface's. */
export type Envelope = 'openai' | 'platform' | 'anthropic' | 'google' | 'simple';

/** The methods the pass-through and the /ai catch-all answer. */
export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Every provider id is a pass-through prefix, and `google` too (Gemini under the name its SDK users know). */
export const nativePrefixes: readonly string[] = [...providerIds, 'google'];

/** The pass-through prefixes the per-request tests run on: each dialect, a preset and the simulator. */
export const sampledPrefixes: readonly string[] = ['openai', 'anthropic', 'google', 'groq', 'sim'];

/** The pass-through prefixes that speak a dialect other than OpenAI's; every other provider is OpenAI-style. */
const nativeEnvelopes: Record<string, Envelope> = { anthropic: 'anthropic', gemini: 'google', google: 'google' };

const anthropicVersion = { 'anthropic-version': '2023-06-01' };

export function listEndpoints(routes: readonly Route[]): Endpoint[] {
  return routes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({
      method,
      path: route.path,
      access: route.access,
      name: `${method} ${route.path}`,
    })),
  );
}

/** The pass-through prefix a path (a route's or a request's) starts with, if any. */
export function nativePrefixOf(path: string): string | undefined {
  const first = path.split('/')[1] ?? '';
  return nativePrefixes.includes(first) ? first : undefined;
}

/** The envelope a request to `method path` must be refused in; throws for a path of no known surface. */
export function envelopeOf(method: string, path: string): Envelope {
  const bare = path.split('?')[0]!;
  if (bare === '/v1/messages' || bare.startsWith('/v1/messages/')) return 'anthropic';
  if (bare === '/v1beta/models' || bare.startsWith('/v1beta/models/')) return 'google';
  if (bare.startsWith('/v1/models/') && method !== 'GET') return 'google';
  if (bare.startsWith('/v1/')) return 'openai';
  if (bare.startsWith('/ai/')) return 'simple';
  // /health/deployments and /metrics render their refusals like /health, in OpenAI's envelope.
  if (bare === '/health' || bare.startsWith('/health/') || bare === '/metrics') return 'openai';
  if (bare.startsWith('/api/') || bare.startsWith('/v2/')) return 'platform';
  const prefix = nativePrefixOf(bare);
  if (prefix !== undefined) return nativeEnvelopes[prefix] ?? 'openai';
  throw new Error(`No known error envelope for ${method} ${path}.`);
}

/** The surfaces that make model calls: every route of theirs needs scope generator and the models domain. */
export const isModelSurface = (path: string) => path.startsWith('/v1') || path.startsWith('/ai/') || nativePrefixOf(path) !== undefined;

const dummyIds: Record<string, string> = {
  keyId: 'key_00000000000070008000000000000000',
  userId: 'usr_00000000000070008000000000000000',
  credentialId: 'cred_00000000000070008000000000000000',
  name: 'sample-group',
  promptId: '01900000-0000-7000-8000-000000000000',
  webhookId: 'wh_00000000000070008000000000000000',
  deliveryId: 'dlv_00000000000070008000000000000000',
};

/** What a wildcard stands for: a catalogue model, a Gemini model and method, a provider's model list. */
function wildcardValue(endpoint: Endpoint): string {
  if (endpoint.name === 'GET /v1/models/*' || endpoint.name === 'GET /v1beta/models/*') return 'gpt-4o-mini';
  if (endpoint.name === 'POST /v1/models/*' || endpoint.name === 'POST /v1beta/models/*') return 'gemini-2.5-flash:generateContent';
  const prefix = nativePrefixOf(endpoint.path);
  if (prefix !== undefined && endpoint.path === `/${prefix}/*`) {
    return envelopeOf(endpoint.method, endpoint.path) === 'google' ? 'v1beta/models' : 'v1/models';
  }
  throw new Error(`No sample value for the wildcard of ${endpoint.name}.`);
}

/** A request path for the route: the given organization, ids that exist nowhere, a catalogue model. */
export function requestPath(endpoint: Endpoint, organizationId: string): string {
  return endpoint.path
    .split('/')
    .map((segment) => {
      if (segment === '*') return wildcardValue(endpoint);
      if (!segment.startsWith(':')) return segment;
      const name = segment.slice(1);
      if (name === 'orgId') return organizationId;
      const id = dummyIds[name];
      if (id === undefined) throw new Error(`No sample value for the path parameter '${name}' of ${endpoint.path}.`);
      return id;
    })
    .join('/');
}

/** Headers the surface's own SDK always sends (the simulator tells Anthropic's model list from OpenAI's by it). */
export const sdkHeaders = (endpoint: Endpoint): Record<string, string> =>
  envelopeOf(endpoint.method, endpoint.path) === 'anthropic' ? { ...anthropicVersion } : {};

export type Placement = 'authorization' | 'x-api-key' | 'x-goog-api-key' | 'query';
export const placements: readonly Placement[] = ['authorization', 'x-api-key', 'x-goog-api-key', 'query'];

/** Where each surface's own SDK puts the key: Anthropic's in x-api-key, Google's in x-goog-api-key. */
export function naturalPlacement(envelope: Envelope): Placement {
  return envelope === 'anthropic' ? 'x-api-key' : envelope === 'google' ? 'x-goog-api-key' : 'authorization';
}

/** The request's path and headers with the credential in the given place. */
export function placeCredential(
  path: string,
  credential: string | undefined,
  placement: Placement,
): { path: string; headers: Record<string, string> } {
  if (credential === undefined) return { path, headers: {} };
  if (placement === 'query') return { path: `${path}${path.includes('?') ? '&' : '?'}key=${encodeURIComponent(credential)}`, headers: {} };
  if (placement === 'authorization') return { path, headers: { authorization: `Bearer ${credential}` } };
  return { path, headers: { [placement]: credential } };
}

export type Refusal = {
  /** Our error code, lower case; undefined where the envelope has no place for it (Anthropic's). */
  code: string | undefined;
  message: string;
  /** The details the envelope carries (platform details, Google's ErrorInfo metadata), else empty. */
  details: Json;
};

const typeByStatus: Record<number, string> = { 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error' };
const rpcByStatus: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND' };

/** Asserts the reply is a refusal with `status` in the envelope's exact shape, and reads it. */
export function readRefusal(envelope: Envelope, reply: Reply, status: number, label: string): Refusal {
  assert.equal(reply.status, status, `${label}: ${reply.text}`);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/, label);
  const requestId = reply.headers.get('x-request-id');
  assert.ok(requestId, `${label}: x-request-id`);
  const { json } = reply;
  switch (envelope) {
    case 'openai': {
      const { error } = json;
      assert.equal(error?.type, typeByStatus[status], `${label}: ${reply.text}`);
      assert.equal(typeof error.message, 'string');
      assert.ok('param' in error, `${label}: param`);
      assert.equal(error.request_id, requestId);
      return { code: error.code, message: error.message, details: {} };
    }
    case 'platform': {
      assert.equal(json.success, false, `${label}: ${reply.text}`);
      assert.equal(json.type, typeByStatus[status]);
      assert.equal(typeof json.code, 'string');
      assert.equal(json.code, json.code.toUpperCase());
      assert.equal(typeof json.error, 'string');
      assert.equal(json.request_id, requestId);
      return { code: json.code.toLowerCase(), message: json.error, details: json.details ?? {} };
    }
    case 'anthropic': {
      assert.equal(json.type, 'error', `${label}: ${reply.text}`);
      assert.equal(json.error?.type, typeByStatus[status], `${label}: ${reply.text}`);
      assert.equal(typeof json.error.message, 'string');
      assert.equal(json.request_id, requestId);
      assert.equal(reply.headers.get('request-id'), requestId, `${label}: the request-id header the Anthropic SDKs read`);
      return { code: undefined, message: json.error.message, details: {} };
    }
    case 'google': {
      const { error } = json;
      assert.equal(error?.code, status, `${label}: ${reply.text}`);
      assert.equal(error.status, rpcByStatus[status]);
      assert.equal(typeof error.message, 'string');
      const info = (error.details as Json[] | undefined)?.find((detail) => detail['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
      assert.ok(info, `${label}: an ErrorInfo in ${reply.text}`);
      assert.equal(typeof info.reason, 'string');
      assert.equal(info.reason, info.reason.toUpperCase());
      assert.equal(info.metadata?.requestId, requestId);
      return { code: info.reason.toLowerCase(), message: error.message, details: info.metadata };
    }
    case 'simple': {
      const { error } = json;
      assert.equal(error?.status, status, `${label}: ${reply.text}`);
      assert.equal(typeof error.code, 'string');
      assert.equal(typeof error.message, 'string');
      assert.equal(error.request_id, requestId);
      return { code: error.code, message: error.message, details: {} };
    }
  }
}

export async function send(
  base: string,
  method: string,
  path: string,
  options: { credential?: string | undefined; placement?: Placement; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const placed = placeCredential(path, options.credential, options.placement ?? 'authorization');
  const headers: Record<string, string> = { ...options.headers, ...placed.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const response = await fetch(`${base}${placed.path}`, { method, headers, body });
  const text = await response.text();
  let json: Json = {};
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(text) as Json;
  return { status: response.status, headers: response.headers, text, json };
}

// Model calls: one real request per model route, and the provider it must reach.

/** The providers each organization stores its own key for; the others are reached with the server's. */
export const ownProviders = ['openai', 'anthropic', 'gemini'] as const;
export type OwnProvider = (typeof ownProviders)[number];

/** A model call, and the provider it reaches: an organization's own key goes there when it keeps one for it. */
export type ModelCall = { path: string; body?: unknown; headers?: Record<string, string>; provider: string; metered: boolean };

const chat = [{ role: 'user', content: 'hi' }];
const contents = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

/** The front doors, each sending its call to one of the providers the organizations keep keys for. */
export const frontDoorCalls: Record<string, ModelCall> = {
  'POST /v1/chat/completions': { path: '/v1/chat/completions', body: { model: 'openai/gpt-4o-mini', messages: chat }, provider: 'openai', metered: true },
  'POST /v1/completions': { path: '/v1/completions', body: { model: 'openai/gpt-3.5-turbo-instruct', prompt: 'hi' }, provider: 'openai', metered: true },
  'POST /v1/embeddings': { path: '/v1/embeddings', body: { model: 'openai/text-embedding-3-small', input: 'hi' }, provider: 'openai', metered: true },
  'POST /v1/messages': {
    path: '/v1/messages',
    body: { model: 'anthropic/claude-sonnet-4-5', max_tokens: 16, messages: chat },
    headers: anthropicVersion,
    provider: 'anthropic',
    metered: true,
  },
  'POST /v1/messages/count_tokens': {
    path: '/v1/messages/count_tokens',
    body: { model: 'anthropic/claude-sonnet-4-5', messages: chat },
    headers: anthropicVersion,
    provider: 'anthropic',
    metered: false,
  },
  'POST /v1beta/models/*': { path: '/v1beta/models/gemini-2.5-flash:generateContent', body: contents, provider: 'gemini', metered: true },
  'POST /v1/models/*': { path: '/v1/models/openai/gpt-4o-mini:generateContent', body: contents, provider: 'openai', metered: true },
  'POST /ai/chat': { path: '/ai/chat', body: { model: 'anthropic/claude-haiku-4-5', messages: chat }, provider: 'anthropic', metered: true },
  'POST /ai/generate': { path: '/ai/generate', body: { model: 'gemini/gemini-2.5-flash', prompt: 'hi' }, provider: 'gemini', metered: true },
  'POST /ai/embeddings': { path: '/ai/embeddings', body: { model: 'gemini/gemini-embedding-001', input: 'hi' }, provider: 'gemini', metered: true },
};

/** The pass-through: a model call for POST, the provider's model list (or a path it refuses) for the other methods. */
function nativeCall(method: string, prefix: string): ModelCall {
  const provider = prefix === 'google' ? 'gemini' : prefix;
  const envelope = envelopeOf(method, `/${prefix}/*`);
  if (method !== 'POST') {
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    const path = `/${prefix}/${envelope === 'google' ? 'v1beta' : 'v1'}/models`;
    return { path, body, headers: envelope === 'anthropic' ? anthropicVersion : {}, provider, metered: false };
  }
  if (envelope === 'anthropic') {
    const body = { model: 'claude-sonnet-4-5', max_tokens: 16, messages: chat };
    return { path: `/${prefix}/v1/messages`, body, headers: anthropicVersion, provider, metered: true };
  }
  if (envelope === 'google') return { path: `/${prefix}/v1beta/models/gemini-2.5-flash:generateContent`, body: contents, provider, metered: true };
  return { path: `/${prefix}/v1/chat/completions`, body: { model: 'gpt-4o-mini', messages: chat }, provider, metered: true };
}

export function modelCallFor(endpoint: Endpoint): ModelCall | undefined {
  const prefix = nativePrefixOf(endpoint.path);
  if (prefix !== undefined && endpoint.path === `/${prefix}/*`) return nativeCall(endpoint.method, prefix);
  return frontDoorCalls[endpoint.name];
}

/** The header each provider's dialect carries its key in, as the gateway sends it upstream. */
export const upstreamKeyHeader: Record<OwnProvider, (key: string) => [string, string]> = {
  openai: (key) => ['authorization', `Bearer ${key}`],
  anthropic: (key) => ['x-api-key', key],
  gemini: (key) => ['x-goog-api-key', key],
};
export const isOwnProvider = (provider: string): provider is OwnProvider => (ownProviders as readonly string[]).includes(provider);
