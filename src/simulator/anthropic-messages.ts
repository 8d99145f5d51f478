// POST /v1/messages (JSON and SSE) and /v1/messages/count_tokens, shaped like Anthropic's
// (shared/reference/anthropic.md §3, §5, §7; event grammar as in anthropic-sdk-typescript's recorded tool_use stream).
import {
  REASONING_TEXT,
  planAnswer,
  promptTokens,
  splitArguments,
  type AnswerUsage,
  type PlannedAnswer,
  type ToolMode,
  type ToolSpec,
  type TurnInput,
} from './answer-plan.js';
import type { UsageReport } from './directives.js';
import { ANTHROPIC_STREAM_ERROR_FRAME, anthropicError, anthropicInvalid } from './anthropic-dialect.js';
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

const STOP_REASONS = { stop: 'end_turn', stop_sequence: 'stop_sequence', length: 'max_tokens', tool_calls: 'tool_use' } as const;
const SIGNATURE = 'c2ltdWxhdG9yLXNpZ25hdHVyZQ==';

type Validated = { body: Record<string, unknown>; model: string; messages: unknown[] } | { error: SimReply };

function validate(request: SimRequest, needsMaxTokens: boolean): Validated {
  const body = request.body;
  if (!isRecord(body)) return { error: anthropicInvalid(request, 'Invalid request body.') };
  const model = asString(body.model);
  if (model === undefined) return { error: anthropicInvalid(request, 'model: Field required') };
  if (!Array.isArray(body.messages)) return { error: anthropicInvalid(request, 'messages: Field required') };
  if (needsMaxTokens && asCount(body.max_tokens) === undefined) {
    return { error: anthropicInvalid(request, 'max_tokens: Field required') };
  }
  if (model.startsWith('missing')) return { error: anthropicError(request, 404, 'not_found_error', `model: ${model}`) };
  return { body, model, messages: body.messages };
}

export function anthropicMessages(request: SimRequest, context: SimContext): RouteResult {
  const valid = validate(request, true);
  const stream = isRecord(request.body) && request.body.stream === true;
  if ('error' in valid) return { reply: valid.error, stream, model: isRecord(request.body) ? asString(request.body.model) : undefined };
  const turn = messagesTurn(valid.body, valid.messages, valid.model);
  const plan = planAnswer(turn, context.reply);
  const rendering: Rendering = { id: `msg_${request.id}`, model: valid.model, plan, thinking: turn.thinking && plan.usage.reasoningTokens > 0 };
  const reply = stream ? messagesStream(rendering, context) : messagesJson(rendering);
  return { reply, model: valid.model, stream, directives: plan.directives };
}

export function anthropicCountTokens(request: SimRequest): RouteResult {
  const valid = validate(request, false);
  if ('error' in valid) return { reply: valid.error, stream: false };
  const turn = messagesTurn(valid.body, valid.messages, valid.model);
  return { reply: jsonReply(200, { input_tokens: promptTokens(turn) }, { 'request-id': `req_${request.id}` }), model: valid.model, stream: false };
}

type Rendering = { id: string; model: string; plan: PlannedAnswer; thinking: boolean };

function messagesTurn(body: Record<string, unknown>, messages: unknown[], model: string): TurnInput {
  const choice = isRecord(body.tool_choice) ? body.tool_choice : {};
  const thinking = isRecord(body.thinking) && (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive');
  const format = isRecord(body.output_config) && isRecord(body.output_config.format) ? body.output_config.format : undefined;
  const turn: TurnInput = {
    model,
    userText: '',
    imageCount: 0,
    toolResults: undefined,
    endsWithUser: false,
    tools: [],
    toolMode: toolMode(choice),
    parallelAllowed: choice.disable_parallel_tool_use !== true,
    promptChars: blocksText(body.system).text.length,
    promptImages: 0,
    json: format?.type === 'json_schema' ? { schema: format.schema } : undefined,
    stop: asArray(body.stop_sequences).filter((entry): entry is string => typeof entry === 'string'),
    maxTokens: asCount(body.max_tokens),
    thinking,
  };
  let last: { role: unknown; results: string[] } | undefined;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const content = blocksText(message.content);
    turn.promptChars += content.text.length + content.otherChars;
    turn.promptImages += content.images;
    if (message.role === 'user' && (content.text !== '' || content.images > 0)) {
      turn.userText = content.text;
      turn.imageCount = content.images;
    }
    last = { role: message.role, results: content.toolResults };
  }
  if (last?.role === 'user' && last.results.length > 0) turn.toolResults = last.results;
  turn.endsWithUser = last?.role === 'user' && turn.toolResults === undefined;
  turn.tools = toolSpecs(body.tools);
  if (turn.tools.length > 0) turn.promptChars += JSON.stringify(body.tools).length;
  return turn;
}

