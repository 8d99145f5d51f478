// The response cache in a model call: whether a request may use it (its scope, the caller's Cache-Control and
// X-Switchyard-Cache headers, the temperature threshold), looking an answer up before any attempt, and
// recording the answer an attempt completed. Entries hold the answer in the neutral form (ChatResult,
// EmbedResult), so a surface replays any entry in its own dialect, as JSON or as a stream; an answer relayed
// byte for byte on a same-dialect path also keeps those bytes, replayed as they were to a JSON request of the
// same surface. The cache never fails a request: a store that errs is logged and the call goes upstream.
import type { ChatResult, EmbedResult, StreamPart, Usage } from '../../core/chat.js';
import type { ForwardedResponse } from '../../providers/spec.js';
import type { Exchange } from '../../http/server.js';
import type { Logger } from '../../observability/logger.js';
import type { ResponseCache } from '../../state/response-cache.js';
import type { CallMeter } from '../call-meter.js';
import { requestTemperature, responseCacheKey } from '../cache-key.js';
import { decodeRawAnswer, type RawAnswer } from './raw-answer.js';
import { partsToResult } from './stream-answer.js';

export type ResponseCaching = {
  store: ResponseCache;
  ttlMs: number;
  /** One cache for every organization instead of one each. */
  shared: boolean;
  maxTemperature: number;
  /** Answers larger than this are not kept (the store's own bound for one entry). */
  maxEntryBytes: number;
  logger: Logger;
};

/** Who served the answer first: named again in the headers of a hit. */
export type AnswerOrigin = { provider: string; model: string; deployment: string };

export type CachedAnswer = ({ kind: 'chat'; result: ChatResult } | { kind: 'embed'; result: EmbedResult }) & {
  v: 1;
  origin: AnswerOrigin;
  /** A same-dialect JSON answer as the client of `surface` received it. */
  raw?: { surface: string; contentType: string; body: string };
};

/** What a surface tells the cache about a request: its key's endpoint, and how it answers from an entry. */
export type CacheSpec = {
  /** The surface and endpoint, e.g. `openai.chat`: entries are not shared between them. */
  endpoint: string;
  /** Embeddings: the answer does not depend on a temperature. */
  deterministic?: boolean;
  /** What a same-dialect relay of this request carries (see raw-answer.ts); absent: the surface only translates. */
  raw?: Pick<RawAnswer, 'dialect' | 'kind'>;
  /** Answers the client from the entry (JSON or a replayed stream), through `meter`. */
  replay(answer: CachedAnswer, meter: CallMeter): Promise<void>;
};

export type CacheDecision =
  | { status: 'SKIP'; reason: string }
  | { status: 'MISS'; key: string; read: boolean };

/**
 * Whether the call may use the cache. `Cache-Control: no-store` or `X-Switchyard-Cache: bypass` leaves it
 * alone; `no-cache` or `refresh` skips the lookup but stores the new answer; `force` ignores the temperature.
 */
export function decideCaching(caching: ResponseCaching, exchange: Exchange, spec: CacheSpec, model: string, body: unknown): CacheDecision {
  const { headers } = exchange.request;
  const directive = headerText(headers['x-switchyard-cache'])?.trim().toLowerCase();
  const control = headerText(headers['cache-control'])?.toLowerCase() ?? '';
  if (directive === 'bypass' || /(^|[\s,])no-store($|[\s,])/.test(control)) return { status: 'SKIP', reason: 'bypass' };
  const refresh = directive === 'refresh' || /(^|[\s,])no-cache($|[\s,])/.test(control);
  if (!spec.deterministic && directive !== 'force' && (requestTemperature(body) ?? 1) > caching.maxTemperature) {
    return { status: 'SKIP', reason: 'temperature' };
  }
  const scope = scopeOf(caching, exchange);
  if (scope === undefined) return { status: 'SKIP', reason: 'scope' };
  let key: string;
  try {
    key = responseCacheKey({ scope, endpoint: spec.endpoint, model, body });
  } catch {
    // A body nested too deep to normalise: answered, never cached.
    return { status: 'SKIP', reason: 'unkeyable' };
  }
  return { status: 'MISS', key, read: !refresh };
}

/** The scope of the caller's entries: shared, its organization's, or its brought key's. */
function scopeOf(caching: ResponseCaching, exchange: Exchange): string | undefined {
  if (caching.shared) return 'shared';
  const principal = exchange.principal;
  if (principal?.organizationId != null) return `org:${principal.organizationId}`;
  if (principal?.providerKeyHash != null) return `byok:${principal.providerKeyHash}`;
  return principal === undefined ? 'public' : undefined;
}

