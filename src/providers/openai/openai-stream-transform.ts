// `chat.completion.chunk` / `text_completion` stream chunks → neutral StreamParts (openai.md §5).
// Tool calls are accumulated by `index`, not arrival order; `id` and `name` come once, on a call's first delta.
import type { StreamPart, Usage } from '../../core/chat.js';
import type { CompatiblePreset } from '../compatible/presets.js';
import { noReportedUsage, type ReportedUsage } from '../shared/stream-usage.js';
import { syntheticToolCallId, type ResponseFlavour } from './openai-chat-response.js';
import { mapFinishReason, usageOfChunk } from './openai-usage.js';
import { argumentsOf, isRecord, reasoningOf, recordOf, splitContent, stringOf, type JsonRecord } from './openai-wire.js';

type ToolCallState = {
  /** Our index: the position of the call in this choice's message. */
  index: number;
  id: string | undefined;
  name: string | undefined;
  started: boolean;
  /** Argument text that arrived before the call's name (some servers send it late). */
  pendingArguments: string;
};

type ChoiceState = {
  finished: boolean;
  byUpstreamIndex: Map<number, ToolCallState>;
  calls: number;
  last: ToolCallState | undefined;
};

export class OpenAIStreamTransform {
  private started = false;
  private usage: Usage | undefined;
  private readonly choices = new Map<number, ChoiceState>();

  constructor(
    private readonly flavour: ResponseFlavour,
    private readonly preset: CompatiblePreset | undefined,
    /** Where the usage seen so far is kept, for a stream that breaks off before [DONE]. */
    readonly reported: ReportedUsage = noReportedUsage(),
  ) {}

  /** The parts one parsed chunk produces. */
  chunk(chunk: JsonRecord): StreamPart[] {
    const parts: StreamPart[] = [];
    this.read(chunk, parts);
    // Azure's first chunk (prompt filter results) has an empty id and model: start at the first real one.
    if (!this.started && (stringOf(chunk.id) || parts.length > 0)) {
      this.started = true;
      parts.unshift(startPart(chunk));
    }
    return parts;
  }

  /** The parts due at `[DONE]`: a finish for any choice the upstream left open, then the usage. */
  end(): StreamPart[] {
    const parts: StreamPart[] = this.started ? [] : [{ type: 'start' }];
    for (const [choice, state] of this.choices) {
      if (!state.finished) parts.push(withChoice({ type: 'finish', reason: { unified: 'other', raw: null } }, choice));
    }
    if (this.usage) parts.push({ type: 'usage', usage: this.usage });
    return parts;
  }

  private read(chunk: JsonRecord, parts: StreamPart[]): void {
    // Usage may repeat (Perplexity sends it on every chunk, OpenAI `usage:null` on each): keep the latest.
    const usage = usageOfChunk(chunk, this.preset);
    if (usage) {
      this.usage = usage;
      this.reported.usage = usage;
      // The usage-only chunk, or usage on a finish chunk (Groq, Mistral): the final count.
      this.reported.outputFinal = !Array.isArray(chunk.choices) || chunk.choices.length === 0 || chunk.choices.some(isFinishing);
    }
    if (!Array.isArray(chunk.choices)) return;
    for (const raw of chunk.choices) {
      if (!isRecord(raw)) continue;
      const choice = typeof raw.index === 'number' ? raw.index : 0;
      const state = this.choiceState(choice);
      if (this.flavour === 'chat') this.delta(recordOf(raw.delta), choice, state, parts);
      else pushText(parts, 'text-delta', stringOf(raw.text) ?? '', choice);
      if (raw.finish_reason !== null && raw.finish_reason !== undefined) {
        state.finished = true;
        parts.push(withChoice({ type: 'finish', reason: mapFinishReason(raw.finish_reason, this.preset) }, choice));
      }
    }
  }

  private choiceState(choice: number): ChoiceState {
    let state = this.choices.get(choice);
    if (!state) {
      state = { finished: false, byUpstreamIndex: new Map(), calls: 0, last: undefined };
      this.choices.set(choice, state);
    }
    return state;
  }

  private delta(delta: JsonRecord | undefined, choice: number, state: ChoiceState, parts: StreamPart[]): void {
    if (!delta) return;
    const content = splitContent(delta.content);
    pushText(parts, 'reasoning-delta', reasoningOf(delta, this.preset) || content.reasoning, choice);
    pushText(parts, 'text-delta', content.text, choice);
    if (!Array.isArray(delta.tool_calls)) return;
    for (const call of delta.tool_calls) {
      if (isRecord(call)) this.toolCallDelta(call, choice, state, parts);
    }
  }

  private toolCallDelta(raw: JsonRecord, choice: number, state: ChoiceState, parts: StreamPart[]): void {
    const fn = recordOf(raw.function);
    const id = stringOf(raw.id) || undefined;
    const name = stringOf(fn?.name) || undefined;
    const call = this.callFor(raw.index, id, state);
    call.id ??= id;
    call.name ??= name;
    call.pendingArguments += argumentsOf(fn?.arguments);
    if (!call.started && call.name) {
      call.started = true;
      const start = { type: 'tool-call-start', index: call.index, id: call.id ?? syntheticToolCallId(), name: call.name } as const;
      parts.push(withChoice(start, choice));
    }
    if (call.started && call.pendingArguments !== '') {
      parts.push(withChoice({ type: 'tool-call-delta', index: call.index, argumentsDelta: call.pendingArguments }, choice));
      call.pendingArguments = '';
    }
  }

  private callFor(upstreamIndex: unknown, id: string | undefined, state: ChoiceState): ToolCallState {
    let call: ToolCallState | undefined;
    if (typeof upstreamIndex === 'number') {
      call = state.byUpstreamIndex.get(upstreamIndex);
      // A different id at a known index is a new call (some servers number every call 0).
      if (call && id && call.id && id !== call.id) call = undefined;
      if (!call) {
        call = newCall(state);
        state.byUpstreamIndex.set(upstreamIndex, call);
      }
    } else {
      // No index (Mistral sends whole calls without one): an id opens a call, a bare fragment continues the last.
      call = id || !state.last ? newCall(state) : state.last;
    }
    state.last = call;
    return call;
  }
}

const isFinishing = (choice: unknown): boolean =>
  isRecord(choice) && choice.finish_reason !== null && choice.finish_reason !== undefined;

function newCall(state: ChoiceState): ToolCallState {
  const call = { index: state.calls, id: undefined, name: undefined, started: false, pendingArguments: '' };
  state.calls += 1;
  return call;
}

function startPart(chunk: JsonRecord): StreamPart {
  const part: { type: 'start'; id?: string; model?: string } = { type: 'start' };
  const id = stringOf(chunk.id);
  const model = stringOf(chunk.model);
  if (id) part.id = id;
  if (model) part.model = model;
  return part;
}

function pushText(parts: StreamPart[], type: 'text-delta' | 'reasoning-delta', text: string, choice: number): void {
  if (text !== '') parts.push(withChoice({ type, text }, choice));
}

/** `choice` defaults to 0 in StreamPart; it is only written for the other choices of an `n > 1` answer. */
function withChoice<T extends StreamPart>(part: T, choice: number): T {
  return choice === 0 ? part : { ...part, choice };
}
