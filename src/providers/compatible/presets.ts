// OpenAI-compatible vendors as data: one entry each, read by the OpenAI adapter (../openai/openai-adapter.ts).
// Base URLs and deviations: ../../../shared/reference/mapping.md §8 (and the provider docs linked per entry).
// A quirk seen at several providers is a general field; one seen at a single provider is named after it.
import type { UnifiedFinishReason } from '../../core/chat.js';

/** Chat Completions request fields a provider rejects (or silently misreads); removed before sending. */
export type DroppableField =
  | 'logprobs'
  | 'top_logprobs'
  | 'logit_bias'
  | 'stop'
  | 'seed'
  | 'tool_choice'
  | 'user'
  | 'presence_penalty'
  | 'frequency_penalty';

/** Non-standard message/delta fields that carry reasoning text. */
export type ReasoningField = 'reasoning_content' | 'reasoning';

export type CompatiblePreset = {
  /** Default base URL; `/chat/completions`, `/completions` and `/embeddings` are appended. Config may override. */
  baseURL: string;
  /** False for local servers that need no credential: no `Authorization` header is sent without a key. */
  requiresKey: boolean;
  /** Offers `/embeddings`. */
  embeddings: boolean;
  /** Offers the legacy `/completions`; without it the pipeline translates completions to chat. */
  completions: boolean;
  /**
   * True only when requests and responses need no fixing for OpenAI clients, so the same-dialect fast
   * path can forward the client's bytes and relay the provider's bytes unchanged.
   */
  passthrough: boolean;

  // Request side (general quirks, each seen at several providers).
  /** Field carrying the output limit. Default `max_tokens` (OpenAI itself uses `max_completion_tokens`). */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Default true. False where the provider does not document `stream_options` (it streams usage unasked). */
  streamUsageOption?: boolean;
  /** Accepts the `top_k` sampling extension; otherwise a requested top-k is dropped. */
  topK?: boolean;
  /** Fields removed from the body before sending. */
  dropFields?: readonly DroppableField[];
  /** Rejects `messages[].name`: it is removed. */
  dropMessageNames?: boolean;
  /** Serves one choice per request: `n` is removed and `n > 1` refused with a 400 naming `n`. */
  singleChoice?: boolean;
  /** Embedding responses honour `encoding_format: 'base64'` (smaller on the wire); otherwise floats are asked. */
  embeddingsBase64?: boolean;

  // Response side (general quirks).
  /** Finish reasons beyond OpenAI's own, mapped to the unified set. */
  finishReasons?: Readonly<Record<string, UnifiedFinishReason>>;
  /** Message/delta fields read as reasoning text, first present wins. */
  reasoningFields?: readonly ReasoningField[];

  // Quirks of one provider each.
  /** Mistral: `seed` is `random_seed`. */
  mistralRandomSeed?: boolean;
  /** Mistral: `required` tool choice is `any`; a named choice becomes `any` over that one tool. */
  mistralToolChoice?: boolean;
  /** Mistral: tool call ids must be exactly 9 `[a-zA-Z0-9]` characters; others are rewritten deterministically. */
  mistralToolCallIds?: boolean;
  /** Mistral: embedding `dimensions` is `output_dimension`. */
  mistralOutputDimension?: boolean;
  /** Groq: streamed usage arrives in `x_groq.usage` (newer responses also repeat it in `usage`). */
  groqStreamUsage?: boolean;
  /** xAI: `completion_tokens` excludes `reasoning_tokens`; they are added to match OpenAI's semantics. */
  xaiReasoningOutsideCompletion?: boolean;
  /** DeepSeek: cache hits are reported as `prompt_cache_hit_tokens` (older responses lack `cached_tokens`). */
  deepseekCacheHitTokens?: boolean;
};

