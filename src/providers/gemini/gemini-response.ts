// generateContent response → neutral ChatResult. https://ai.google.dev/api/generate-content#generatecontentresponse
import type { ChatChoice, ChatResult, ToolCall } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { geminiStreamError } from './gemini-errors.js';
import { blockedFinishReason, toFinishReason } from './gemini-finish-reason.js';
import { generateContentResponseSchema, parseUpstream, type GeminiCandidate } from './gemini-response-schema.js';
import { toolCallId } from './gemini-tool-call-id.js';
import { toUsage } from './gemini-usage.js';

export function toChatResult(provider: string, body: unknown, requestModel: string): ChatResult {
  const response = parseUpstream(provider, generateContentResponseSchema, body);
  if (response.error) throw geminiStreamError(provider, response.error);
  return {
    ...(response.responseId ? { id: response.responseId } : {}),
    model: response.modelVersion ?? requestModel,
    choices: toChoices(provider, response.candidates ?? [], response.promptFeedback?.blockReason),
    usage: toUsage(response.usageMetadata),
  };
}

function toChoices(provider: string, candidates: GeminiCandidate[], blockReason: string | null | undefined): ChatChoice[] {
  if (candidates.length > 0) {
    return candidates.map((candidate, position) => toChoice(candidate, position)).sort((a, b) => a.index - b.index);
  }
  // A refused prompt: HTTP 200 without candidates, the reason in promptFeedback.
  if (blockReason) return [{ index: 0, message: { content: '' }, finish: blockedFinishReason(blockReason) }];
  throw new GatewayError('upstream_bad_response', `Provider '${provider}' answered without candidates.`, { provider });
}

function toChoice(candidate: GeminiCandidate, position: number): ChatChoice {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    const call = part.functionCall;
    if (call?.name) {
      toolCalls.push({ id: toolCallId(call.id), name: call.name, arguments: JSON.stringify(call.args ?? {}) });
    } else if (typeof part.text === 'string') {
      // `thought: true` parts are thought summaries (with includeThoughts), not the answer.
      if (part.thought) reasoning += part.text;
      else text += part.text;
    }
  }
  return {
    index: candidate.index ?? position,
    message: {
      // OpenAI's shape: content is null when the turn is only tool calls.
      content: text === '' && toolCalls.length > 0 ? null : text,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(reasoning !== '' ? { reasoning } : {}),
    },
    finish: toFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
}
