// Neutral ChatRequest / CompletionRequest → Chat Completions / Completions request bodies, with a preset's
// request quirks applied. Wire format: ../../../shared/reference/openai.md §2–3, §8; quirks: mapping.md §8.
import type {
  AssistantMessage,
  ChatRequest,
  CompletionRequest,
  ContentPart,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { mistralToolCallId } from '../compatible/mistral-tool-call-id.js';
import type { CompatiblePreset } from '../compatible/presets.js';

export type RequestBody = Record<string, unknown>;

type EncodeOptions = { provider: string; preset: CompatiblePreset | undefined };

export function encodeChatRequest(request: ChatRequest, options: EncodeOptions): RequestBody {
  const { preset } = options;
  const body: RequestBody = { model: request.model, messages: encodeMessages(request.messages, preset) };
  setStream(body, request.stream, preset);
  if (request.maxTokens !== undefined) {
    // OpenAI's reasoning models refuse `max_tokens`; most compatible servers only read it.
    body[preset ? (preset.maxTokensField ?? 'max_tokens') : 'max_completion_tokens'] = request.maxTokens;
  }
  set(body, 'temperature', request.temperature);
  set(body, 'top_p', request.topP);
  if (preset?.topK) set(body, 'top_k', request.topK);
  if (request.stop?.length) body.stop = request.stop;
  set(body, 'n', request.n);
  set(body, 'seed', request.seed);
  set(body, 'presence_penalty', request.presencePenalty);
  set(body, 'frequency_penalty', request.frequencyPenalty);
  set(body, 'logprobs', request.logprobs);
  set(body, 'top_logprobs', request.topLogprobs);
  set(body, 'logit_bias', request.logitBias);
  set(body, 'user', request.user);
  set(body, 'reasoning_effort', request.reasoningEffort);
  // An empty `tools` array is a 400 at OpenAI ("[] is too short").
  if (request.tools?.length) body.tools = request.tools.map(encodeTool);
  if (request.toolChoice !== undefined) body.tool_choice = encodeToolChoice(request.toolChoice);
  set(body, 'parallel_tool_calls', request.parallelToolCalls);
  if (request.responseFormat) body.response_format = encodeResponseFormat(request.responseFormat);
  if (preset) applyRequestQuirks(body, options.provider, preset);
  return body;
}

export function encodeCompletionRequest(request: CompletionRequest, options: EncodeOptions): RequestBody {
  const { preset } = options;
  const prompt = request.prompt.length === 1 ? request.prompt[0] : request.prompt;
  const body: RequestBody = { model: request.model, prompt };
  setStream(body, request.stream, preset);
  // `/completions` has no `max_completion_tokens`; its default limit is 16 tokens.
  set(body, 'max_tokens', request.maxTokens);
  set(body, 'temperature', request.temperature);
  set(body, 'top_p', request.topP);
  if (request.stop?.length) body.stop = request.stop;
  set(body, 'n', request.n);
  set(body, 'seed', request.seed);
  set(body, 'presence_penalty', request.presencePenalty);
  set(body, 'frequency_penalty', request.frequencyPenalty);
  set(body, 'user', request.user);
  if (preset) applyRequestQuirks(body, options.provider, preset);
  return body;
}

function setStream(body: RequestBody, stream: boolean, preset: CompatiblePreset | undefined): void {
  if (!stream) return;
  body.stream = true;
  // Usage is always asked for, to meter; the surface decides whether the client sees it.
  if (preset?.streamUsageOption !== false) body.stream_options = { include_usage: true };
}

function set(body: RequestBody, key: string, value: unknown): void {
  if (value !== undefined) body[key] = value;
}

function encodeMessages(messages: Message[], preset: CompatiblePreset | undefined): RequestBody[] {
  const toolCallId = preset?.mistralToolCallIds ? mistralToolCallId : (id: string) => id;
  return messages.map((message) => {
    const encoded = encodeMessage(message, toolCallId);
    if (preset?.dropMessageNames) delete encoded.name;
    return encoded;
  });
}

function encodeMessage(message: Message, toolCallId: (id: string) => string): RequestBody {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user': {
      const encoded: RequestBody = { role: 'user', content: encodeUserContent(message.content) };
      if (message.name !== undefined) encoded.name = message.name;
      return encoded;
    }
    case 'assistant':
      return encodeAssistantMessage(message, toolCallId);
    case 'tool':
      return { role: 'tool', tool_call_id: toolCallId(message.toolCallId), content: joinText(message.content) };
  }
}

