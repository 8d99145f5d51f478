// POST /v1/chat/completions: JSON and SSE exactly as OpenAI sends them (shared/reference/openai.md §4-5).
import { planAnswer, splitArguments, type PlannedAnswer, type ToolMode, type ToolSpec, type TurnInput } from './answer-plan.js';
import { OPENAI_STREAM_ERROR_FRAME, isMissingModel, openaiInvalid, openaiModelNotFound } from './openai-dialect.js';
import { openaiUsage, reportedUsage, stopList } from './openai-usage.js';
import {
  SSE_TYPE,
  asArray,
  asCount,
  asString,
  isRecord,
  jsonReply,
  type RouteResult,
  type SimContext,
  type SimReply,
  type SimRequest,
} from './sim-reply.js';

const FINISH_REASONS = { stop: 'stop', stop_sequence: 'stop', length: 'length', tool_calls: 'tool_calls' } as const;
const MAX_CHOICES = 128;

export function openaiChat(request: SimRequest, context: SimContext): RouteResult {
  const body = request.body;
  if (!isRecord(body)) return { reply: openaiInvalid(request, 'Invalid request body.'), stream: false };
  const model = asString(body.model);
  if (model === undefined || model === '') {
    return { reply: openaiInvalid(request, 'you must provide a model parameter'), stream: false };
  }
  if (!Array.isArray(body.messages)) {
    return {
      reply: openaiInvalid(request, "Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter'),
      model,
      stream: false,
    };
  }
  const stream = body.stream === true;
  if (isMissingModel(model)) return { reply: openaiModelNotFound(request, model), model, stream };
  const plan = planAnswer(chatTurn(body, body.messages, model), context.reply);
  const n = Math.min(Math.max(asCount(body.n) ?? 1, 1), MAX_CHOICES);
  const rendering: Rendering = { id: `chatcmpl-${request.id}`, created: Math.floor(Date.now() / 1000), model, n, plan };
  // `[sim:usage=none]` plays a server that ignores include_usage.
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true && plan.directives?.usage !== 'none';
  const reply = stream ? chatStream(rendering, context, includeUsage) : chatJson(rendering);
  return { reply, model, stream, directives: plan.directives };
}

type Rendering = { id: string; created: number; model: string; n: number; plan: PlannedAnswer };

function chatTurn(body: Record<string, unknown>, messages: unknown[], model: string): TurnInput {
  const turn: TurnInput = {
    model,
    userText: '',
    imageCount: 0,
    toolResults: undefined,
    endsWithUser: false,
    tools: [],
    toolMode: 'auto',
    parallelAllowed: body.parallel_tool_calls !== false,
    promptChars: 0,
    promptImages: 0,
    json: responseFormat(body.response_format),
    stop: stopList(body.stop),
    maxTokens: asCount(body.max_completion_tokens) ?? asCount(body.max_tokens),
    thinking: false,
  };
  for (const message of messages) readMessage(turn, message);
  const last = messages[messages.length - 1];
  const lastRole = isRecord(last) ? last.role : undefined;
  turn.endsWithUser = lastRole === 'user';
  if (lastRole === 'tool') turn.toolResults = trailingToolResults(messages);
  readTools(turn, body.tools, body.tool_choice);
  return turn;
}

function readMessage(turn: TurnInput, message: unknown): void {
  if (!isRecord(message)) return;
  const { text, images } = contentText(message.content);
  turn.promptChars += text.length;
  turn.promptImages += images;
  for (const call of asArray(message.tool_calls)) {
    if (isRecord(call) && isRecord(call.function)) {
      turn.promptChars += (asString(call.function.name)?.length ?? 0) + (asString(call.function.arguments)?.length ?? 0);
    }
  }
  if (message.role === 'user' && (text !== '' || images > 0)) {
    turn.userText = text;
    turn.imageCount = images;
  }
}

function contentText(content: unknown): { text: string; images: number } {
  if (typeof content === 'string') return { text: content, images: 0 };
  let text = '';
  let images = 0;
  for (const part of asArray(content)) {
    if (!isRecord(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') text = text === '' ? part.text : `${text}\n${part.text}`;
    else if (part.type === 'image_url') images += 1;
  }
  return { text, images };
}

function trailingToolResults(messages: unknown[]): string[] {
  const results: string[] = [];
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (!isRecord(message) || message.role !== 'tool') break;
    results.unshift(contentText(message.content).text);
  }
  return results;
}

function readTools(turn: TurnInput, tools: unknown, choice: unknown): void {
  const specs: ToolSpec[] = [];
  for (const tool of asArray(tools)) {
    if (isRecord(tool) && tool.type === 'function' && isRecord(tool.function) && typeof tool.function.name === 'string') {
      specs.push({ name: tool.function.name, schema: tool.function.parameters });
    }
  }
  if (specs.length > 0) turn.promptChars += JSON.stringify(tools).length;
  turn.tools = specs;
  turn.toolMode = toolMode(choice);
  if (isRecord(choice) && choice.type === 'allowed_tools' && isRecord(choice.allowed_tools)) {
    const allowed = new Set(
      asArray(choice.allowed_tools.tools).map((tool) => (isRecord(tool) && isRecord(tool.function) ? tool.function.name : undefined)),
    );
    turn.tools = specs.filter((spec) => allowed.has(spec.name));
  }
}

function toolMode(choice: unknown): ToolMode {
  if (choice === 'none' || choice === 'required') return choice;
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { name: choice.function.name };
  }
  if (isRecord(choice) && isRecord(choice.allowed_tools) && choice.allowed_tools.mode === 'required') return 'required';
  return 'auto';
}

function responseFormat(format: unknown): TurnInput['json'] {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return { schema: undefined };
  if (format.type === 'json_schema') return { schema: isRecord(format.json_schema) ? format.json_schema.schema : undefined };
  return undefined;
}

function toolCallId(rendering: Rendering, choice: number, call: number): string {
  return `call_${rendering.id.slice(9)}_${choice}_${call}`;
}

function chatJson(rendering: Rendering): SimReply {
  const { plan } = rendering;
  const choices = [];
  for (let index = 0; index < rendering.n; index += 1) {
    const message =
      plan.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: null,
            tool_calls: plan.toolCalls.map((call, position) => ({
              id: toolCallId(rendering, index, position),
              type: 'function',
              function: { name: call.name, arguments: call.argumentsJson },
            })),
            refusal: null,
            annotations: [],
          }
        : { role: 'assistant', content: plan.text, refusal: null, annotations: [] };
    choices.push({ index, message, logprobs: null, finish_reason: FINISH_REASONS[plan.finish] });
  }
  return jsonReply(200, {
    id: rendering.id,
    object: 'chat.completion',
    created: rendering.created,
    model: rendering.model,
    choices,
    usage: reportedUsage(openaiUsage(plan.usage, rendering.n), plan.directives?.usage),
    service_tier: 'default',
    system_fingerprint: 'fp_simulator',
  });
}

