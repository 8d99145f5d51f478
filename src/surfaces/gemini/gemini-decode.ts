// A generateContent body (already validated) → the neutral ChatRequest. Field map: shared/reference/mapping.md §1
// read right to left; GenerationConfig: https://ai.google.dev/api/generate-content#generationconfig ;
// tools / toolConfig: https://ai.google.dev/api/caching#Tool , https://ai.google.dev/api/caching#FunctionCallingConfig
// Not translated: safetySettings, cachedContent, labels, responseLogprobs/logprobs, responseModalities,
// speechConfig, mediaResolution (no neutral form; a non-Gemini model has none of them).
import type { ChatRequest, JsonObject, ResponseFormat, ToolChoice, ToolDefinition } from '../../core/chat.js';
import { decodeContents, invalid } from './gemini-decode-contents.js';
import type {
  GeminiGenerateContent,
  GeminiGenerationConfigInput,
  GeminiToolConfigInput,
  GeminiToolInput,
} from './gemini-request-schemas.js';
import { geminiSchemaToJsonSchema } from './gemini-schema-to-json.js';

export type DecodeOptions = {
  /** The upstream model id, after catalogue resolution. */
  upstreamModel: string;
  stream: boolean;
  /** Whether the model reasons: only then does thinkingConfig become a reasoning effort. */
  reasons: boolean;
};

export function decodeGenerateContent(body: GeminiGenerateContent, options: DecodeOptions): ChatRequest {
  const request: ChatRequest = {
    model: options.upstreamModel,
    messages: decodeContents(body.contents, body.systemInstruction),
    stream: options.stream,
  };
  applyGenerationConfig(request, body.generationConfig ?? {}, options.reasons);
  const declared = decodeTools(body.tools ?? []);
  if (declared.length > 0) {
    const { tools, toolChoice } = decodeToolConfig(declared, body.toolConfig);
    request.tools = tools;
    if (toolChoice !== undefined) request.toolChoice = toolChoice;
  }
  return request;
}

function applyGenerationConfig(request: ChatRequest, config: GeminiGenerationConfigInput, reasons: boolean): void {
  if (config.maxOutputTokens !== undefined) request.maxTokens = config.maxOutputTokens;
  if (config.temperature !== undefined) request.temperature = config.temperature;
  if (config.topP !== undefined) request.topP = config.topP;
  if (config.topK !== undefined) request.topK = config.topK;
  if (config.stopSequences !== undefined && config.stopSequences.length > 0) request.stop = config.stopSequences;
  if (config.candidateCount !== undefined) request.n = config.candidateCount;
  if (config.seed !== undefined) request.seed = config.seed;
  if (config.presencePenalty !== undefined) request.presencePenalty = config.presencePenalty;
  if (config.frequencyPenalty !== undefined) request.frequencyPenalty = config.frequencyPenalty;
  const responseFormat = decodeResponseFormat(config);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  const effort = reasons ? reasoningEffort(config.thinkingConfig) : undefined;
  if (effort !== undefined) request.reasoningEffort = effort;
}

/** `responseJsonSchema` is JSON Schema already; `responseSchema` is Gemini's dialect of it and is converted. */
function decodeResponseFormat(config: GeminiGenerationConfigInput): ResponseFormat | undefined {
  const mimeType = config.responseMimeType;
  if (mimeType === undefined || mimeType === 'text/plain') return undefined;
  if (mimeType !== 'application/json') {
    throw invalid(
      'generationConfig.responseMimeType',
      `'${mimeType}' is not supported here; use text/plain or application/json.`,
    );
  }
  const schema = config.responseJsonSchema
    ? (config.responseJsonSchema as JsonObject)
    : config.responseSchema
      ? geminiSchemaToJsonSchema(config.responseSchema as JsonObject)
      : undefined;
  return schema === undefined ? { type: 'json_object' } : { type: 'json_schema', name: 'response', schema };
}

/**
 * thinkingLevel names an effort directly. thinkingBudget (tokens) is read against the budgets the Gemini
 * provider uses for each effort (providers/gemini/gemini-request.ts): 0 = off, up to 1024 low, up to 8192
 * medium, above high; -1 (dynamic) leaves the choice to the model.
 */
function reasoningEffort(config: GeminiGenerationConfigInput['thinkingConfig']): string | undefined {
  if (config === undefined) return undefined;
  if (config.thinkingLevel !== undefined && config.thinkingLevel !== 'THINKING_LEVEL_UNSPECIFIED') {
    return config.thinkingLevel.toLowerCase();
  }
  const budget = config.thinkingBudget;
  if (budget === undefined || budget < 0) return undefined;
  if (budget === 0) return 'none';
  if (budget <= 1024) return 'low';
  return budget <= 8192 ? 'medium' : 'high';
}

/** Only function declarations translate; a built-in tool (googleSearch, codeExecution…) is refused by name. */
function decodeTools(tools: GeminiToolInput[]): ToolDefinition[] {
  return tools.flatMap((tool, index) => {
    const builtIn = Object.keys(tool).find((key) => key !== 'functionDeclarations' && tool[key] !== undefined);
    if (builtIn !== undefined) {
      throw invalid(`tools[${index}].${builtIn}`, `The tool '${builtIn}' is a Gemini built-in; only functionDeclarations can be offered to this model.`);
    }
    return (tool.functionDeclarations ?? []).map((declaration): ToolDefinition => {
      const parameters = declaration.parametersJsonSchema
        ? (declaration.parametersJsonSchema as JsonObject)
        : declaration.parameters
          ? geminiSchemaToJsonSchema(declaration.parameters as JsonObject)
          : undefined;
      return {
        name: declaration.name,
        ...(declaration.description !== undefined ? { description: declaration.description } : {}),
        ...(parameters !== undefined ? { parameters } : {}),
      };
    });
  });
}

/**
 * AUTO/VALIDATED → auto, NONE → none, ANY → required; ANY with allowedFunctionNames offers only those
 * functions (one name: that function is forced).
 */
function decodeToolConfig(
  declared: ToolDefinition[],
  config: GeminiToolConfigInput | undefined,
): { tools: ToolDefinition[]; toolChoice?: ToolChoice } {
  const calling = config?.functionCallingConfig;
  if (calling?.mode === undefined || calling.mode === 'MODE_UNSPECIFIED') return { tools: declared };
  if (calling.mode === 'NONE') return { tools: declared, toolChoice: 'none' };
  if (calling.mode !== 'ANY') return { tools: declared, toolChoice: 'auto' };
  const allowed = calling.allowedFunctionNames ?? [];
  allowed.forEach((name, index) => {
    if (!declared.some((tool) => tool.name === name)) {
      throw invalid(
        `toolConfig.functionCallingConfig.allowedFunctionNames[${index}]`,
        `'${name}' is not among the declared functions.`,
      );
    }
  });
  if (allowed.length === 0) return { tools: declared, toolChoice: 'required' };
  if (allowed.length === 1) return { tools: declared, toolChoice: { name: allowed[0]! } };
  return { tools: declared.filter((tool) => allowed.includes(tool.name)), toolChoice: 'required' };
}