export const presets = {
  // https://console.groq.com/docs/openai
  groq: {
    baseURL: 'https://api.groq.com/openai/v1',
    requiresKey: true,
    embeddings: false,
    completions: false,
    passthrough: false,
    dropFields: ['logprobs', 'top_logprobs', 'logit_bias'],
    dropMessageNames: true,
    singleChoice: true,
    reasoningFields: ['reasoning'],
    groqStreamUsage: true,
  },
  // https://docs.mistral.ai/api/ ; finish reasons `model_length` and `error`; errors as top-level
  // `{"object":"error","message",…}` (read by the adapter's lenient error parser).
  mistral: {
    baseURL: 'https://api.mistral.ai/v1',
    requiresKey: true,
    embeddings: true,
    completions: false,
    passthrough: false,
    // Mistral streams usage on its last chunk; Vercel's provider never sends stream_options.
    streamUsageOption: false,
    embeddingsBase64: true,
    finishReasons: { model_length: 'length', error: 'error' },
    mistralRandomSeed: true,
    mistralToolChoice: true,
    mistralToolCallIds: true,
    mistralOutputDimension: true,
  },
  // https://docs.together.ai/docs/openai-api-compatibility ; https://docs.together.ai/docs/error-codes (402 spend limit)
  together: {
    baseURL: 'https://api.together.xyz/v1',
    requiresKey: true,
    embeddings: true,
    completions: true,
    passthrough: false,
    topK: true,
    finishReasons: { eos: 'stop' },
  },
  // https://docs.fireworks.ai/tools-sdks/openai-compatibility ; models are `accounts/fireworks/models/<m>`.
  fireworks: {
    baseURL: 'https://api.fireworks.ai/inference/v1',
    requiresKey: true,
    embeddings: true,
    completions: true,
    passthrough: true,
    topK: true,
    reasoningFields: ['reasoning_content'],
  },
  // https://docs.perplexity.ai/api-reference/chat-completions-post ; no `/v1` in the base URL. Extra
  // top-level `citations`/`search_results` and usage fields are harmless to OpenAI clients; usage repeats on every chunk.
  perplexity: {
    baseURL: 'https://api.perplexity.ai',
    requiresKey: true,
    embeddings: false,
    completions: false,
    passthrough: false,
    streamUsageOption: false,
    dropFields: ['stop', 'seed'],
  },
  // https://deepinfra.com/docs/openai_api
  deepinfra: {
    baseURL: 'https://api.deepinfra.com/v1/openai',
    requiresKey: true,
    embeddings: true,
    completions: true,
    passthrough: true,
    topK: true,
    embeddingsBase64: true,
  },
  // https://openrouter.ai/docs/api-reference/streaming : `: OPENROUTER PROCESSING` comments (ignored by the SSE
  // parser) and `data: {"error":…}` on HTTP 200 mid-stream (mapped like any error event). OpenAI clients read both.
  openrouter: {
    baseURL: 'https://openrouter.ai/api/v1',
    requiresKey: true,
    embeddings: true,
    completions: true,
    passthrough: true,
    topK: true,
    embeddingsBase64: true,
    finishReasons: { error: 'error' },
    reasoningFields: ['reasoning'],
  },
  // https://api-docs.deepseek.com/api/create-chat-completion
  deepseek: {
    baseURL: 'https://api.deepseek.com',
    requiresKey: true,
    embeddings: false,
    completions: false,
    passthrough: false,
    finishReasons: { insufficient_system_resource: 'error' },
    reasoningFields: ['reasoning_content'],
    deepseekCacheHitTokens: true,
  },
  // https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope (international)
  qwen: {
    baseURL: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    requiresKey: true,
    embeddings: true,
    completions: false,
    passthrough: false,
    topK: true,
    // Not in DashScope's compatible-mode parameters (Vercel's Alibaba provider marks it unsupported).
    dropFields: ['frequency_penalty'],
    reasoningFields: ['reasoning_content'],
  },
  // https://docs.x.ai/docs/api-reference ; reasoning models refuse penalties and stop (Vercel's xAI provider drops them).
  xai: {
    baseURL: 'https://api.x.ai/v1',
    requiresKey: true,
    embeddings: false,
    completions: false,
    passthrough: false,
    dropFields: ['presence_penalty', 'frequency_penalty', 'stop'],
    reasoningFields: ['reasoning_content'],
    xaiReasoningOutsideCompletion: true,
  },
  // https://github.com/ollama/ollama/blob/main/docs/openai.md : tool calls arrive whole, role on every chunk.
  ollama: {
    baseURL: 'http://localhost:11434/v1',
    requiresKey: false,
    embeddings: true,
    completions: true,
    passthrough: false,
    dropFields: ['tool_choice', 'logit_bias', 'user'],
    singleChoice: true,
    reasoningFields: ['reasoning'],
  },
  // https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html ; reasoning moved from
  // `reasoning_content` to `reasoning` (https://github.com/vllm-project/vllm/issues/27755): read both.
  vllm: {
    baseURL: 'http://localhost:8000/v1',
    requiresKey: false,
    embeddings: true,
    completions: true,
    passthrough: true,
    topK: true,
    embeddingsBase64: true,
    reasoningFields: ['reasoning', 'reasoning_content'],
  },
} satisfies Record<string, CompatiblePreset>;

export type PresetId = keyof typeof presets;
