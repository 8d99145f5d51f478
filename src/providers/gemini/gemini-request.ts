// Neutral ChatRequest → generateContent body. Field map: shared/reference/mapping.md §1;
// GenerationConfig: https://ai.google.dev/api/generate-content#generationconfig ;
// tools / toolConfig: https://ai.google.dev/api/caching#Tool , https://ai.google.dev/api/caching#FunctionCallingConfig
import type { ChatRequest, ToolChoice, ToolDefinition } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { toGeminiConversation } from './gemini-contents.js';
import { toGeminiSchema } from './gemini-schema.js';
import type {
  GeminiFunctionDeclaration,
  GeminiGenerateContentRequest,
  GeminiGenerationConfig,
  GeminiToolConfig,
} from './gemini-wire.js';

/** Gemini refuses more than five stop sequences. */
const maxStopSequences = 5;

/**
 * reasoning_effort → thinkingBudget (tokens): the budgets documented for Gemini 2.5 behind Google's own
 * OpenAI-compatible endpoint (https://ai.google.dev/gemini-api/docs/openai ; Portkey uses the same table):
 * low 1024, medium 8192, high 24576, none = off.
 * `minimal` also turns thinking off; models that cannot (2.5 Pro) answer 400, which reaches the client.
 * `xhigh` is capped at the `high` budget. Gemini 3 also takes `thinkingLevel`, but a budget works on both.
 */
const thinkingBudgets: Record<string, number> = {
  none: 0,
  minimal: 0,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 24576,
};

export function toGeminiRequest(request: ChatRequest): GeminiGenerateContentRequest {
  const body: GeminiGenerateContentRequest = toGeminiConversation(request.messages, request.model);
  const declarations = (request.tools ?? []).map(toFunctionDeclaration);
  if (declarations.length > 0) {
    body.tools = [{ functionDeclarations: declarations }];
    if (request.toolChoice !== undefined) body.toolConfig = toToolConfig(request.toolChoice);
  }
  // parallel_tool_calls has no Gemini equivalent and is dropped; so are logit_bias and user.
  const generationConfig = toGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

function toFunctionDeclaration(tool: ToolDefinition): GeminiFunctionDeclaration {
  const parameters = toGeminiSchema(tool.parameters);
  return {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
  };
}

function toToolConfig(choice: ToolChoice): GeminiToolConfig {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
}

function toGenerationConfig(request: ChatRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = toStopSequences(request.stop);
  if (request.n !== undefined) config.candidateCount = request.n;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  if (request.logprobs !== undefined) config.responseLogprobs = request.logprobs;
  if (request.topLogprobs !== undefined) config.logprobs = request.topLogprobs;
  applyResponseFormat(request, config);
  if (request.reasoningEffort !== undefined) config.thinkingConfig = { thinkingBudget: toThinkingBudget(request.reasoningEffort) };
  return config;
}

function toStopSequences(stop: string[]): string[] {
  if (stop.length > maxStopSequences) {
    throw new GatewayError('invalid_request', `Gemini accepts at most ${maxStopSequences} stop sequences.`, {
      param: 'stop',
    });
  }
  return stop;
}

function applyResponseFormat(request: ChatRequest, config: GeminiGenerationConfig): void {
  const format = request.responseFormat;
  if (format === undefined || format.type === 'text') return;
  config.responseMimeType = 'application/json';
  if (format.type !== 'json_schema') return;
  const schema = toGeminiSchema(format.schema);
  if (schema !== undefined) config.responseSchema = schema;
}

function toThinkingBudget(effort: string): number {
  const budget = thinkingBudgets[effort];
  if (budget === undefined) {
    throw new GatewayError(
      'invalid_request',
      `reasoning_effort '${effort}' is not supported; use none, minimal, low, medium or high.`,
      { param: 'reasoning_effort' },
    );
  }
  return budget;
}