/** The live answer under `key`; undefined when there is none, it cannot be read, or the store fails. */
export async function lookUp(caching: ResponseCaching, key: string): Promise<CachedAnswer | undefined> {
  try {
    const entry = await caching.store.get(key);
    if (entry === undefined) return undefined;
    const answer = JSON.parse(entry.value) as CachedAnswer;
    return answer?.v === 1 && (answer.kind === 'chat' || answer.kind === 'embed') ? answer : undefined;
  } catch (error) {
    caching.logger.warn({ err: error }, 'response cache lookup failed; calling the provider');
    return undefined;
  }
}

/**
 * Stores what one attempt answered, once. Surfaces hand it the neutral result (JSON answers), the neutral
 * stream (tapped, stored when it ends complete) or the bytes of a same-dialect relay.
 */
export class CacheRecorder {
  private stored = false;

  constructor(
    private readonly caching: ResponseCaching,
    private readonly key: string,
    private readonly spec: CacheSpec,
    private readonly origin: AnswerOrigin,
    /** Whether the client asked for a stream. */
    private readonly stream: boolean,
  ) {}

  chat(result: ChatResult): void {
    if (result.choices.length === 0 || result.choices.some((choice) => choice.finish.unified === 'error')) return;
    this.put({ kind: 'chat', result });
  }

  embed(result: EmbedResult): void {
    this.put({ kind: 'embed', result });
  }

  /** The same stream, folded into a result as it passes; stored when it ended complete and within maxEntryBytes. */
  tapParts(parts: AsyncIterable<StreamPart>): AsyncIterable<StreamPart> {
    const seen: StreamPart[] = [];
    // The text held, a lower bound of the entry's size: past the bound the parts are let go, not kept.
    let size = 0;
    const limit = this.caching.maxEntryBytes;
    const recorder = this;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const part of parts) {
          if (size <= limit) {
            if (part.type === 'text-delta' || part.type === 'reasoning-delta') size += part.text.length;
            else if (part.type === 'tool-call-delta') size += part.argumentsDelta.length;
            if (size <= limit) seen.push(part);
            else seen.length = 0;
          }
          yield part;
        }
        const result = size <= limit ? partsToResult(seen) : undefined;
        if (result !== undefined) recorder.chat(result);
      },
    };
  }

  /** An OpenAI-dialect answer forwarded byte for byte (see ProviderAdapter.forward). */
  forwarded(response: ForwardedResponse): ForwardedResponse {
    if (response.status >= 300) return response;
    if (response.kind === 'json') {
      this.raw(response.contentType, response.body);
      return response;
    }
    return { ...response, body: this.tapBytes(response.body, response.contentType, () => response.usage()) };
  }

  /** A relayed stream's bytes, kept as they pass and stored when the stream ended (a cut one decodes to nothing). */
  tapBytes(source: AsyncIterable<Buffer>, contentType: string | undefined, usage?: () => Usage | undefined): AsyncIterable<Buffer> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const limit = this.caching.maxEntryBytes;
    const recorder = this;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const chunk of source) {
          bytes += chunk.length;
          if (bytes <= limit) chunks.push(chunk);
          yield chunk;
        }
        if (bytes <= limit) recorder.raw(contentType, Buffer.concat(chunks), usage?.());
      },
    };
  }

  /** A same-dialect answer as relayed: decoded to the neutral form; a JSON answer keeps its bytes too. */
  raw(contentType: string | undefined, body: Buffer, usage?: Usage): void {
    const dialect = this.spec.raw;
    if (this.stored || dialect === undefined || body.length > this.caching.maxEntryBytes) return;
    void (async () => {
      // A forwarded stream's usage chunk is cut for a client that did not ask for it: the metered usage stands in.
      const decoded = await decodeRawAnswer({ ...dialect, provider: this.origin.provider, contentType, body, stream: this.stream, ...(usage === undefined ? {} : { usage }) });
      if (decoded === undefined) return;
      const json = !this.stream && contentType?.includes('json') === true;
      const raw = json ? { surface: this.spec.endpoint, contentType: contentType!, body: body.toString('utf8') } : undefined;
      this.put({ ...decoded, ...(raw === undefined ? {} : { raw }) } as Omit<CachedAnswer, 'v' | 'origin'>);
    })().catch((error: unknown) => this.caching.logger.warn({ err: error }, 'response cache: an answer could not be decoded'));
  }

  private put(answer: Omit<CachedAnswer, 'v' | 'origin'>): void {
    if (this.stored) return;
    this.stored = true;
    const value = JSON.stringify({ v: 1, origin: this.origin, ...answer });
    this.caching.store.set(this.key, value, this.caching.ttlMs).catch((error: unknown) => {
      this.caching.logger.warn({ err: error }, 'response cache store failed');
    });
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
