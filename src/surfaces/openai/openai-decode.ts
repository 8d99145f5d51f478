// OpenAI request bodies (already validated) → the neutral form.
import type {
  ChatRequest,
  CompletionRequest,
  ContentPart,
  EmbedRequest,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  JsonObject,
} from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type {
  OpenAIChatRequest,
  OpenAICompletionRequest,
  OpenAIEmbeddingRequest,
  OpenAIMessage,
} from './openai-request-schemas.js';

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined && entry !== null)) as T;

export function decodeChatRequest(body: OpenAIChatRequest, upstreamModel: string): ChatRequest {
  return defined<ChatRequest>({
    model: upstreamModel,
    messages: body.messages.map(decodeMessage),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    topK: body.top_k,
    stop: decodeStop(body.stop),
    n: body.n ?? undefined,
    seed: body.seed ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    logprobs: body.logprobs ?? undefined,
    topLogprobs: body.top_logprobs ?? undefined,
    logitBias: body.logit_bias ?? undefined,
    user: body.user,
    tools: body.tools?.map((tool) =>
      defined({
        name: tool.function.name,
        description: tool.function.description,
        parameters: tool.function.parameters as JsonObject | undefined,
        strict: tool.function.strict ?? undefined,
      }),
    ),
    toolChoice: decodeToolChoice(body.tool_choice),
    parallelToolCalls: body.parallel_tool_calls,
    responseFormat: decodeResponseFormat(body.response_format),
    reasoningEffort: body.reasoning_effort ?? undefined,
  });
}

function decodeMessage(message: OpenAIMessage, index: number): Message {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: joinText(message.content) };
    case 'user':
      return defined({
        role: 'user' as const,
        content: typeof message.content === 'string' ? [text(message.content)] : message.content.map(decodeUserPart),
        name: message.name,
      });
    case 'assistant': {
      const content = message.content;
      const parts: TextPart[] =
        typeof content === 'string'
          ? [text(content)]
          : (content ?? []).flatMap((part) => (part.type === 'text' ? [text(part.text)] : []));
      const toolCalls = message.tool_calls?.map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
      if (parts.length === 0 && !toolCalls?.length) {
        throw new GatewayError('invalid_request', `messages[${index}] is an assistant message with neither content nor tool_calls.`, {
          param: `messages[${index}].content`,
        });
      }
      return defined({ role: 'assistant' as const, content: parts, toolCalls, reasoning: message.reasoning_content, name: message.name });
    }
    case 'tool':
      return { role: 'tool', toolCallId: message.tool_call_id, content: [text(joinText(message.content))] };
  }
}

function decodeUserPart(part: Extract<OpenAIMessage, { role: 'user' }>['content'][number] & object): ContentPart {
  switch (part.type) {
    case 'text':
      return text(part.text);
    case 'image_url':
      return defined({ type: 'image' as const, url: part.image_url.url, detail: part.image_url.detail });
    case 'input_audio':
      return { type: 'audio', data: part.input_audio.data, format: part.input_audio.format };
    case 'file': {
      const data = part.file.file_data;
      const match = data?.match(/^data:([^;,]+);base64,/);
      return defined({
        type: 'file' as const,
        data: match ? data!.slice(match[0].length) : data,
        mediaType: match?.[1] ?? (data ? 'application/pdf' : undefined),
        filename: part.file.filename,
        fileId: part.file.file_id,
      });
    }
  }
}

function decodeToolChoice(choice: OpenAIChatRequest['tool_choice']): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { name: choice.function.name };
  return choice.allowed_tools.mode;
}

function decodeResponseFormat(format: OpenAIChatRequest['response_format']): ResponseFormat | undefined {
  if (!format) return undefined;
  if (format.type !== 'json_schema') return { type: format.type };
  return defined({
    type: 'json_schema' as const,
    name: format.json_schema.name,
    schema: format.json_schema.schema as JsonObject | undefined,
    strict: format.json_schema.strict ?? undefined,
    description: format.json_schema.description,
  });
}

function decodeStop(stop: OpenAIChatRequest['stop']): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  return typeof stop === 'string' ? [stop] : stop;
}

export function decodeCompletionRequest(body: OpenAICompletionRequest, upstreamModel: string): CompletionRequest {
  const prompt = body.prompt;
  if (typeof prompt !== 'string' && prompt.some((entry) => typeof entry !== 'string')) {
    throw new GatewayError('invalid_request', 'Token-array prompts are only accepted by providers with a native completions endpoint.', {
      param: 'prompt',
    });
  }
  return defined<CompletionRequest>({
    model: upstreamModel,
    prompt: typeof prompt === 'string' ? [prompt] : (prompt as string[]),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    // The legacy endpoint's default is 16 tokens (openai.md §8); keep it when translating to chat.
    maxTokens: body.max_tokens ?? 16,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    stop: decodeStop(body.stop),
    n: body.n ?? undefined,
    seed: body.seed ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    user: body.user,
  });
}

export function decodeEmbeddingRequest(body: OpenAIEmbeddingRequest, upstreamModel: string): EmbedRequest {
  const input = body.input;
  let normalised: string[] | number[][];
  if (typeof input === 'string') normalised = [input];
  else if (input.every((entry) => typeof entry === 'string')) normalised = input as string[];
  else if (input.every((entry) => typeof entry === 'number')) normalised = [input as number[]];
  else normalised = input as number[][];
  return defined<EmbedRequest>({ model: upstreamModel, input: normalised, dimensions: body.dimensions, user: body.user });
}

function joinText(content: string | { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

function text(value: string): TextPart {
  return { type: 'text', text: value };
}
