// The neutral form every surface decodes into and every provider adapter encodes from.
// Semantics follow OpenAI Chat Completions where a choice has to be made (see ../shared/reference/mapping.md):
// cached and cache-write tokens are subsets of input.total, reasoning tokens a subset of output.total.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type TextPart = { type: 'text'; text: string };
/** An image, either by URL (`https:` or `data:`) or already split into media type and base64 data. */
export type ImagePart = { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' };
export type AudioPart = { type: 'audio'; data: string; format: string };
/** A file such as a PDF, as base64 data (`file_data`) or a provider file id. */
export type FilePart = { type: 'file'; data?: string; mediaType?: string; filename?: string; fileId?: string };
export type ContentPart = TextPart | ImagePart | AudioPart | FilePart;

export type ToolCall = {
  id: string;
  name: string;
  /** JSON text, exactly as the model produced it (may be invalid JSON). */
  arguments: string;
};

export type SystemMessage = { role: 'system'; content: string };
export type UserMessage = { role: 'user'; content: ContentPart[]; name?: string };
export type AssistantMessage = {
  role: 'assistant';
  content: TextPart[];
  toolCalls?: ToolCall[];
  reasoning?: string;
  name?: string;
};
export type ToolMessage = { role: 'tool'; toolCallId: string; content: TextPart[] };
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export type ToolDefinition = {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object; absent means "no arguments". */
  parameters?: JsonObject;
  strict?: boolean;
};

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema?: JsonObject; strict?: boolean; description?: string };

export type ChatRequest = {
  /** The upstream model id, after catalogue resolution (no `provider/` prefix). */
  model: string;
  messages: Message[];
  stream: boolean;
  /** The client asked for the usage chunk (`stream_options.include_usage`). Upstream usage is always requested. */
  includeUsage?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  n?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  logitBias?: Record<string, number>;
  user?: string;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  reasoningEffort?: string;
};

/** Legacy text completion, kept apart so chat-only providers can be served by translation. */
export type CompletionRequest = {
  model: string;
  prompt: string[];
  stream: boolean;
  includeUsage?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  n?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  user?: string;
};

export type Usage = {
  /** `cacheWrite1h`: the part of `cacheWrite` kept for one hour (Anthropic), billed at its own price. */
  input: { total: number; cacheRead: number; cacheWrite: number; cacheWrite1h?: number };
  output: { total: number; reasoning: number };
  /** Set when the provider reported nothing and the gateway counted the tokens itself. */
  estimated?: boolean;
};

export const emptyUsage = (): Usage => ({
  input: { total: 0, cacheRead: 0, cacheWrite: 0 },
  output: { total: 0, reasoning: 0 },
});

export type UnifiedFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';
export type FinishReason = { unified: UnifiedFinishReason; raw: string | null };

export type ChatChoice = {
  index: number;
  message: { content: string | null; toolCalls?: ToolCall[]; reasoning?: string; refusal?: string | null };
  finish: FinishReason;
};

export type ChatResult = {
  /** The upstream's response id when it has one. */
  id?: string;
  /** The model the upstream says answered. */
  model: string;
  created?: number;
  choices: ChatChoice[];
  usage: Usage;
};

/** Parts of a streamed answer, in order. `choice` defaults to 0. */
export type StreamPart =
  | { type: 'start'; id?: string; model?: string }
  | { type: 'text-delta'; text: string; choice?: number }
  | { type: 'reasoning-delta'; text: string; choice?: number }
  | { type: 'tool-call-start'; index: number; id: string; name: string; choice?: number }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string; choice?: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; choice?: number };

export type EmbedRequest = {
  model: string;
  input: string[] | number[][];
  dimensions?: number;
  user?: string;
};

export type EmbedResult = {
  model: string;
  embeddings: number[][];
  /** `estimated` when the provider reported no count and the gateway counted the input itself. */
  usage: { input: number; estimated?: boolean };
};
