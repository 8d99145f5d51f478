// Neutral messages → Anthropic `system` + `messages`.
// https://docs.claude.com/en/api/messages ; rules: /work/shared/reference/anthropic.md §2, mapping.md §1 and §5.
//
// - every system message, wherever it sits, joins the top-level `system` (Anthropic has no system role);
// - tool messages become `tool_result` blocks in a user turn; a parallel batch shares one turn, results first,
//   because Anthropic wants every result in the message right after the `tool_use` turn;
// - consecutive turns of one role merge; empty text is dropped (Anthropic rejects empty text blocks);
// - a final assistant turn is a prefill and must not end in whitespace.
import type { AssistantMessage, ContentPart, JsonObject, Message, ToolMessage, UserMessage } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';

export type AnthropicTextBlock = { type: 'text'; text: string };
export type AnthropicImageBlock = {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
};
export type AnthropicDocumentBlock = {
  type: 'document';
  source: { type: 'base64'; media_type: string; data: string };
};
export type AnthropicToolUseBlock = { type: 'tool_use'; id: string; name: string; input: JsonObject };
export type AnthropicToolResultBlock = { type: 'tool_result'; tool_use_id: string; content?: string };
export type AnthropicInputBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock;
export type AnthropicTurn = { role: 'user' | 'assistant'; content: AnthropicInputBlock[] };

export type AnthropicConversation = { system?: string; messages: AnthropicTurn[] };

export function convertMessages(messages: Message[]): AnthropicConversation {
  const system: string[] = [];
  const turns: AnthropicTurn[] = [];
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
        if (message.content.trim() !== '') system.push(message.content);
        break;
      case 'user':
        appendBlocks(turns, 'user', userBlocks(message, index));
        break;
      case 'assistant':
        appendBlocks(turns, 'assistant', assistantBlocks(message, index));
        break;
      case 'tool':
        appendBlocks(turns, 'user', [toolResultBlock(message)]);
        break;
    }
  });
  trimFinalPrefill(turns);
  return system.length > 0 ? { system: system.join('\n\n'), messages: turns } : { messages: turns };
}

/** Merges into the previous turn when the role repeats; tool results always go before the turn's other blocks. */
function appendBlocks(turns: AnthropicTurn[], role: AnthropicTurn['role'], blocks: AnthropicInputBlock[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (!last || last.role !== role) {
    turns.push({ role, content: blocks });
    return;
  }
  for (const block of blocks) {
    if (block.type === 'tool_result') {
      const firstOther = last.content.findIndex((existing) => existing.type !== 'tool_result');
      last.content.splice(firstOther === -1 ? last.content.length : firstOther, 0, block);
    } else {
      last.content.push(block);
    }
  }
}

function userBlocks(message: UserMessage, index: number): AnthropicInputBlock[] {
  const blocks: AnthropicInputBlock[] = [];
  message.content.forEach((part, partIndex) => {
    const block = userPartBlock(part, `messages[${index}].content[${partIndex}]`);
    if (block) blocks.push(block);
  });
  return blocks;
}

function userPartBlock(part: ContentPart, param: string): AnthropicInputBlock | undefined {
  switch (part.type) {
    case 'text':
      return part.text === '' ? undefined : { type: 'text', text: part.text };
    case 'image':
      return imageBlock(part.url, param);
    case 'audio':
      throw new GatewayError('invalid_request', 'Audio input is not supported by Anthropic models.', { param });
    case 'file':
      return documentBlock(part, param);
  }
}

function imageBlock(url: string, param: string): AnthropicImageBlock {
  if (url.startsWith('data:')) {
    const { mediaType, data } = splitDataUrl(url, param);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
  }
  if (url.startsWith('https://') || url.startsWith('http://')) {
    return { type: 'image', source: { type: 'url', url } };
  }
  throw new GatewayError('invalid_request', 'An image must be an https URL or a base64 data URL.', { param });
}

/** Only PDFs travel as documents: Anthropic's other document sources need the Files API (beta). */
function documentBlock(part: Extract<ContentPart, { type: 'file' }>, param: string): AnthropicDocumentBlock {
  if (part.data === undefined) {
    throw new GatewayError('invalid_request', 'Files must be sent inline as file_data for Anthropic models.', { param });
  }
  const { mediaType, data } = part.data.startsWith('data:')
    ? splitDataUrl(part.data, param)
    : { mediaType: part.mediaType ?? 'application/pdf', data: part.data };
  if (mediaType !== 'application/pdf') {
    throw new GatewayError('invalid_request', `Files of type '${mediaType}' are not supported; send a PDF.`, { param });
  }
  return { type: 'document', source: { type: 'base64', media_type: mediaType, data } };
}

function splitDataUrl(url: string, param: string): { mediaType: string; data: string } {
  const comma = url.indexOf(',');
  const header = comma === -1 ? '' : url.slice('data:'.length, comma);
  if (!header.endsWith(';base64')) {
    throw new GatewayError('invalid_request', 'A data URL must be base64-encoded (data:<type>;base64,…).', { param });
  }
  return { mediaType: header.slice(0, -';base64'.length), data: url.slice(comma + 1) };
}

// Earlier reasoning is not sent back: Anthropic accepts thinking blocks only with the signature we never receive.
function assistantBlocks(message: AssistantMessage, index: number): AnthropicInputBlock[] {
  const blocks: AnthropicInputBlock[] = [];
  for (const part of message.content) {
    if (part.text !== '') blocks.push({ type: 'text', text: part.text });
  }
  message.toolCalls?.forEach((call, callIndex) => {
    const param = `messages[${index}].tool_calls[${callIndex}].function.arguments`;
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseToolArguments(call.arguments, param) });
  });
  return blocks;
}

/** Anthropic wants `input` as an object. Empty arguments (a no-argument call) mean `{}`. */
function parseToolArguments(text: string, param: string): JsonObject {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_request', 'Tool call arguments must be valid JSON.', { param });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_request', 'Tool call arguments must be a JSON object.', { param });
  }
  return value as JsonObject;
}

function toolResultBlock(message: ToolMessage): AnthropicToolResultBlock {
  const text = message.content.map((part) => part.text).join('');
  return text === ''
    ? { type: 'tool_result', tool_use_id: message.toolCallId }
    : { type: 'tool_result', tool_use_id: message.toolCallId, content: text };
}

function trimFinalPrefill(turns: AnthropicTurn[]): void {
  const last = turns.at(-1);
  if (!last || last.role !== 'assistant') return;
  for (let block = last.content.at(-1); block?.type === 'text'; block = last.content.at(-1)) {
    block.text = block.text.trimEnd();
    if (block.text !== '') break;
    last.content.pop();
  }
  if (last.content.length === 0) turns.pop();
}
