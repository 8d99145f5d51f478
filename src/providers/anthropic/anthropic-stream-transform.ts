// Anthropic SSE events → neutral stream parts, one small handler per event type.
// https://docs.claude.com/en/docs/build-with-claude/streaming ; state machine: /work/shared/reference/mapping.md §6.
//
// Order on the wire: message_start → per block (content_block_start, content_block_delta*, content_block_stop)
// → message_delta → message_stop. `ping` and unknown events are ignored (Anthropic may add event types).
import type { StreamPart } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { parseEventJson, type SseEvent } from '../shared/sse.js';
import type { ReportedUsage } from '../shared/stream-usage.js';
import { anthropicStreamError } from './anthropic-errors.js';
import { mapAnthropicStopReason } from './anthropic-finish-reason.js';
import { jsonToolName } from './anthropic-request.js';
import {
  contentBlockDeltaEventSchema,
  contentBlockStartEventSchema,
  contentBlockStopEventSchema,
  messageDeltaEventSchema,
  messageStartEventSchema,
  parseUpstream,
  readContentBlock,
} from './anthropic-schemas.js';
import {
  emptyAnthropicUsageCounters,
  toNeutralUsage,
  updateAnthropicUsage,
  type AnthropicUsageCounters,
} from './anthropic-usage.js';

type BlockState =
  | { kind: 'text' }
  | { kind: 'reasoning' }
  /** A client tool; `toolIndex` counts tool calls in this message (not Anthropic's block index). */
  | { kind: 'tool'; toolIndex: number; argumentsSeen: boolean }
  /** The synthetic `json` tool: its arguments are the answer text. */
  | { kind: 'json'; argumentsSeen: boolean }
  | { kind: 'ignored' };

type StreamState = {
  provider: string;
  usesJsonTool: boolean;
  reported: ReportedUsage | undefined;
  started: boolean;
  blocks: Map<number, BlockState>;
  nextToolIndex: number;
  usage: AnthropicUsageCounters;
  stopReason: string | null;
  finished: boolean;
};

type EventHandler = (state: StreamState, payload: unknown) => StreamPart[];

export type AnthropicStreamOptions = {
  provider: string;
  usesJsonTool: boolean;
  /** Kept up to date with the usage so far, for a stream that breaks off before message_stop. */
  reported?: ReportedUsage;
};

export async function* transformAnthropicStream(
  events: AsyncIterable<SseEvent>,
  options: AnthropicStreamOptions,
): AsyncGenerator<StreamPart> {
  const state: StreamState = {
    provider: options.provider,
    usesJsonTool: options.usesJsonTool,
    reported: options.reported,
    started: false,
    blocks: new Map(),
    nextToolIndex: 0,
    usage: emptyAnthropicUsageCounters(),
    stopReason: null,
    finished: false,
  };
  for await (const event of events) {
    const payload = parseEventJson(options.provider, event.data);
    const type = eventType(event, payload);
    if (type === 'error') throw anthropicStreamError(options.provider, payload);
    const handler = type === undefined ? undefined : handlers.get(type);
    if (!handler) continue;
    yield* handler(state, payload);
    if (state.finished) return;
  }
  throw new GatewayError('upstream_bad_response', `Provider '${options.provider}' stream ended before message_stop.`, {
    provider: options.provider,
  });
}

