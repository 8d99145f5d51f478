// Native pass-through: `/{provider}/…` on the main host and `{provider}.<host>` forward the rest of the path
// to that provider in its own format, unknown fields included, so an existing SDK works by changing only its
// base URL. The gateway still authenticates, picks the credential (BYOK > organization > server), meters
// model calls from the provider's own usage counts, and logs.
import type { HTTPMethod } from 'find-my-way';
import { GatewayError, toGatewayError } from '../../core/errors.js';
import { parseJsonObject, readBody } from '../../http/body.js';
import type { Exchange, Route } from '../../http/server.js';
import type { CredentialVault } from '../../identity/credential-vault.js';
import { captureBodies, type BodyCapture } from '../../pipeline/body-capture.js';
import type { CallLimits } from '../../limits/call-limits.js';
import { CallMeter, type MeterPorts } from '../../pipeline/call-meter.js';
import { applyLimits } from '../../pipeline/call-admission.js';
import type { ModelDirectory } from '../../pipeline/model-directory.js';
import { providerDialect, type ProviderConnection, type ProviderSet } from '../../providers/registry.js';
import type { CallContext } from '../../providers/spec.js';
import { anthropicStreamErrorEvent, renderAnthropicError } from '../anthropic/anthropic-errors.js';
import { geminiStreamErrorEvent, renderGeminiError } from '../gemini/gemini-error-envelope.js';
import { openAIStreamErrorEvent } from '../openai/openai-errors.js';
import { relayForwarded } from '../openai/openai-call.js';
import { renderOpenAIError } from '../openai/openai-routes.js';
import { meteredCall, nativePrefixes, upstreamPath, type MeteredCall } from './native-paths.js';
import { relayToProvider } from '../../pipeline/provider-relay.js';

export type NativeDeps = {
  providers: ProviderSet;
  providerIds: readonly string[];
  directory: ModelDirectory;
  vault: CredentialVault;
  meter: MeterPorts;
  bodyLimit: number;
  limits?: CallLimits;
  bodies?: BodyCapture;
};

const methods: HTTPMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function nativeRoutes(deps: NativeDeps): Route[] {
  const routes: Route[] = [];
  for (const [prefix, provider] of nativePrefixes(deps.providerIds)) {
    const dialect = providerDialect(provider);
    routes.push({
      method: methods,
      path: `/${prefix}/*`,
      access: { scope: 'generator', domain: 'models', byok: true },
      renderError: dialect === 'anthropic' ? renderAnthropicError : dialect === 'gemini' ? renderGeminiError : renderOpenAIError,
      handler: (exchange) => handleNative(deps, exchange, provider, prefix),
    });
  }
  return routes;
}

/** `{provider}.<host>` (e.g. `anthropic.localhost:8080`, `openai.gateway.example`): the path gets the provider prefix. */
export function subdomainRewriter(providerIds: readonly string[]): (host: string | undefined, url: string) => string | undefined {
  const prefixes = nativePrefixes(providerIds);
  return (host, url) => {
    if (host === undefined) return undefined;
    const dot = host.indexOf('.');
    if (dot <= 0) return undefined;
    const label = host.slice(0, dot).toLowerCase();
    return prefixes.has(label) ? `/${label}${url}` : undefined;
  };
}

async function handleNative(deps: NativeDeps, exchange: Exchange, provider: string, prefix: string): Promise<void> {
  const connection = deps.providers.connectionFor(provider);
  if (connection === undefined) {
    throw new GatewayError('not_found', `The provider '${provider}' is switched off on this gateway.`, { publicCode: 'provider_not_configured' });
  }
  const { request } = exchange;
  const method = request.method ?? 'GET';
  const { path, query } = splitUrl(request.url ?? '/', prefix);
  const target = upstreamPath(connection.dialect, path);
  const { apiKey, byok, credential } = await credentialFor(deps, exchange, connection);
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(request, deps.bodyLimit);
  const metered = meteredCall(connection.dialect, method, target);

  if (metered !== undefined && connection.dialect === 'openai') {
    return forwardOpenAI(deps, exchange, connection, target, body, metered, { apiKey, byok, credential });
  }
  const meter = metered && body ? await startMeter(deps, exchange, connection, metered, body, credential) : undefined;
  return relayToProvider(exchange, {
    connection,
    method,
    path: target + query,
    body,
    meter,
    apiKey,
    byok,
    streamError: (error) =>
      connection.dialect === 'anthropic'
        ? anthropicStreamErrorEvent(error, exchange.requestId)
        : connection.dialect === 'gemini'
          ? geminiStreamErrorEvent(error, exchange.requestId)
          : openAIStreamErrorEvent(error, exchange.requestId),
  });
}