type BlocksText = { text: string; images: number; otherChars: number; toolResults: string[] };

function blocksText(content: unknown): BlocksText {
  const result: BlocksText = { text: '', images: 0, otherChars: 0, toolResults: [] };
  if (typeof content === 'string') {
    result.text = content;
    return result;
  }
  for (const block of asArray(content)) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      result.text = result.text === '' ? block.text : `${result.text}\n${block.text}`;
    } else if (block.type === 'image') {
      result.images += 1;
    } else if (block.type === 'tool_use') {
      result.otherChars += (asString(block.name)?.length ?? 0) + JSON.stringify(block.input ?? {}).length;
    } else if (block.type === 'tool_result') {
      const inner = blocksText(block.content);
      result.toolResults.push(inner.text);
      result.otherChars += inner.text.length;
    }
  }
  return result;
}

/** Custom tools only (server tools such as web search have a versioned `type` and no `input_schema`). */
function toolSpecs(tools: unknown): ToolSpec[] {
  const specs: ToolSpec[] = [];
  for (const tool of asArray(tools)) {
    if (isRecord(tool) && typeof tool.name === 'string' && tool.input_schema !== undefined) {
      specs.push({ name: tool.name, schema: tool.input_schema });
    }
  }
  return specs;
}

function toolMode(choice: Record<string, unknown>): ToolMode {
  if (choice.type === 'none') return 'none';
  if (choice.type === 'any') return 'required';
  if (choice.type === 'tool' && typeof choice.name === 'string') return { name: choice.name };
  return 'auto';
}

/**
 * Anthropic's input_tokens excludes cache reads and writes; output_tokens includes thinking (also given apart in
 * output_tokens_details). `[sim:usage=none]` leaves usage out (as a proxy might), `[sim:usage=prompt]` the output.
 */
function anthropicUsage(usage: AnswerUsage, report: UsageReport | undefined): Record<string, unknown> | undefined {
  if (report === 'none') return undefined;
  const counts: Record<string, unknown> = {
    input_tokens: usage.promptTokens,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens: usage.outputTokens + usage.reasoningTokens,
    service_tier: 'standard',
  };
  // As newer Anthropic responses do: the thinking part of output_tokens.
  if (usage.reasoningTokens > 0) counts.output_tokens_details = { thinking_tokens: usage.reasoningTokens };
  if (report === 'prompt') {
    delete counts.output_tokens;
    delete counts.output_tokens_details;
  }
  return counts;
}

function withoutDetails(usage: Record<string, unknown>): Record<string, unknown> {
  const { output_tokens_details: _details, ...rest } = usage;
  return rest;
}

function toolUseId(rendering: Rendering, position: number): string {
  return `toolu_${rendering.id.slice(4)}_${position}`;
}

function messagesJson(rendering: Rendering): SimReply {
  const { plan } = rendering;
  const content: Record<string, unknown>[] = [];
  if (rendering.thinking) content.push({ type: 'thinking', thinking: REASONING_TEXT, signature: SIGNATURE });
  if (plan.toolCalls.length === 0) content.push({ type: 'text', text: plan.text });
  plan.toolCalls.forEach((call, position) => {
    content.push({ type: 'tool_use', id: toolUseId(rendering, position), name: call.name, input: call.arguments });
  });
  return jsonReply(
    200,
    {
      model: rendering.model,
      id: rendering.id,
      type: 'message',
      role: 'assistant',
      content,
      stop_reason: STOP_REASONS[plan.finish],
      stop_sequence: plan.stopSequence ?? null,
      usage: anthropicUsage(plan.usage, plan.directives?.usage),
    },
    { 'request-id': `req_${rendering.id.slice(4)}` },
  );
}

