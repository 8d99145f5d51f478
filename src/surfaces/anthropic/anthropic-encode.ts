// The neutral form → an Anthropic Messages response (JSON). Streams are in anthropic-stream-encoder.ts.
// https://docs.claude.com/en/api/messages (response) ; mapping: ../shared/reference/mapping.md §3, §4.
//
// | neutral finish (unified, raw)           | stop_reason                                              |
// |-----------------------------------------|----------------------------------------------------------|
// | stop, raw stop_sequence (Anthropic)     | stop_sequence (the sequence itself when only one was set) |
// | stop, error, other                      | end_turn (tool_use when the answer holds tool calls)     |
// | length, raw model_context_window_exceeded | model_context_window_exceeded                          |
// | length                                  | max_tokens                                               |
// | tool_calls                              | tool_use                                                 |
// | content_filter                          | refusal                                                  |
//
// Usage: Anthropic's input_tokens EXCLUDES cache reads and writes, the neutral input.total includes them.
import type { ChatResult, FinishReason, JsonObject, ToolCall, Usage } from '../../core/chat.js';

export type MessageIdentity = { id: string; model: string };

export type EncodeOptions = {
  /** The request's stop sequences: with exactly one, a stop_sequence stop can name it. */
  stopSequences: string[] | undefined;
  /** The client enabled thinking: reasoning text is shown as a `thinking` block. */
  thinking: boolean;
  /** Called when a tool call's arguments are not a JSON object (its input is sent as `{}`). */
  onInvalidToolInput: (call: ToolCall) => void;
};

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'model_context_window_exceeded';

export function messageId(requestId: string): string {
  return `msg_${requestId.replaceAll('-', '')}`;
}

export function encodeUsage(usage: Usage) {
  const { cacheRead, cacheWrite } = usage.input;
  return {
    input_tokens: Math.max(0, usage.input.total - cacheRead - cacheWrite),
    output_tokens: usage.output.total,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

export function encodeStopReason(
  reason: FinishReason,
  hasToolCalls: boolean,
  stopSequences: string[] | undefined,
): { stop_reason: StopReason; stop_sequence: string | null } {
  const stop = (stop_reason: StopReason) => ({ stop_reason, stop_sequence: null });
  switch (reason.unified) {
    case 'tool_calls':
      return stop('tool_use');
    case 'length':
      return stop(reason.raw === 'model_context_window_exceeded' ? 'model_context_window_exceeded' : 'max_tokens');
    case 'content_filter':
      return stop('refusal');
    default:
      // A client that receives tool_use blocks runs them only when the stop reason says so.
      if (hasToolCalls) return stop('tool_use');
      // Only an Anthropic upstream says a stop sequence matched; OpenAI and Gemini report a plain stop.
      if (reason.raw === 'stop_sequence') {
        return { stop_reason: 'stop_sequence', stop_sequence: stopSequences?.length === 1 ? stopSequences[0]! : null };
      }
      return stop('end_turn');
  }
}

/**
 * Anthropic's `input` is an object; the neutral arguments are JSON text exactly as the model wrote it. Text that
 * is not a JSON object (a model can produce broken JSON) becomes `{}`: the client's tool then reports the missing
 * arguments to the model, which is recoverable, while a string `input` would break the client's parser.
 */
export function parseToolInput(text: string): JsonObject | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: JsonObject };

export function encodeMessage(result: ChatResult, identity: MessageIdentity, options: EncodeOptions) {
  // The neutral form has one choice per request here: Anthropic requests never ask for more.
  const choice = result.choices[0];
  const message = choice?.message ?? { content: null };
  const content: ContentBlock[] = [];
  // No signature exists for reasoning that did not come from Anthropic; an empty one says so.
  if (options.thinking && message.reasoning) content.push({ type: 'thinking', thinking: message.reasoning, signature: '' });
  const text = message.content ?? message.refusal ?? '';
  const toolCalls = message.toolCalls ?? [];
  if (text !== '' || toolCalls.length === 0) content.push({ type: 'text', text });
  for (const call of toolCalls) {
    let input = parseToolInput(call.arguments);
    if (input === undefined) {
      options.onInvalidToolInput(call);
      input = {};
    }
    content.push({ type: 'tool_use', id: call.id, name: call.name, input });
  }
  const finish = choice?.finish ?? { unified: 'stop', raw: null };
  return {
    id: identity.id,
    type: 'message',
    role: 'assistant',
    model: identity.model,
    content,
    ...encodeStopReason(finish, toolCalls.length > 0, options.stopSequences),
    usage: encodeUsage(result.usage),
  };
}
