// The response cache's key: the normalised request. Two requests share an answer when they ask the same
// model (after aliasing: the provider and upstream id) on the same endpoint for the same thing: canonical
// JSON of the body (object keys sorted at every depth, arrays in order, undefined dropped) without the
// top-level fields that do not change the answer (the model as written, streaming, the end user, metadata,
// storage, tiering and provider-cache hints). Every other field, known to us or not, is in the key: a field
// we do not know may well change the answer. The scope stays readable in front of the hash, so one
// organization's entries cannot meet another's.
import { createHash } from 'node:crypto';

export type CacheKeyInput = {
  /** `org:<id>` for an organization's private cache, `shared` when the cache is configured shared. */
  scope: string;
  /** The client's surface and endpoint, e.g. `openai.chat`, `anthropic.messages`, `gemini.generate`, `simple.chat`. */
  endpoint: string;
  /** The model after aliasing: the catalogue entry's provider and upstream id, e.g. `openai/gpt-4o-mini`. */
  model: string;
  /** The client's parsed JSON body. */
  body: unknown;
};

const answerNeutralFields = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'models', 'fallbacks']);

/** `<scope>:<sha256 hex>` of the endpoint, the model and the normalised body. */
export function responseCacheKey(input: CacheKeyInput): string {
  // A JSON array keeps the three parts apart whatever characters they hold.
  const normalised = `[${JSON.stringify(input.endpoint)},${JSON.stringify(input.model)},${canonicalJson(input.body, answerNeutralFields)}]`;
  return `${input.scope}:${createHash('sha256').update(normalised).digest('hex')}`;
}

/** The request's temperature in any dialect: `temperature`, or Gemini's `generationConfig.temperature` (`generation_config` in its snake_case form). */
export function requestTemperature(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  if (typeof body.temperature === 'number') return body.temperature;
  const config = body.generationConfig ?? body.generation_config;
  return isRecord(config) && typeof config.temperature === 'number' ? config.temperature : undefined;
}

function canonicalJson(value: unknown, skipped?: ReadonlySet<string>): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined && skipped?.has(key) !== true)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  // As JSON.stringify writes them: an undefined array item becomes null.
  return JSON.stringify(value) ?? 'null';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