/** The data's own `type` names the event (it repeats the `event:` line); the line is the fallback. */
function eventType(event: SseEvent, payload: unknown): string | undefined {
  if (event.event === 'error') return 'error';
  const type = (payload as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : event.event;
}

const messageStart: EventHandler = (state, payload) => {
  const { message } = parseUpstream(state.provider, messageStartEventSchema, payload, 'message_start event');
  updateAnthropicUsage(state.usage, message.usage);
  // message_start's output count is a placeholder; only message_delta's is the answer's.
  if (message.usage && state.reported) state.reported.usage = toNeutralUsage(state.usage);
  if (state.started) return [];
  state.started = true;
  return [{ type: 'start', ...(message.id ? { id: message.id } : {}), ...(message.model ? { model: message.model } : {}) }];
};

const contentBlockStart: EventHandler = (state, payload) => {
  const event = parseUpstream(state.provider, contentBlockStartEventSchema, payload, 'content_block_start event');
  const block = readContentBlock(state.provider, event.content_block);
  switch (block.type) {
    case 'text':
      state.blocks.set(event.index, { kind: 'text' });
      return block.text === '' ? [] : [{ type: 'text-delta', text: block.text }];
    case 'thinking':
      state.blocks.set(event.index, { kind: 'reasoning' });
      return block.thinking === '' ? [] : [{ type: 'reasoning-delta', text: block.thinking }];
    case 'tool_use':
      return startToolBlock(state, event.index, block);
    default:
      state.blocks.set(event.index, { kind: 'ignored' });
      return [];
  }
};

function startToolBlock(state: StreamState, index: number, block: { id: string; name: string; input: unknown }): StreamPart[] {
  // Anthropic always starts with `input: {}`; a proxy that sends the whole input up front still works.
  const initial = isNonEmptyObject(block.input) ? JSON.stringify(block.input) : '';
  if (state.usesJsonTool && block.name === jsonToolName) {
    state.blocks.set(index, { kind: 'json', argumentsSeen: initial !== '' });
    return initial === '' ? [] : [{ type: 'text-delta', text: initial }];
  }
  const toolIndex = state.nextToolIndex++;
  state.blocks.set(index, { kind: 'tool', toolIndex, argumentsSeen: initial !== '' });
  const parts: StreamPart[] = [{ type: 'tool-call-start', index: toolIndex, id: block.id, name: block.name }];
  if (initial !== '') parts.push({ type: 'tool-call-delta', index: toolIndex, argumentsDelta: initial });
  return parts;
}

const contentBlockDelta: EventHandler = (state, payload) => {
  const { index, delta } = parseUpstream(state.provider, contentBlockDeltaEventSchema, payload, 'content_block_delta event');
  const block = state.blocks.get(index);
  if (!block) return [];
  if (delta.type === 'text_delta') return block.kind === 'text' && delta.text ? [{ type: 'text-delta', text: delta.text }] : [];
  if (delta.type === 'thinking_delta') {
    return block.kind === 'reasoning' && delta.thinking ? [{ type: 'reasoning-delta', text: delta.thinking }] : [];
  }
  // The first input_json_delta is usually empty: skip it so clients see only real argument text.
  if (delta.type !== 'input_json_delta' || !delta.partial_json) return [];
  if (block.kind === 'tool') {
    block.argumentsSeen = true;
    return [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: delta.partial_json }];
  }
  if (block.kind === 'json') {
    block.argumentsSeen = true;
    return [{ type: 'text-delta', text: delta.partial_json }];
  }
  // signature_delta, citations_delta and server-tool input have no Chat Completions counterpart.
  return [];
};

/** A tool whose arguments never arrived (a no-argument call streams only `""`) gets `{}`, valid JSON. */
const contentBlockStop: EventHandler = (state, payload) => {
  const { index } = parseUpstream(state.provider, contentBlockStopEventSchema, payload, 'content_block_stop event');
  const block = state.blocks.get(index);
  if (block?.kind === 'tool' && !block.argumentsSeen) {
    return [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: '{}' }];
  }
  if (block?.kind === 'json' && !block.argumentsSeen) return [{ type: 'text-delta', text: '{}' }];
  return [];
};

/** message_delta usage is cumulative: overwrite, never add. */
const messageDelta: EventHandler = (state, payload) => {
  const event = parseUpstream(state.provider, messageDeltaEventSchema, payload, 'message_delta event');
  if (event.delta?.stop_reason) state.stopReason = event.delta.stop_reason;
  updateAnthropicUsage(state.usage, event.usage);
  if (event.usage && state.reported) {
    state.reported.usage = toNeutralUsage(state.usage);
    state.reported.outputFinal = true;
  }
  return [];
};

const messageStop: EventHandler = (state) => {
  state.finished = true;
  const answeredWithJsonTool = state.usesJsonTool && state.nextToolIndex === 0;
  return [
    { type: 'usage', usage: toNeutralUsage(state.usage) },
    { type: 'finish', reason: mapAnthropicStopReason(state.stopReason, answeredWithJsonTool) },
  ];
};

const handlers = new Map<string, EventHandler>([
  ['message_start', messageStart],
  ['content_block_start', contentBlockStart],
  ['content_block_delta', contentBlockDelta],
  ['content_block_stop', contentBlockStop],
  ['message_delta', messageDelta],
  ['message_stop', messageStop],
]);

function isNonEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}