function encodeAssistantMessage(message: AssistantMessage, toolCallId: (id: string) => string): RequestBody {
  const text = joinText(message.content);
  const calls = message.toolCalls ?? [];
  // `content: null` is how OpenAI itself writes a turn that only calls tools.
  const encoded: RequestBody = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (calls.length > 0) {
    encoded.tool_calls = calls.map((call) => ({
      id: toolCallId(call.id),
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (message.name !== undefined) encoded.name = message.name;
  return encoded;
}

/** A lone text part is sent as a plain string: some compatible servers (DeepSeek, older vLLM) read only strings. */
function encodeUserContent(parts: ContentPart[]): string | RequestBody[] {
  if (parts.length === 0) return '';
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  return parts.map(encodeContentPart);
}

function encodeContentPart(part: ContentPart): RequestBody {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image_url', image_url: part.detail ? { url: part.url, detail: part.detail } : { url: part.url } };
    case 'audio':
      return { type: 'input_audio', input_audio: { data: part.data, format: part.format } };
    case 'file': {
      if (part.fileId !== undefined) return { type: 'file', file: { file_id: part.fileId } };
      const file: RequestBody = {};
      if (part.filename !== undefined) file.filename = part.filename;
      if (part.data !== undefined) {
        // OpenAI wants a data URL in `file_data`.
        file.file_data = part.data.startsWith('data:')
          ? part.data
          : `data:${part.mediaType ?? 'application/pdf'};base64,${part.data}`;
      }
      return { type: 'file', file };
    }
  }
}

function joinText(parts: TextPart[]): string {
  return parts.map((part) => part.text).join('');
}

function encodeTool(tool: ToolDefinition): RequestBody {
  const fn: RequestBody = { name: tool.name };
  if (tool.description !== undefined) fn.description = tool.description;
  if (tool.parameters !== undefined) fn.parameters = tool.parameters;
  if (tool.strict !== undefined) fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function encodeToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function encodeResponseFormat(format: ResponseFormat): RequestBody {
  if (format.type !== 'json_schema') return { type: format.type };
  const schema: RequestBody = { name: format.name };
  if (format.description !== undefined) schema.description = format.description;
  if (format.schema !== undefined) schema.schema = format.schema;
  if (format.strict !== undefined) schema.strict = format.strict;
  return { type: 'json_schema', json_schema: schema };
}

function applyRequestQuirks(body: RequestBody, provider: string, preset: CompatiblePreset): void {
  for (const field of preset.dropFields ?? []) delete body[field];
  if (preset.singleChoice) {
    if (typeof body.n === 'number' && body.n > 1) {
      // Dropping it would silently return one choice where the client counts on several.
      throw new GatewayError('invalid_request', `Provider '${provider}' returns one choice per request; 'n' must be 1.`, {
        param: 'n',
        provider,
      });
    }
    delete body.n;
  }
  if (preset.mistralRandomSeed && body.seed !== undefined) {
    body.random_seed = body.seed;
    delete body.seed;
  }
  if (preset.mistralToolChoice) applyMistralToolChoice(body);
}

/** Mistral knows `auto`, `none`, `any` (≈ required) and no named choice: a named one is `any` over that tool alone. */
function applyMistralToolChoice(body: RequestBody): void {
  const choice = body.tool_choice;
  if (choice === 'required') {
    body.tool_choice = 'any';
    return;
  }
  if (typeof choice !== 'object' || choice === null) return;
  const name = (choice as { function?: { name?: string } }).function?.name;
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  body.tools = tools.filter((tool) => tool.function?.name === name);
  body.tool_choice = 'any';
}