/** Each chunk is `head + choice + tail`; only the delta is serialised per chunk. */
function chatStream(rendering: Rendering, context: SimContext, includeUsage: boolean): SimReply {
  const head =
    `data: {"id":"${rendering.id}","object":"chat.completion.chunk","created":${rendering.created},` +
    `"model":${JSON.stringify(rendering.model)},"service_tier":"default","system_fingerprint":"fp_simulator","choices":[`;
  const tail = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const perChoice: ChoiceDelta[][] = [];
  for (let index = 0; index < rendering.n; index += 1) perChoice.push(choiceDeltas(rendering, context, index));
  const frames: string[] = [];
  const contentFrames: number[] = [];
  const steps = perChoice[0]!.length;
  for (let step = 0; step < steps; step += 1) {
    for (const deltas of perChoice) {
      const { json, content } = deltas[step]!;
      if (content) contentFrames.push(frames.length);
      frames.push(head + json + tail);
    }
  }
  if (includeUsage) {
    const usage = reportedUsage(openaiUsage(rendering.plan.usage, rendering.n), rendering.plan.directives?.usage);
    frames.push(`${head}],"usage":${JSON.stringify(usage)}}\n\n`);
  }
  frames.push('data: [DONE]\n\n');
  const malformedFrame = `${head}{"index":0,"delta":{"content":"\n\n`;
  return {
    kind: 'stream',
    headers: { 'content-type': SSE_TYPE },
    frames,
    contentFrames,
    errorFrame: OPENAI_STREAM_ERROR_FRAME,
    malformedFrame,
  };
}

/** One choice's chunk bodies; `content` marks those carrying a piece of the answer. */
type ChoiceDelta = { json: string; content: boolean };

function choiceDeltas(rendering: Rendering, context: SimContext, index: number): ChoiceDelta[] {
  const { plan } = rendering;
  const choice = (delta: string, content: boolean, finish: string | null = null): ChoiceDelta => ({
    json: `{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}`,
    content,
  });
  const deltas: ChoiceDelta[] = [];
  if (plan.toolCalls.length === 0) {
    deltas.push(choice('{"role":"assistant","content":"","refusal":null}', false));
    for (const piece of context.splitter.split(plan.text)) deltas.push(choice(`{"content":${JSON.stringify(piece)}}`, true));
  }
  plan.toolCalls.forEach((call, position) => {
    const start =
      `{"index":${position},"id":"${toolCallId(rendering, index, position)}","type":"function",` +
      `"function":{"name":${JSON.stringify(call.name)},"arguments":""}}`;
    const delta = position === 0 ? `{"role":"assistant","content":null,"tool_calls":[${start}]}` : `{"tool_calls":[${start}]}`;
    deltas.push(choice(delta, false));
    for (const fragment of splitArguments(call.argumentsJson)) {
      deltas.push(choice(`{"tool_calls":[{"index":${position},"function":{"arguments":${JSON.stringify(fragment)}}}]}`, true));
    }
  });
  deltas.push(choice('{}', false, FINISH_REASONS[plan.finish]));
  return deltas;
}
