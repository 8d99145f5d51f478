// The neutral form → OpenAI response bodies (JSON). Streams are in openai-stream-encoder.ts.
import type { ChatResult, EmbedResult, FinishReason, Usage } from '../../core/chat.js';

export function encodeUsage(usage: Usage) {
  return {
    prompt_tokens: usage.input.total,
    completion_tokens: usage.output.total,
    total_tokens: usage.input.total + usage.output.total,
    prompt_tokens_details: {
      cached_tokens: usage.input.cacheRead,
      ...(usage.input.cacheWrite > 0 ? { cache_write_tokens: usage.input.cacheWrite } : {}),
    },
    completion_tokens_details: { reasoning_tokens: usage.output.reasoning },
  };
}

/** OpenAI finish reasons; `error` and `other` have no OpenAI name and read as `stop`. */
export function encodeFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  switch (reason.unified) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason.unified;
    default:
      return 'stop';
  }
}

export type ResponseIdentity = { id: string; created: number; model: string };

export function encodeChatResult(result: ChatResult, identity: ResponseIdentity) {
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: result.choices.map((choice) => ({
      index: choice.index,
      message: {
        role: 'assistant',
        content: choice.message.content,
        refusal: choice.message.refusal ?? null,
        ...(choice.message.toolCalls?.length
          ? {
              tool_calls: choice.message.toolCalls.map((call) => ({
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
        ...(choice.message.reasoning ? { reasoning_content: choice.message.reasoning } : {}),
      },
      logprobs: null,
      finish_reason: encodeFinishReason(choice.finish),
    })),
    usage: encodeUsage(result.usage),
  };
}

/** A chat result rendered as a legacy text completion (chat-only providers serving /v1/completions). */
export function encodeCompletionResult(result: ChatResult, identity: ResponseIdentity) {
  return {
    id: identity.id,
    object: 'text_completion',
    created: identity.created,
    model: identity.model,
    choices: result.choices.map((choice) => ({
      text: choice.message.content ?? '',
      index: choice.index,
      logprobs: null,
      finish_reason: encodeFinishReason(choice.finish),
    })),
    usage: encodeUsage(result.usage),
  };
}

export function encodeEmbeddings(result: EmbedResult, model: string, format: 'float' | 'base64') {
  return {
    object: 'list',
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? float32Base64(vector) : vector,
    })),
    model,
    usage: { prompt_tokens: result.usage.input, total_tokens: result.usage.input },
  };
}

/** Little-endian float32 bytes, base64: what the openai SDK decodes when it asks for `base64`. */
function float32Base64(vector: number[]): string {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) buffer.writeFloatLE(vector[index]!, index * 4);
  return buffer.toString('base64');
}
