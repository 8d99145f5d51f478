// Anthropic Messages request (validated) → the neutral ChatRequest, for any provider.
// https://docs.claude.com/en/api/messages ; mapping: ../shared/reference/mapping.md §1, §2, §5.
//
// | Anthropic                                  | neutral                                                        |
// |--------------------------------------------|----------------------------------------------------------------|
// | system (string or text blocks)             | one leading system message (blocks joined by a blank line)     |
// | text / image (base64, url) blocks          | text / image parts (base64 as a data: URL)                     |
// | document (base64 PDF, plain text)          | file part / text part                                          |
// | tool_use (assistant)                       | toolCalls {id, name, arguments: JSON text of input}            |
// | tool_result (user)                         | a tool message per result, before the turn's other blocks;     |
// |                                            | is_error → "Error: " prefix; images, PDFs → the next user turn |
// | thinking, redacted_thinking                | dropped (signed for Anthropic only; no neutral counterpart)    |
// | max_tokens, temperature, top_p, top_k      | maxTokens, temperature, topP, topK                             |
// | stop_sequences                             | stop                                                           |
// | tools (custom, input_schema)               | tools {name, description, parameters}                          |
// | tools (server: web_search_…, …)            | 400 naming them: they run only on Anthropic's side             |
// | tool_choice auto / any / tool / none       | 'auto' / 'required' / {name} / 'none'                          |
// | disable_parallel_tool_use                  | parallelToolCalls: false                                       |
// | thinking enabled (budget) / adaptive       | reasoningEffort low|medium|high / medium (reasoning models)    |
// | metadata.user_id                           | user                                                           |
// | output_config.format json_schema           | responseFormat json_schema                                     |
//
// Tool call ids are kept verbatim both ways, so an OpenAI `call_…` id the client got from us comes back as
// `tool_use_id` and reaches the provider as the id of the matching call.
import type { Capability } from '../../core/catalogue.js';
import type { ChatRequest, ContentPart, JsonObject, Message, TextPart, ToolChoice, ToolDefinition } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type { AssistantBlock, MessageParam, MessagesRequest, ToolParam, ToolResultBlock, UserBlock } from './anthropic-request-schema.js';
import { checkToolPairing } from './anthropic-tool-pairing.js';
import { invalidField } from './anthropic-validation.js';

export type DecodeTarget = {
  /** The upstream model id, after catalogue resolution. */
  upstreamModel: string;
  provider: string;
  capabilities: readonly Capability[];
};

export function decodeMessagesRequest(body: MessagesRequest, target: DecodeTarget): ChatRequest {
  checkToolPairing(body.messages);
  const request: ChatRequest = {
    model: target.upstreamModel,
    messages: [...systemMessages(body.system), ...body.messages.flatMap(decodeMessage)],
    stream: body.stream === true,
    maxTokens: body.max_tokens,
  };
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.topP = body.top_p;
  if (body.top_k !== undefined) request.topK = body.top_k;
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  if (typeof body.metadata?.user_id === 'string' && body.metadata.user_id !== '') request.user = body.metadata.user_id;
  if (body.tools !== undefined && body.tools.length > 0) request.tools = decodeTools(body.tools, target);
  applyToolChoice(request, body.tool_choice);
  const effort = reasoningEffort(body.thinking, target.capabilities);
  if (effort !== undefined) request.reasoningEffort = effort;
  const format = body.output_config?.format;
  if (format) request.responseFormat = { type: 'json_schema', name: 'output', schema: format.schema as JsonObject };
  return request;
}

/** Whether the client asked to see the model's reasoning (as `thinking` blocks). */
export function wantsThinking(body: MessagesRequest): boolean {
  return body.thinking !== undefined && body.thinking.type !== 'disabled';
}

function systemMessages(system: MessagesRequest['system']): Message[] {
  const text = typeof system === 'string' ? system : (system ?? []).map((block) => block.text).join('\n\n');
  return text === '' ? [] : [{ role: 'system', content: text }];
}

function decodeMessage(message: MessageParam, index: number): Message[] {
  if (typeof message.content === 'string') {
    const content: TextPart[] = [{ type: 'text', text: message.content }];
    return [message.role === 'user' ? { role: 'user', content } : { role: 'assistant', content }];
  }
  return message.role === 'user'
    ? decodeUserBlocks(message.content, index)
    : decodeAssistantBlocks(message.content);
}

/** Tool results first (each its own tool message, as OpenAI and Gemini want them), then the user's own content. */
function decodeUserBlocks(blocks: UserBlock[], index: number): Message[] {
  const results: Message[] = [];
  const content: ContentPart[] = [];
  blocks.forEach((block, blockIndex) => {
    const path = ['messages', index, 'content', blockIndex];
    switch (block.type) {
      case 'text':
        content.push({ type: 'text', text: block.text });
        break;
      case 'image':
        content.push(imagePart(block.source));
        break;
      case 'document':
        content.push(documentPart(block, path));
        break;
      case 'tool_result': {
        const { message, media } = decodeToolResult(block, path);
        results.push(message);
        content.push(...media);
        break;
      }
    }
  });
  return content.length > 0 ? [...results, { role: 'user', content }] : results;
}

