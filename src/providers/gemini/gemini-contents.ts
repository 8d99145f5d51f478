// Neutral messages → Gemini `systemInstruction` + `contents` (roles `user` and `model` only).
// Rules and their sources: shared/reference/mapping.md §1–2 and gemini.md §2.
import type { AssistantMessage, JsonObject, Message, ToolMessage } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { toUserParts } from './gemini-parts.js';
import type { GeminiContent, GeminiFunctionResponsePart, GeminiPart, GeminiTextPart } from './gemini-wire.js';

/**
 * Gemini 3 rejects replayed function calls without the thought signature it issued; a stateless gateway has none
 * to send back, so it sends the sentinel Google documents for that case:
 * https://ai.google.dev/gemini-api/docs/thought-signatures (Vercel does the same for Gemini 3 models).
 */
const skipThoughtSignature = 'skip_thought_signature_validator';

export type GeminiConversation = { systemInstruction?: { parts: GeminiTextPart[] }; contents: GeminiContent[] };

/** Where a call was made: its assistant message and its position there, to order the results. */
type CallOrder = { message: number; call: number };
type KnownCall = { name: string; order: CallOrder };
type PendingResult = { order: CallOrder; part: GeminiFunctionResponsePart };

export function toGeminiConversation(messages: Message[], model: string): GeminiConversation {
  const system: GeminiTextPart[] = [];
  const contents: GeminiContent[] = [];
  const calls = new Map<string, KnownCall>();
  let pending: PendingResult[] = [];
  const signature = needsThoughtSignature(model) ? skipThoughtSignature : undefined;

  // A run of consecutive tool messages becomes one user turn, its results in the order of the calls.
  const flushResults = () => {
    if (pending.length === 0) return;
    pending.sort((a, b) => a.order.message - b.order.message || a.order.call - b.order.call);
    appendTurn(contents, 'user', pending.map((result) => result.part));
    pending = [];
  };

  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
        // All system messages, wherever they are, in order (Gemini has one system instruction).
        if (message.content !== '') system.push({ text: message.content });
        return;
      case 'user':
        flushResults();
        appendTurn(contents, 'user', toUserParts(message.content, index));
        return;
      case 'assistant':
        flushResults();
        appendTurn(contents, 'model', assistantParts(message, index, calls, signature));
        return;
      case 'tool':
        pending.push(toolResult(message, index, calls));
        return;
    }
  });
  flushResults();
  return system.length > 0 ? { systemInstruction: { parts: system }, contents } : { contents };
}

/** Consecutive turns of one role are merged (Gemini expects alternation); turns without parts are dropped. */
function appendTurn(contents: GeminiContent[], role: GeminiContent['role'], parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function assistantParts(
  message: AssistantMessage,
  index: number,
  calls: Map<string, KnownCall>,
  thoughtSignature: string | undefined,
): GeminiPart[] {
  const parts: GeminiPart[] = message.content.filter((part) => part.text !== '').map((part) => ({ text: part.text }));
  (message.toolCalls ?? []).forEach((call, callIndex) => {
    calls.set(call.id, { name: call.name, order: { message: index, call: callIndex } });
    const args = parseArguments(call.arguments, `messages[${index}].tool_calls[${callIndex}].function.arguments`);
    parts.push({ functionCall: { name: call.name, args }, ...(thoughtSignature ? { thoughtSignature } : {}) });
  });
  return parts;
}

/** `functionResponse.name` is required and Gemini ids are usually absent: the name comes from the matching call. */
function toolResult(message: ToolMessage, index: number, calls: Map<string, KnownCall>): PendingResult {
  const call = calls.get(message.toolCallId);
  if (!call) {
    throw new GatewayError(
      'invalid_request',
      `messages[${index}].tool_call_id '${message.toolCallId}' does not match any earlier assistant tool call.`,
      { param: `messages[${index}].tool_call_id` },
    );
  }
  const content = message.content.map((part) => part.text).join('');
  return { order: call.order, part: { functionResponse: { name: call.name, response: { content } } } };
}

/** Gemini wants `args` as an object; OpenAI carries it as JSON text. An empty string is a call without arguments. */
function parseArguments(text: string, param: string): JsonObject {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_request', `${param} is not valid JSON.`, { param });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayError('invalid_request', `${param} must be a JSON object.`, { param });
  }
  return value as JsonObject;
}

function needsThoughtSignature(model: string): boolean {
  const match = /gemini-(\d+)/.exec(model);
  return match !== null && Number(match[1]) >= 3;
}
