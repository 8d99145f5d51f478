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

export function isKnownProvider(id: string): boolean {
  return id in native || id in presets;
}

/** Default upstream timeout: the response headers, and then each gap between body chunks. */
const DEFAULT_TIMEOUT_MS = 300_000;

export type ProviderSet = {
  adapters: Map<string, ProviderAdapter>;
  close(): Promise<void>;
};

/**
 * Builds one adapter per provider that is usable: configured (a key, or a base URL for keyless local
 * servers such as Ollama and vLLM) and not disabled. Unknown provider ids in config are an error.
 */
export function createProviders(configured: Readonly<Record<string, ProviderConfig>>): ProviderSet {
  const adapters = new Map<string, ProviderAdapter>();
  const pools: Pool[] = [];
  for (const [id, settings] of Object.entries(configured)) {
    if (settings.enabled === false) continue;
    const nativeEntry = (native as Record<string, NativeProvider>)[id];
    const preset = (presets as Record<string, CompatiblePreset>)[id];
    if (!nativeEntry && !preset) {
      throw new Error(`Unknown provider '${id}' in config. Known providers: ${providerIds.join(', ')}.`);
    }
    const requiresKey = nativeEntry ? nativeEntry.requiresKey : preset!.requiresKey;
    if (requiresKey && !settings.apiKey) continue;
    if (!requiresKey && !settings.apiKey && !settings.baseURL) continue;
    const baseURL = (settings.baseURL ?? nativeEntry?.baseURL ?? preset!.baseURL).replace(/\/+$/, '');
    const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const pool = new Pool(new URL(baseURL).origin, {
      connections: 256,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    pools.push(pool);
    const options: AdapterOptions = { id, apiKey: settings.apiKey, baseURL, dispatcher: pool, headers: settings.headers };
    adapters.set(id, nativeEntry ? nativeEntry.create(options) : createOpenAIAdapter({ ...options, preset: preset! }));
  }
  return {
    adapters,
    async close() {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}