function event(type: string, data: string): string {
  return `event: ${type}\ndata: ${data}\n\n`;
}

function messagesStream(rendering: Rendering, context: SimContext): SimReply {
  const { plan } = rendering;
  const report = plan.directives?.usage;
  const usage = anthropicUsage(plan.usage, report);
  const startUsage = usage && report !== 'prompt' ? { ...withoutDetails(usage), output_tokens: 1 } : usage;
  const message = {
    model: rendering.model,
    id: rendering.id,
    type: 'message',
    role: 'assistant',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: startUsage,
  };
  const frames = [event('message_start', JSON.stringify({ type: 'message_start', message }))];
  const contentFrames: number[] = [];
  const blocks = contentBlocks(rendering, context);
  blocks.forEach((block, index) => {
    frames.push(event('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${block.start}}`));
    // Anthropic sends a ping after the first block starts.
    if (index === 0) frames.push(event('ping', '{"type": "ping"}'));
    for (const { json, content } of block.deltas) {
      if (content) contentFrames.push(frames.length);
      frames.push(event('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":${json}}`));
    }
    frames.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
  });
  const delta = { stop_reason: STOP_REASONS[plan.finish], stop_sequence: plan.stopSequence ?? null };
  if (usage && report !== 'prompt') {
    // As recorded: message_delta repeats the counts without the breakdowns.
    const { cache_creation: _cacheCreation, service_tier: _serviceTier, output_tokens_details: _details, ...finalUsage } = usage;
    frames.push(event('message_delta', JSON.stringify({ type: 'message_delta', delta, usage: finalUsage })));
  } else {
    frames.push(event('message_delta', JSON.stringify({ type: 'message_delta', delta })));
  }
  frames.push(event('message_stop', '{"type":"message_stop"}'));
  const malformedFrame = event('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"');
  return {
    kind: 'stream',
    headers: { 'content-type': SSE_TYPE, 'request-id': `req_${rendering.id.slice(4)}` },
    frames,
    contentFrames,
    errorFrame: ANTHROPIC_STREAM_ERROR_FRAME,
    malformedFrame,
  };
}

/** `content` marks the deltas carrying a piece of the answer (not the signature, not the empty first input). */
type StreamBlock = { start: string; deltas: { json: string; content: boolean }[] };

function contentBlocks(rendering: Rendering, context: SimContext): StreamBlock[] {
  const { plan } = rendering;
  const blocks: StreamBlock[] = [];
  if (rendering.thinking) {
    blocks.push({
      start: '{"type":"thinking","thinking":""}',
      deltas: [
        { json: `{"type":"thinking_delta","thinking":${JSON.stringify(REASONING_TEXT)}}`, content: true },
        { json: `{"type":"signature_delta","signature":"${SIGNATURE}"}`, content: false },
      ],
    });
  }
  if (plan.toolCalls.length === 0) {
    const deltas = context.splitter
      .split(plan.text)
      .map((piece) => ({ json: `{"type":"text_delta","text":${JSON.stringify(piece)}}`, content: true }));
    blocks.push({ start: '{"type":"text","text":""}', deltas });
  }
  plan.toolCalls.forEach((call, position) => {
    const fragments = ['', ...splitArguments(call.argumentsJson)];
    blocks.push({
      start: JSON.stringify({ type: 'tool_use', id: toolUseId(rendering, position), name: call.name, input: {} }),
      deltas: fragments.map((fragment) => ({
        json: `{"type":"input_json_delta","partial_json":${JSON.stringify(fragment)}}`,
        content: fragment !== '',
      })),
    });
  });
  return blocks;
}
