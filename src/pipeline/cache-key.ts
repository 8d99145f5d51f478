// The response cache's key: the normalised request. Two requests share an answer when they ask the same
// model (after aliasing and routing: the provider and upstream id) on the same endpoint for the same
// thing: canonical JSON of the body (object keys sorted, arrays in order) without the fields that do not
// change the answer (the model as written, streaming, the end user, metadata, storage and tiering hints).
// Private to an organization unless the cache is configured shared.
import { createHash } from 'node:crypto';

export type CacheKeyInput = {
  /** `org:<id>` for an organization's private cache, `shared` when the cache is shared. */
  scope: string;
  /** The client's surface and endpoint, e.g. `openai.chat`, `anthropic.messages`, `gemini.generate`. */
  endpoint: string;
  /** The model after aliasing: `provider/upstream id`. */
  model: string;
  /** The client's parsed JSON body. */
  body: unknown;
};

/** Top-level fields that do not change what the model answers. */
const ignoredFields = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'models', 'fallbacks']);

export function responseCacheKey(input: CacheKeyInput): string {
  const hash = createHash('sha256');
  hash.update(input.endpoint);
  hash.update('\n');
  hash.update(input.model);
  hash.update('\n');
  hash.update(canonical(input.body, true));
  return `${input.scope}:${hash.digest('hex')}`;
}

/** The request's temperature, in any dialect (`temperature`, Gemini's `generationConfig.temperature`). */
export function requestTemperature(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  if (typeof body.temperature === 'number') return body.temperature;
  const config = body.generationConfig ?? body.generation_config;
  return isRecord(config) && typeof config.temperature === 'number' ? config.temperature : undefined;
}

function canonical(value: unknown, top = false): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item)).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined && !(top && ignoredFields.has(key)))
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
