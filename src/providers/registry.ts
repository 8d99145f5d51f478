// Provider id → adapter factory: the single registration point. An OpenAI-compatible vendor is a preset
// (data in compatible/presets.ts); a native one is a folder plus one line here.
import { Pool } from 'undici';
import type { ProviderConfig } from '../config/schema.js';
import { createAnthropicAdapter } from './anthropic/anthropic-adapter.js';
import { presets, type CompatiblePreset } from './compatible/presets.js';
import { createGeminiAdapter } from './gemini/gemini-adapter.js';
import { createOpenAIAdapter } from './openai/openai-adapter.js';
import type { AdapterOptions, Dialect, ProviderAdapter } from './spec.js';

type NativeProvider = {
  dialect: Dialect;
  baseURL: string;
  requiresKey: boolean;
  create: (options: AdapterOptions) => ProviderAdapter;
};

const native = {
  openai: { dialect: 'openai', baseURL: 'https://api.openai.com/v1', requiresKey: true, create: createOpenAIAdapter },
  anthropic: { dialect: 'anthropic', baseURL: 'https://api.anthropic.com', requiresKey: true, create: createAnthropicAdapter },
  gemini: {
    dialect: 'gemini',
    baseURL: 'https://generativelanguage.googleapis.com',
    requiresKey: true,
    create: createGeminiAdapter,
  },
  // The built-in simulator speaks OpenAI's wire format; main.ts points it at the in-process simulator.
  sim: { dialect: 'openai', baseURL: 'http://127.0.0.1:0/v1', requiresKey: false, create: createOpenAIAdapter },
} satisfies Record<string, NativeProvider>;

export const providerIds: readonly string[] = [...Object.keys(native), ...Object.keys(presets)];

/** The wire dialect a provider speaks (every preset speaks OpenAI's). */
export function providerDialect(id: string): Dialect {
  return (native as Record<string, NativeProvider>)[id]?.dialect ?? 'openai';
}

export function isKnownProvider(id: string): boolean {
  return id in native || id in presets;
}

/** Default upstream timeout: the response headers, and then each gap between body chunks. */
const DEFAULT_TIMEOUT_MS = 300_000;

export type ProviderSet = {
  /** Providers usable with the server's own configuration (a key, or a base URL for keyless local servers). */
  adapters: Map<string, ProviderAdapter>;
  /**
   * The adapter for any known provider, built on first use when it has no server-wide credential: calls
   * through it must bring their own key (an organization's stored credential or the client's, BYOK).
   */
  adapterFor(id: string): ProviderAdapter | undefined;
  /** What the native pass-through needs to reach a provider directly (built on first use like `adapterFor`). */
  connectionFor(id: string): ProviderConnection | undefined;
  /**
   * A separate adapter (its own connection pool) for one deployment of a provider: the provider's settings
   * with the deployment's own credential and base URL where it has them. Undefined for an unknown provider.
   */
  deploymentAdapter(id: string, overrides: { apiKey?: string; baseURL?: string; connectTimeoutMs?: number }): ProviderAdapter | undefined;
  close(): Promise<void>;
};

export type ProviderConnection = {
  id: string;
  dialect: Dialect;
  /** Without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseURL: string;
  /** The server-wide key from config, when there is one. */
  apiKey: string | undefined;
  requiresKey: boolean;
  /** Extra headers from config, sent on every call. */
  headers: Readonly<Record<string, string>>;
  dispatcher: Pool;
};

/**
 * Builds one adapter per provider that is usable: configured (a key, or a base URL for keyless local
 * servers such as Ollama and vLLM) and not disabled. Unknown provider ids in config are an error.
 */
export function createProviders(
  configured: Readonly<Record<string, ProviderConfig>>,
  options: { connectTimeoutMs?: number } = {},
): ProviderSet {
  const adapters = new Map<string, ProviderAdapter>();
  const keyless = new Map<string, ProviderAdapter>();
  const connections = new Map<string, ProviderConnection>();
  const pools: Pool[] = [];
  for (const id of Object.keys(configured)) {
    if (!isKnownProvider(id)) throw new Error(`Unknown provider '${id}' in config. Known providers: ${providerIds.join(', ')}.`);
  }

  function build(id: string, settings: ProviderConfig, deployment?: { connectTimeoutMs?: number }): ProviderAdapter {
    const nativeEntry = (native as Record<string, NativeProvider>)[id];
    const preset = (presets as Record<string, CompatiblePreset>)[id];
    const baseURL = (settings.baseURL ?? nativeEntry?.baseURL ?? preset!.baseURL).replace(/\/+$/, '');
    const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const connectTimeout = deployment?.connectTimeoutMs ?? options.connectTimeoutMs;
    const pool = new Pool(new URL(baseURL).origin, {
      connections: 256,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(connectTimeout === undefined ? {} : { connect: { timeout: connectTimeout } }),
    });
    pools.push(pool);
    const adapterOptions: AdapterOptions = { id, apiKey: settings.apiKey, baseURL, dispatcher: pool, headers: settings.headers };
    // A deployment's adapter is its own; the provider's connection (the native pass-through's) stays as configured.
    if (deployment !== undefined) return nativeEntry ? nativeEntry.create(adapterOptions) : createOpenAIAdapter({ ...adapterOptions, preset: preset! });
    connections.set(id, {
      id,
      dialect: nativeEntry ? nativeEntry.dialect : 'openai',
      baseURL,
      apiKey: settings.apiKey,
      requiresKey: nativeEntry ? nativeEntry.requiresKey : preset!.requiresKey,
      headers: settings.headers ?? {},
      dispatcher: pool,
    });
    return nativeEntry ? nativeEntry.create(adapterOptions) : createOpenAIAdapter({ ...adapterOptions, preset: preset! });
  }

  for (const [id, settings] of Object.entries(configured)) {
    if (settings.enabled === false) continue;
    const nativeEntry = (native as Record<string, NativeProvider>)[id];
    const requiresKey = nativeEntry ? nativeEntry.requiresKey : (presets as Record<string, CompatiblePreset>)[id]!.requiresKey;
    if (requiresKey && !settings.apiKey) continue;
    if (!requiresKey && !settings.apiKey && !settings.baseURL) continue;
    adapters.set(id, build(id, settings));
  }
  return {
    adapters,
    adapterFor(id) {
      const ready = adapters.get(id) ?? keyless.get(id);
      if (ready !== undefined) return ready;
      // The simulator is only reachable where main.ts configured it; a disabled provider stays off.
      if (!isKnownProvider(id) || id === 'sim' || configured[id]?.enabled === false) return undefined;
      const adapter = build(id, { ...configured[id], apiKey: undefined });
      keyless.set(id, adapter);
      return adapter;
    },
    deploymentAdapter(id, overrides) {
      if (!isKnownProvider(id)) return undefined;
      const settings: ProviderConfig = { ...configured[id] };
      if (overrides.apiKey !== undefined) settings.apiKey = overrides.apiKey;
      if (overrides.baseURL !== undefined) settings.baseURL = overrides.baseURL;
      return build(id, settings, { connectTimeoutMs: overrides.connectTimeoutMs });
    },
    connectionFor(id) {
      if (connections.has(id) || this.adapterFor(id) !== undefined) return connections.get(id);
      return undefined;
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}
