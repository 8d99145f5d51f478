// The neutral form → simple-surface response bodies (JSON). Streams are in simple-stream-encoder.ts.
import type { ChatChoice, ChatResult, EmbedResult, Usage } from '../../core/chat.js';
import { encodeFinishReason } from '../openai/openai-encode.js';

export function encodeUsage(usage: Usage) {
  return {
    prompt_tokens: usage.input.total,
    completion_tokens: usage.output.total,
    total_tokens: usage.input.total + usage.output.total,
  };
}

/** The four finish reasons clients know (the OpenAI names the simple surface shares); `error` and `other` read as `stop`. */
export { encodeFinishReason };

/** `tool_calls` in OpenAI's tool format, so an answer can be sent back as history unchanged. */
export function encodeToolCalls(choice: ChatChoice) {
  return (choice.message.toolCalls ?? []).map((call) => ({
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }));
}

export function encodeChatResult(result: ChatResult, choice: ChatChoice, id: string, model: string) {
  const toolCalls = encodeToolCalls(choice);
  return {
    id,
    model,
    message: {
      role: 'assistant' as const,
      content: choice.message.content,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    usage: encodeUsage(result.usage),
    finish_reason: encodeFinishReason(choice.finish),
  };
}

export function encodeGenerateResult(result: ChatResult, choice: ChatChoice, id: string, model: string) {
  return {
    id,
    model,
    text: choice.message.content ?? '',
    usage: encodeUsage(result.usage),
    finish_reason: encodeFinishReason(choice.finish),
  };
}

/** One input string → `embedding`; an array of strings → `embeddings`, in input order. */
export function encodeEmbeddings(result: EmbedResult, model: string, single: boolean) {
  const first = result.embeddings[0] ?? [];
  const usage = { prompt_tokens: result.usage.input, total_tokens: result.usage.input };
  return single
    ? { model, embedding: first, dimensions: first.length, usage }
    : { model, embeddings: result.embeddings, dimensions: first.length, usage };
}