/** OpenAI-style model calls use the adapter's forward path, which also asks streams for their usage. */
async function forwardOpenAI(
  deps: NativeDeps,
  exchange: Exchange,
  connection: ProviderConnection,
  target: string,
  body: Buffer | undefined,
  metered: MeteredCall,
  { apiKey, byok, credential }: { apiKey: string | undefined; byok: boolean; credential: string },
): Promise<void> {
  const adapter = deps.providers.adapterFor(connection.id);
  const forward = adapter?.forwardNative ?? adapter?.forward;
  if (adapter === undefined || forward === undefined || body === undefined) {
    throw new GatewayError('not_found', `The provider '${connection.id}' cannot be reached on this gateway.`);
  }
  const { value, text } = parseJsonObject(body, exchange.request.headers['content-type']);
  const model = typeof value.model === 'string' ? value.model : '';
  const stream = value.stream === true;
  const options = value.stream_options as { include_usage?: unknown } | undefined;
  const meter = await startMeter(deps, exchange, connection, { ...metered, model }, body, credential, value);
  const context: CallContext = { requestId: exchange.requestId, signal: exchange.signal };
  if (apiKey !== undefined) context.apiKey = apiKey;
  let forwarded;
  try {
    forwarded = await forward.call(adapter,
      { path: target, body: value, bodyText: text, stream, includeUsage: options?.include_usage === true },
      context,
    );
  } catch (caught) {
    let error = toGatewayError(caught);
    if (byok && error.code === 'upstream_auth') {
      error = new GatewayError('unauthenticated', `Provider '${connection.id}' refused the provider key you supplied.`, {
        publicCode: 'invalid_provider_key',
      });
    }
    meter.failed(error);
    throw error;
  }
  await relayForwarded(exchange, meter, forwarded);
}

async function startMeter(
  deps: NativeDeps,
  exchange: Exchange,
  connection: ProviderConnection,
  metered: MeteredCall,
  body: Buffer,
  credential: string,
  parsedBody?: Record<string, unknown>,
): Promise<CallMeter> {
  let model = metered.model;
  let stream = false;
  let parsed = parsedBody;
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      // The provider will say what is wrong with the body; the row names no model.
    }
  }
  if (parsed !== undefined && (model === undefined || connection.dialect === 'anthropic')) {
    if (typeof parsed.model === 'string') model ??= parsed.model;
    stream = parsed.stream === true;
  }
  stream ||= /:streamGenerateContent$/.test(exchange.request.url?.split('?')[0] ?? '');
  exchange.response.setHeader('x-provider', connection.id);
  const entry = deps.directory.entryFor(connection.id, model ?? '');
  const meter = new CallMeter(deps.meter, {
    requestId: exchange.requestId,
    endpoint: metered.endpoint,
    requested: model ?? '',
    entry,
    stream,
    startedAt: exchange.startedAt,
    principal: exchange.principal,
    credential,
  });
  // Admitted (or refused, with nothing recorded) before anything goes upstream.
  meter.settleWith(await applyLimits(deps.limits, exchange, { requestId: exchange.requestId, body: parsed, entry }));
  captureBodies(deps.bodies, exchange, parsed ?? body.toString('utf8'));
  return meter;
}

/** BYOK, else the organization's stored credential, else the server's (undefined: the connection's own). */
async function credentialFor(
  deps: NativeDeps,
  exchange: Exchange,
  connection: ProviderConnection,
): Promise<{ apiKey: string | undefined; byok: boolean; credential: string }> {
  const principal = exchange.principal;
  if (principal?.providerKey !== undefined) return { apiKey: principal.providerKey, byok: true, credential: 'byok' };
  if (principal?.organizationId != null) {
    const loaded = deps.vault.load(principal.organizationId);
    const stored = (loaded instanceof Promise ? await loaded : loaded).next(connection.id);
    if (stored !== undefined) return { apiKey: stored.key, byok: false, credential: stored.id };
  }
  if (connection.apiKey === undefined && connection.requiresKey) {
    throw new GatewayError(
      'not_found',
      `The provider '${connection.id}' has no credential on this gateway. Send your own key in X-Provider-Key, or have an ` +
        'admin store one (POST /api/provider-credentials).',
      { publicCode: 'provider_not_configured' },
    );
  }
  return { apiKey: undefined, byok: false, credential: 'server' };
}

/** The path after `/{prefix}` and the query string, without a `key=` parameter (a credential, never forwarded). */
function splitUrl(url: string, prefix: string): { path: string; query: string } {
  const question = url.indexOf('?');
  const fullPath = question === -1 ? url : url.slice(0, question);
  const path = fullPath.slice(prefix.length + 1) || '/';
  if (question === -1) return { path, query: '' };
  const search = new URLSearchParams(url.slice(question + 1));
  search.delete('key');
  const query = search.toString();
  return { path, query: query ? `?${query}` : '' };
}
