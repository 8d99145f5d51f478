// The neutral form → GenerateContentResponse JSON (https://ai.google.dev/api/generate-content#generatecontentresponse).
// Streams are in gemini-stream-encoder.ts. The usage and finish-reason maps are the inverses of the Gemini
// provider's (providers/gemini/gemini-usage.ts, gemini-finish-reason.ts): decoding what these produce gives
// back the neutral values.
import type { ChatChoice, ChatResult, FinishReason, JsonObject, ToolCall, Usage } from '../../core/chat.js';

export type GeminiIdentity = {
  /** The model as the client named it. */
  modelVersion: string;
  responseId: string;
};

export type GeminiUsageMetadata = {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
};

export type GeminiOutputPart =
  | { text: string; thought?: true }
  | { functionCall: { id: string; name: string; args: JsonObject } };

/** Neutral output.total includes reasoning; Gemini's candidatesTokenCount does not (thoughts are apart). */
export function encodeUsageMetadata(usage: Usage): GeminiUsageMetadata {
  const metadata: GeminiUsageMetadata = {
    promptTokenCount: usage.input.total,
    candidatesTokenCount: usage.output.total - usage.output.reasoning,
    totalTokenCount: usage.input.total + usage.output.total,
  };
  if (usage.input.cacheRead > 0) metadata.cachedContentTokenCount = usage.input.cacheRead;
  if (usage.output.reasoning > 0) metadata.thoughtsTokenCount = usage.output.reasoning;
  return metadata;
}

/** Gemini's own values, kept as they are when the upstream was Gemini (e.g. RECITATION, BLOCKLIST). */
const geminiFinishReasons = new Set([
  'STOP', 'MAX_TOKENS', 'SAFETY', 'RECITATION', 'LANGUAGE', 'OTHER', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII',
  'MALFORMED_FUNCTION_CALL', 'IMAGE_SAFETY', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS', 'IMAGE_PROHIBITED_CONTENT',
  'NO_IMAGE', 'IMAGE_RECITATION', 'IMAGE_OTHER',
]);

/** Gemini has no tool-use reason: a turn that called functions ends with STOP (gemini.md §3). */
export function encodeFinishReason(reason: FinishReason): string {
  if (reason.raw !== null && geminiFinishReasons.has(reason.raw)) return reason.raw;
  switch (reason.unified) {
    case 'stop':
    case 'tool_calls':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    default:
      return 'OTHER';
  }
}

/**
 * Gemini carries arguments as an object. Arguments that are not a JSON object cannot be sent: the call is
 * left out and the candidate ends with MALFORMED_FUNCTION_CALL, as Gemini itself reports such a call.
 * The id is kept so the client can answer with it (Gemini 3 does the same).
 */
export function functionCallPart(call: Pick<ToolCall, 'id' | 'name' | 'arguments'>): GeminiOutputPart | undefined {
  if (call.arguments.trim() === '') return { functionCall: { id: call.id, name: call.name, args: {} } };
  let args: unknown;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    return undefined;
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  return { functionCall: { id: call.id, name: call.name, args: args as JsonObject } };
}

export function encodeGenerateContentResponse(result: ChatResult, identity: GeminiIdentity, includeThoughts: boolean) {
  return {
    candidates: result.choices.map((choice) => encodeCandidate(choice, includeThoughts)),
    usageMetadata: encodeUsageMetadata(result.usage),
    modelVersion: identity.modelVersion,
    responseId: identity.responseId,
  };
}

function encodeCandidate(choice: ChatChoice, includeThoughts: boolean) {
  const parts: GeminiOutputPart[] = [];
  const { message } = choice;
  if (includeThoughts && message.reasoning) parts.push({ text: message.reasoning, thought: true });
  const text = message.content || message.refusal || '';
  if (text !== '') parts.push({ text });
  let malformed = false;
  for (const call of message.toolCalls ?? []) {
    const part = functionCallPart(call);
    if (part) parts.push(part);
    else malformed = true;
  }
  if (parts.length === 0) parts.push({ text: '' });
  return {
    content: { role: 'model', parts },
    finishReason: malformed ? 'MALFORMED_FUNCTION_CALL' : encodeFinishReason(choice.finish),
    index: choice.index,
  };
}