function imagePart(source: Extract<UserBlock, { type: 'image' }>['source']): ContentPart {
  return { type: 'image', url: source.type === 'url' ? source.url : `data:${source.media_type};base64,${source.data}` };
}

function documentPart(block: Extract<UserBlock, { type: 'document' }>, path: PropertyKey[]): ContentPart {
  const { source } = block;
  if (source.type === 'text') return { type: 'text', text: source.data };
  if (source.media_type !== 'application/pdf') {
    throw invalidField([...path, 'source', 'media_type'], `Only application/pdf documents can be translated, got '${source.media_type}'.`);
  }
  const part: ContentPart = { type: 'file', data: source.data, mediaType: source.media_type };
  if (typeof block.title === 'string') part.filename = block.title;
  return part;
}

/**
 * The neutral tool message carries text only. Anthropic's `is_error` has no counterpart elsewhere, so it
 * becomes a visible "Error: " prefix; images and PDFs in a result move to the user turn right after the results
 * (what Vercel does for models that take no images in tool results).
 */
function decodeToolResult(block: ToolResultBlock, path: PropertyKey[]): { message: Message; media: ContentPart[] } {
  const content = block.content ?? '';
  const texts: string[] = [];
  const media: ContentPart[] = [];
  if (typeof content === 'string') texts.push(content);
  else {
    content.forEach((part, partIndex) => {
      if (part.type === 'text') texts.push(part.text);
      else if (part.type === 'image') media.push(imagePart(part.source));
      else if (part.source.type === 'text') texts.push(part.source.data);
      else media.push(documentPart(part, [...path, 'content', partIndex]));
    });
  }
  const text = texts.join('\n');
  return {
    message: { role: 'tool', toolCallId: block.tool_use_id, content: [{ type: 'text', text: block.is_error ? `Error: ${text}` : text }] },
    media,
  };
}

function decodeAssistantBlocks(blocks: AssistantBlock[]): Message[] {
  const content: TextPart[] = [];
  const toolCalls: { id: string; name: string; arguments: string }[] = [];
  for (const block of blocks) {
    if (block.type === 'text') content.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
  }
  // A turn of reasoning only has nothing left to say once the reasoning is dropped.
  if (content.length === 0 && toolCalls.length === 0) return [];
  return [toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content }];
}

function decodeTools(tools: ToolParam[], target: DecodeTarget): ToolDefinition[] {
  const server = tools.filter((tool) => tool.type !== undefined && tool.type !== 'custom');
  if (server.length > 0) throw serverToolsError(server, tools, target);
  return tools.map((tool, index) => {
    if (tool.input_schema === undefined) throw invalidField(['tools', index, 'input_schema'], 'Field required');
    const definition: ToolDefinition = { name: tool.name, parameters: tool.input_schema as JsonObject };
    if (tool.description !== undefined) definition.description = tool.description;
    if (tool.strict !== undefined) definition.strict = tool.strict;
    return definition;
  });
}

/**
 * Server tools (web search, code execution, …) run inside Anthropic's API: no other provider has them, so a
 * translated request refuses them by name (a Claude model takes the same-dialect path and keeps them).
 */
function serverToolsError(server: ToolParam[], tools: ToolParam[], target: DecodeTarget): GatewayError {
  const names = server.map((tool) => `'${tool.name}' (${tool.type})`).join(', ');
  const reason = `only Anthropic models run them, and this model is served by '${target.provider}'`;
  const field = `tools.${tools.indexOf(server[0]!)}`;
  return new GatewayError('invalid_request', `${field}: server tools ${names} are not supported: ${reason}.`, {
    param: field,
    publicCode: 'unsupported_tool',
  });
}

function applyToolChoice(request: ChatRequest, choice: MessagesRequest['tool_choice']): void {
  if (choice === undefined) return;
  const mapped: Record<typeof choice.type, ToolChoice> = {
    auto: 'auto',
    any: 'required',
    none: 'none',
    tool: { name: choice.type === 'tool' ? choice.name : '' },
  };
  request.toolChoice = mapped[choice.type];
  if (choice.type !== 'none' && choice.disable_parallel_tool_use === true) request.parallelToolCalls = false;
}

/**
 * Anthropic sizes thinking by a token budget, the neutral form by an effort level. The budget picks the level
 * whose budget (as the Anthropic adapter spends it: low 1024, medium 4096, high 16384) it reaches. Models that
 * do not reason get nothing: OpenAI refuses `reasoning_effort` on them.
 */
function reasoningEffort(thinking: MessagesRequest['thinking'], capabilities: readonly Capability[]): string | undefined {
  if (thinking === undefined || thinking.type === 'disabled' || !capabilities.includes('reasoning')) return undefined;
  if (thinking.type === 'adaptive') return 'medium';
  if (thinking.budget_tokens >= 16384) return 'high';
  return thinking.budget_tokens >= 4096 ? 'medium' : 'low';
}
