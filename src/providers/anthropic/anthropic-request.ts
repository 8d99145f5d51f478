// Neutral ChatRequest → Anthropic Messages body (POST /v1/messages).
// https://docs.claude.com/en/api/messages ; mapping: /work/shared/reference/mapping.md §1, §5.
//
// | neutral (OpenAI)            | Anthropic                                                              |
// |-----------------------------|------------------------------------------------------------------------|
// | maxTokens                   | max_tokens (required: defaultMaxTokens when absent)                    |
// | temperature 0–2             | temperature 0–1 (clamped)                                              |
// | topP, topK                  | top_p, top_k                                                           |
// | stop                        | stop_sequences (whitespace-only entries dropped: Anthropic rejects them)|
// | user                        | metadata.user_id                                                       |
// | n > 1                       | 400: no equivalent                                                     |
// | seed, penalties, logprobs,  | dropped (see below)                                                    |
// |   logitBias                 |                                                                        |
// | tools, toolChoice,          | tools[].input_schema, tool_choice, disable_parallel_tool_use           |
// |   parallelToolCalls         |                                                                        |
// | responseFormat json_*       | a forced tool named `json` whose input is the answer                   |
// | reasoningEffort             | thinking {type:'enabled', budget_tokens}                               |
//
// Dropped parameters: `seed`, `presence_penalty`, `frequency_penalty`, `logprobs`, `top_logprobs` and `logit_bias`
// have no Anthropic counterpart. They only tune sampling or add diagnostics, so the answer stays valid without them;
// refusing them would break every OpenAI client that sets one by default (Vercel drops them with a warning too).
import type { ChatRequest, JsonObject, ToolChoice, ToolDefinition } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { convertMessages, type AnthropicTurn } from './anthropic-messages.js';

/**
 * Anthropic requires `max_tokens`; OpenAI does not. 4096 is LiteLLM's default and fits the output limit of
 * every current Claude model (the oldest allow 4096), so a request never fails for asking too much.
 */
export const defaultMaxTokens = 4096;

/**
 * Fixed thinking budgets per OpenAI `reasoning_effort` level (as LiteLLM does). 1024 is Anthropic's minimum;
 * each level is four times the previous one. `none` turns thinking off.
 */
export const thinkingBudgets: Record<string, number | null> = {
  none: null,
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
};

/** The synthetic tool that carries a JSON answer (response_format emulation, as Vercel and LiteLLM do). */
export const jsonToolName = 'json';

type AnthropicTool = { name: string; description?: string; input_schema: JsonObject };
type AnthropicToolChoice = {
  type: 'auto' | 'any' | 'none' | 'tool';
  name?: string;
  disable_parallel_tool_use?: boolean;
};

export type AnthropicMessagesBody = {
  model: string;
  max_tokens: number;
  messages: AnthropicTurn[];
  system?: string;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number };
  stream?: boolean;
};

export type AnthropicRequestPlan = {
  body: AnthropicMessagesBody;
  /** The `json` tool carries the answer: its input is the message content. */
  usesJsonTool: boolean;
};

export function buildAnthropicRequest(request: ChatRequest): AnthropicRequestPlan {
  if (request.n !== undefined && request.n > 1) {
    throw new GatewayError('invalid_request', 'Anthropic models return one choice per request; set n to 1.', {
      param: 'n',
    });
  }
  const budget = thinkingBudget(request.reasoningEffort);
  const body: AnthropicMessagesBody = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    ...convertMessages(request.messages),
    ...samplingParameters(request, budget !== null),
  };
  if (budget !== null) {
    body.thinking = { type: 'enabled', budget_tokens: budget };
    // Anthropic wants max_tokens > budget_tokens; the client's limit then applies to the visible answer.
    if (body.max_tokens <= budget) body.max_tokens = budget + body.max_tokens;
  }
  const tools = toolParameters(request, budget !== null);
  Object.assign(body, tools.parameters);
  if (request.stream) body.stream = true;
  return { body, usesJsonTool: tools.usesJsonTool };
}

