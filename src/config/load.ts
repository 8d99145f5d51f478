// Loads the YAML file, applies environment overrides and validates the result once, at start-up.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;
type Tree = Record<string, unknown>;

/** Providers whose key may come from the environment as `<ID>_API_KEY`, with alternate names where vendors use them. */
const providerKeyVariables: Record<string, string[]> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  gemini: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  groq: ['GROQ_API_KEY'],
  mistral: ['MISTRAL_API_KEY'],
  together: ['TOGETHER_API_KEY'],
  fireworks: ['FIREWORKS_API_KEY'],
  perplexity: ['PERPLEXITY_API_KEY'],
  deepinfra: ['DEEPINFRA_API_KEY'],
  openrouter: ['OPENROUTER_API_KEY'],
  deepseek: ['DEEPSEEK_API_KEY'],
  qwen: ['DASHSCOPE_API_KEY', 'QWEN_API_KEY'],
  xai: ['XAI_API_KEY'],
  ollama: ['OLLAMA_API_KEY'],
  vllm: ['VLLM_API_KEY'],
};

export function loadConfig(options: { env?: Env; file?: string; overrides?: Tree } = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SWITCHYARD_CONFIG ?? (existsSync('switchyard.yaml') ? 'switchyard.yaml' : undefined);
  const tree: Tree = file ? readConfigFile(file, env) : {};
  applyEnv(tree, env);
  if (options.overrides) deepMerge(tree, options.overrides);
  return parseConfig(tree, file);
}

export function parseConfig(tree: unknown, source = 'configuration'): Readonly<Config> {
  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) throw new ConfigError(`Invalid ${source}:\n${formatIssues(parsed.error.issues)}`);
  return deepFreeze(parsed.data);
}

function readConfigFile(file: string, env: Env): Tree {
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigError(`Configuration file not found: ${path}`);
  let document: unknown;
  try {
    document = parseYaml(interpolate(readFileSync(path, 'utf8'), env));
  } catch (error) {
    throw new ConfigError(`Configuration file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`Configuration file ${path} must hold a mapping at the top level.`);
  }
  return document as Tree;
}

/** `${VAR}` and `${VAR:-default}` in the file take their value from the environment. */
function interpolate(text: string, env: Env): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`Configuration refers to \${${name}}, which is not set in the environment.`);
  });
}

function applyEnv(tree: Tree, env: Env): void {
  const set = (path: string[], value: unknown) => {
    let node = tree;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Tree;
    }
    node[path[path.length - 1]!] = value;
  };
  const number = (name: string, value: string) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new ConfigError(`Environment variable ${name} must be a number, got '${value}'.`);
    return parsed;
  };
  const port = env.SWITCHYARD_PORT ?? env.PORT;
  if (port) set(['server', 'port'], number(env.SWITCHYARD_PORT ? 'SWITCHYARD_PORT' : 'PORT', port));
  if (env.SWITCHYARD_HOST) set(['server', 'host'], env.SWITCHYARD_HOST);
  if (env.SWITCHYARD_ENV ?? env.NODE_ENV) set(['server', 'environment'], env.SWITCHYARD_ENV ?? env.NODE_ENV);
  if (env.SWITCHYARD_DATA_DIR) set(['dataDir'], env.SWITCHYARD_DATA_DIR);
  if (env.DATABASE_URL) set(['database', 'url'], env.DATABASE_URL);
  if (env.LOG_LEVEL) set(['logging', 'level'], env.LOG_LEVEL);
  if (env.SWITCHYARD_TRUST_PROXY) set(['server', 'trustProxy'], env.SWITCHYARD_TRUST_PROXY === 'true' || env.SWITCHYARD_TRUST_PROXY === '1');
  if (env.REDIS_URL) {
    set(['limits', 'redisUrl'], env.REDIS_URL);
    set(['limits', 'backend'], 'redis');
  }
  if (env.SWITCHYARD_DEFAULT_PLAN) set(['limits', 'defaultPlan'], env.SWITCHYARD_DEFAULT_PLAN);
  if (env.SWITCHYARD_MASTER_KEY) set(['auth', 'masterKey'], env.SWITCHYARD_MASTER_KEY);
  if (env.SWITCHYARD_MASTER_KEY_FILE) set(['auth', 'masterKeyFile'], env.SWITCHYARD_MASTER_KEY_FILE);
  if (env.SWITCHYARD_ADMIN_EMAIL) set(['auth', 'admin', 'email'], env.SWITCHYARD_ADMIN_EMAIL);
  if (env.SWITCHYARD_ADMIN_PASSWORD) set(['auth', 'admin', 'password'], env.SWITCHYARD_ADMIN_PASSWORD);
  if (env.SWITCHYARD_ANONYMOUS_BYOK) {
    set(['auth', 'anonymousByok', 'enabled'], env.SWITCHYARD_ANONYMOUS_BYOK === 'true' || env.SWITCHYARD_ANONYMOUS_BYOK === '1');
  }
  if (env.SWITCHYARD_SIMULATOR) {
    const value = env.SWITCHYARD_SIMULATOR;
    set(['simulator', 'enabled'], value === 'auto' ? 'auto' : value === 'true' || value === '1');
  }
  for (const [provider, names] of Object.entries(providerKeyVariables)) {
    const key = names.map((name) => env[name]).find((value) => value !== undefined && value !== '');
    if (key) set(['providers', provider, 'apiKey'], key);
    const baseURL = env[`${provider.toUpperCase()}_BASE_URL`];
    if (baseURL) set(['providers', provider, 'baseURL'], baseURL);
  }
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `  - ${path}: ${issue.message}`;
    })
    .join('\n');
}

function deepMerge(target: Tree, source: Tree): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object'
      && !Array.isArray(existing)) {
      deepMerge(existing as Tree, value as Tree);
    } else {
      target[key] = value;
    }
  }
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
