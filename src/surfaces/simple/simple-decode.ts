// Simple-surface request bodies (already validated) → the neutral form.
import type { ChatRequest, ContentPart, EmbedRequest, JsonObject, Message, ToolChoice } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type {
  SimpleChatRequest,
  SimpleEmbeddingsRequest,
  SimpleGenerateRequest,
  SimpleMessage,
} from './simple-request-schemas.js';

type Sampling = Pick<SimpleChatRequest, 'temperature' | 'max_tokens' | 'top_p' | 'stream'>;

export function decodeChatRequest(body: SimpleChatRequest, upstreamModel: string): ChatRequest {
  const request: ChatRequest = { ...decodeSampling(body, upstreamModel), messages: body.messages.map(decodeMessage) };
  if (body.tools) {
    request.tools = body.tools.map(({ function: definition }) => ({
      name: definition.name,
      ...(definition.description === undefined ? {} : { description: definition.description }),
      ...(definition.parameters === undefined ? {} : { parameters: definition.parameters as JsonObject }),
    }));
  }
  const toolChoice = decodeToolChoice(body.tool_choice);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  return request;
}

/** A prompt is one user message. */
export function decodeGenerateRequest(body: SimpleGenerateRequest, upstreamModel: string): ChatRequest {
  return { ...decodeSampling(body, upstreamModel), messages: [{ role: 'user', content: [{ type: 'text', text: body.prompt }] }] };
}

export function decodeEmbeddingsRequest(body: SimpleEmbeddingsRequest, upstreamModel: string): EmbedRequest {
  const request: EmbedRequest = { model: upstreamModel, input: typeof body.input === 'string' ? [body.input] : body.input };
  if (body.dimensions != null) request.dimensions = body.dimensions;
  return request;
}

function decodeSampling(body: Sampling, upstreamModel: string): Omit<ChatRequest, 'messages'> {
  const request: Omit<ChatRequest, 'messages'> = { model: upstreamModel, stream: body.stream === true };
  if (body.max_tokens != null) request.maxTokens = body.max_tokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  return request;
}

function decodeMessage(message: SimpleMessage, index: number): Message {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return {
        role: 'user',
        content: typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content.map(decodeUserPart),
      };
    case 'assistant': {
      const toolCalls = (message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
      const content = message.content ? [{ type: 'text' as const, text: message.content }] : [];
      if (content.length === 0 && toolCalls.length === 0) {
        throw new GatewayError('invalid_request', `messages[${index}] is an assistant message with neither content nor tool_calls.`, {
          param: `messages[${index}].content`,
          publicCode: 'invalid_value',
        });
      }
      return toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content };
    }
    case 'tool':
      return { role: 'tool', toolCallId: message.tool_call_id, content: [{ type: 'text', text: message.content }] };
  }
}

function decodeUserPart(part: Exclude<Extract<SimpleMessage, { role: 'user' }>['content'], string>[number]): ContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  return part.image_url.detail === undefined
    ? { type: 'image', url: part.image_url.url }
    : { type: 'image', url: part.image_url.url, detail: part.image_url.detail };
}

function decodeToolChoice(choice: SimpleChatRequest['tool_choice']): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  return typeof choice === 'string' ? choice : { name: choice.function.name };
}
