// The ProviderAdapter interface: all the pipeline knows of a provider.
import type { Dispatcher } from 'undici';
import type {
  ChatRequest,
  ChatResult,
  CompletionRequest,
  EmbedRequest,
  EmbedResult,
  StreamPart,
  Usage,
} from '../core/chat.js';

/** The wire dialects a client or an upstream can speak. */
export type Dialect = 'openai' | 'anthropic' | 'gemini';

export type CallContext = {
  requestId: string;
  /** Aborted when the client disconnects or a deadline passes: the upstream call must stop. */
  signal: AbortSignal;
  /** This call's own upstream timeouts, over the provider's: `idleMs` between two body chunks. */
  timeouts?: { idleMs?: number };
  /** Extra upstream headers for this call only. */
  headers?: Record<string, string>;
  /**
   * The provider credential for this call when it is not the adapter's own: an organization's stored key
   * or one the client brought (BYOK). Sent in the provider's auth header, never logged.
   */
  apiKey?: string;
  /**
   * Told the usage so far (what the provider reported, the rest counted and marked estimated) when the
   * client stops reading a stream before its end, so a call cut short by its client is still metered.
   */
  onAbandonedUsage?: (usage: Usage) => void;
};

/** A streamed answer. Resolves once the upstream answered 2xx with headers: the last point to fall back. */
export type ChatStream = AsyncIterable<StreamPart>;

/**
 * Same-dialect pass-through: the request body travels as the client sent it (the model name and
 * stream options excepted), the response bytes come back unchanged, and the adapter only taps them to meter.
 */
export type ForwardRequest = {
  /** Path under the provider's base URL, e.g. `/chat/completions`. */
  path: string;
  /** The client's parsed JSON body; `bodyText` is used verbatim when present and nothing had to change. */
  body: Record<string, unknown>;
  bodyText?: string;
  stream: boolean;
  /**
   * Whether the client asked for the usage chunk. The adapter always asks the upstream for usage (to meter),
   * and removes the usage-only chunk from the relayed stream when the client did not ask for it.
   */
  includeUsage: boolean;
};

export type ForwardedJson = {
  kind: 'json';
  status: number;
  contentType: string;
  body: Buffer;
  usage: Usage | undefined;
};

export type ForwardedStream = {
  kind: 'stream';
  status: number;
  contentType: string;
  /** Raw SSE bytes to relay. Throws a GatewayError when the upstream breaks mid-stream. */
  body: AsyncIterable<Buffer>;
  /** Known once `body` is exhausted. */
  usage(): Usage | undefined;
};

export type ForwardedResponse = ForwardedJson | ForwardedStream;

export interface ProviderAdapter {
  readonly id: string;
  readonly dialect: Dialect;
  chat(request: ChatRequest, context: CallContext): Promise<ChatResult>;
  streamChat(request: ChatRequest, context: CallContext): Promise<ChatStream>;
  /** Legacy completions; adapters without a native endpoint leave this out and the pipeline translates to chat. */
  complete?(request: CompletionRequest, context: CallContext): Promise<ChatResult>;
  streamComplete?(request: CompletionRequest, context: CallContext): Promise<ChatStream>;
  embed?(request: EmbedRequest, context: CallContext): Promise<EmbedResult>;
  /** Present when the adapter speaks `dialect` natively and can forward bytes an OpenAI client accepts as they are. */
  forward?(request: ForwardRequest, context: CallContext): Promise<ForwardedResponse>;
  /** The same forwarding for the native pass-through (`/{provider}/…`), where the vendor's own format is wanted even when it deviates. */
  forwardNative?(request: ForwardRequest, context: CallContext): Promise<ForwardedResponse>;
}

export type AdapterOptions = {
  id: string;
  apiKey: string | undefined;
  baseURL: string;
  dispatcher: Dispatcher;
  /** Static headers from config, sent on every call. */
  headers?: Record<string, string>;
};
