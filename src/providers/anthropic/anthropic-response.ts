// Anthropic Messages JSON → the neutral ChatResult. https://docs.claude.com/en/api/messages (response)
// Text blocks join into `content`, thinking blocks into `reasoning`, tool_use blocks become tool calls, except
// the synthetic `json` tool whose input is the answer. Other blocks (server tools, redacted thinking) are not
// translatable into Chat Completions and are skipped.
import type { ChatResult, ToolCall } from '../../core/chat.js';
import { mapAnthropicStopReason } from './anthropic-finish-reason.js';
import { jsonToolName } from './anthropic-request.js';
import { anthropicMessageSchema, parseUpstream, readContentBlock } from './anthropic-schemas.js';
import { convertAnthropicUsage } from './anthropic-usage.js';

export function toChatResult(
  provider: string,
  json: unknown,
  options: { usesJsonTool: boolean; requestedModel: string },
): ChatResult {
  const message = parseUpstream(provider, anthropicMessageSchema, json, 'response');
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const raw of message.content) {
    const block = readContentBlock(provider, raw);
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'thinking') reasoning.push(block.thinking);
    else if (block.type === 'tool_use') {
      const input = JSON.stringify(block.input ?? {});
      if (options.usesJsonTool && block.name === jsonToolName) texts.push(input);
      else toolCalls.push({ id: block.id, name: block.name, arguments: input });
    }
  }
  const answeredWithJsonTool = options.usesJsonTool && toolCalls.length === 0;
  const content = texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '';
  return {
    ...(message.id === undefined ? {} : { id: message.id }),
    model: message.model ?? options.requestedModel,
    choices: [
      {
        index: 0,
        message: {
          content,
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning: reasoning.join('') } : {}),
        },
        finish: mapAnthropicStopReason(message.stop_reason, answeredWithJsonTool),
      },
    ],
    usage: convertAnthropicUsage(message.usage),
  };
}