function thinkingBudget(effort: string | undefined): number | null {
  if (effort === undefined) return null;
  const budget = thinkingBudgets[effort];
  if (budget === undefined) {
    throw new GatewayError('invalid_request', `Unsupported reasoning_effort '${effort}'.`, {
      param: 'reasoning_effort',
    });
  }
  return budget;
}

function samplingParameters(request: ChatRequest, thinking: boolean): Partial<AnthropicMessagesBody> {
  const parameters: Partial<AnthropicMessagesBody> = {};
  // With extended thinking Anthropic refuses temperature and top_k; they are dropped rather than failing.
  if (request.temperature !== undefined && !thinking) parameters.temperature = Math.min(request.temperature, 1);
  if (request.topP !== undefined) parameters.top_p = request.topP;
  if (request.topK !== undefined && !thinking) parameters.top_k = request.topK;
  const stops = request.stop?.filter((stop) => stop.trim() !== '');
  if (stops && stops.length > 0) parameters.stop_sequences = stops;
  if (request.user !== undefined && request.user !== '') parameters.metadata = { user_id: request.user };
  return parameters;
}

function toolParameters(
  request: ChatRequest,
  thinking: boolean,
): { parameters: Pick<AnthropicMessagesBody, 'tools' | 'tool_choice'>; usesJsonTool: boolean } {
  const tools = (request.tools ?? []).map(toAnthropicTool);
  const format = request.responseFormat;
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    if (tools.some((tool) => tool.name === jsonToolName)) {
      throw new GatewayError('invalid_request', `A tool named '${jsonToolName}' cannot be combined with response_format.`, {
        param: 'tools',
      });
    }
    const schema = format.type === 'json_schema' && format.schema ? format.schema : { type: 'object', additionalProperties: true };
    const description = (format.type === 'json_schema' ? format.description : undefined) ?? 'Respond with a JSON object.';
    const jsonTool: AnthropicTool = { name: jsonToolName, description, input_schema: schema };
    return { parameters: { tools: [...tools, jsonTool], tool_choice: jsonToolChoice(tools.length > 0, thinking) }, usesJsonTool: true };
  }
  if (tools.length === 0) {
    if (request.toolChoice === 'required' || typeof request.toolChoice === 'object') {
      throw new GatewayError('invalid_request', 'tool_choice requires tools.', { param: 'tool_choice' });
    }
    return { parameters: {}, usesJsonTool: false };
  }
  const choice = toolChoice(request.toolChoice, request.parallelToolCalls);
  return { parameters: choice ? { tools, tool_choice: choice } : { tools }, usesJsonTool: false };
}

function toAnthropicTool(tool: ToolDefinition): AnthropicTool {
  const input_schema = tool.parameters ?? { type: 'object', properties: {} };
  return tool.description === undefined
    ? { name: tool.name, input_schema }
    : { name: tool.name, description: tool.description, input_schema };
}

/**
 * The JSON answer is forced when it is the only tool. With client tools beside it, the model must call
 * one of them (`any`), one at a time (Vercel's choice). Extended thinking forbids forcing a tool
 * ("Thinking may not be enabled when tool_choice forces tool use"), so then the choice is left to the model.
 */
function jsonToolChoice(hasClientTools: boolean, thinking: boolean): AnthropicToolChoice {
  if (thinking) return { type: 'auto' };
  if (hasClientTools) return { type: 'any', disable_parallel_tool_use: true };
  return { type: 'tool', name: jsonToolName };
}

// https://docs.claude.com/en/docs/agents-and-tools/tool-use/implement-tool-use#forcing-tool-use
function toolChoice(choice: ToolChoice | undefined, parallelToolCalls: boolean | undefined): AnthropicToolChoice | undefined {
  const base = baseToolChoice(choice);
  if (parallelToolCalls !== false || base?.type === 'none') return base;
  return { ...(base ?? { type: 'auto' }), disable_parallel_tool_use: true };
}

function baseToolChoice(choice: ToolChoice | undefined): AnthropicToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}
