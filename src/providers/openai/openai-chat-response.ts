// Chat Completions / Completions JSON responses → ChatResult (openai.md §4, §8).
import { randomUUID } from 'node:crypto';
import { emptyUsage, type ChatChoice, type ChatResult, type ToolCall } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type { CompatiblePreset } from '../compatible/presets.js';
import { convertUsage, mapFinishReason } from './openai-usage.js';
import { argumentsOf, isRecord, reasoningOf, recordOf, splitContent, stringOf, type JsonRecord } from './openai-wire.js';

export type ResponseFlavour = 'chat' | 'completion';

export function decodeResponse(
  raw: unknown,
  flavour: ResponseFlavour,
  provider: string,
  preset: CompatiblePreset | undefined,
): ChatResult {
  if (!isRecord(raw) || !Array.isArray(raw.choices)) {
    throw new GatewayError('upstream_bad_response', `Provider '${provider}' sent a response without choices.`, {
      provider,
    });
  }
  const choices: ChatChoice[] = [];
  raw.choices.forEach((choice, position) => {
    if (!isRecord(choice)) return;
    const index = typeof choice.index === 'number' ? choice.index : position;
    choices.push(flavour === 'chat' ? decodeChatChoice(choice, index, preset) : decodeTextChoice(choice, index, preset));
  });
  const result: ChatResult = {
    model: stringOf(raw.model) ?? '',
    choices,
    usage: convertUsage(raw.usage, preset) ?? emptyUsage(),
  };
  const id = stringOf(raw.id);
  if (id) result.id = id;
  if (typeof raw.created === 'number') result.created = raw.created;
  return result;
}

function decodeChatChoice(choice: JsonRecord, index: number, preset: CompatiblePreset | undefined): ChatChoice {
  const message = recordOf(choice.message) ?? {};
  const content = splitContent(message.content);
  const decoded: ChatChoice['message'] = {
    content: message.content === null || message.content === undefined ? null : content.text,
  };
  const toolCalls = decodeToolCalls(message.tool_calls);
  if (toolCalls.length > 0) decoded.toolCalls = toolCalls;
  const reasoning = reasoningOf(message, preset) || content.reasoning;
  if (reasoning) decoded.reasoning = reasoning;
  if (typeof message.refusal === 'string') decoded.refusal = message.refusal;
  return { index, message: decoded, finish: mapFinishReason(choice.finish_reason, preset) };
}

function decodeTextChoice(choice: JsonRecord, index: number, preset: CompatiblePreset | undefined): ChatChoice {
  return {
    index,
    message: { content: stringOf(choice.text) ?? '' },
    finish: mapFinishReason(choice.finish_reason, preset),
  };
}

function decodeToolCalls(raw: unknown): ToolCall[] {
  if (!Array.isArray(raw)) return [];
  const calls: ToolCall[] = [];
  for (const call of raw) {
    if (!isRecord(call)) continue;
    const fn = recordOf(call.function);
    const name = stringOf(fn?.name);
    if (!name) continue;
    calls.push({ id: stringOf(call.id) || syntheticToolCallId(), name, arguments: argumentsOf(fn?.arguments) });
  }
  return calls;
}

/** For servers that send tool calls without ids; unique so a later turn's result matches one call only. */
export const syntheticToolCallId = (): string => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
