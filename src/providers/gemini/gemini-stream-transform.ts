// streamGenerateContent?alt=sse events → neutral stream parts. State machine: shared/reference/mapping.md §6
// ("Gemini SSE → OpenAI"); wire format: shared/reference/gemini.md §4. Each chunk carries only new parts,
// function calls arrive whole, usageMetadata holds running totals, and the stream just ends (no terminator).
import type { FinishReason, StreamPart } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type { SseEvent } from '../shared/sse.js';
import type { ReportedUsage } from '../shared/stream-usage.js';
import { parseEventJson } from '../shared/sse.js';
import { geminiStreamError } from './gemini-errors.js';
import { blockedFinishReason, toFinishReason } from './gemini-finish-reason.js';
import { PartialArguments } from './gemini-partial-args.js';
import {
  generateContentResponseSchema,
  parseUpstream,
  type GeminiCandidate,
  type GeminiFunctionCall,
  type GeminiResponse,
  type GeminiResponsePart,
  type GeminiUsageMetadata,
} from './gemini-response-schema.js';
import { toolCallId } from './gemini-tool-call-id.js';
import { toUsage } from './gemini-usage.js';

type OpenCall = { index: number; args: PartialArguments };

/** One candidate = one choice. Tool indices count the calls of that choice, never the part's position in a chunk. */
type ChoiceState = { nextTool: number; sawToolCall: boolean; finish?: FinishReason; open?: OpenCall };

/** `reported` is kept up to date with the running usage, for a stream that breaks off before its end. */
export async function* transformGeminiStream(
  provider: string,
  events: AsyncIterable<SseEvent>,
  reported?: ReportedUsage,
): AsyncGenerator<StreamPart> {
  const stream = new GeminiStreamState(provider, reported);
  for await (const event of events) {
    if (event.data.trim() === '') continue;
    const chunk = parseUpstream(provider, generateContentResponseSchema, parseEventJson(provider, event.data));
    yield* stream.onChunk(chunk);
  }
  yield* stream.onEnd();
}

class GeminiStreamState {
  private started = false;
  private usage: GeminiUsageMetadata | undefined;
  private blockReason: string | undefined;
  private readonly choices = new Map<number, ChoiceState>();

  constructor(
    private readonly provider: string,
    private readonly reported: ReportedUsage | undefined,
  ) {}

  *onChunk(chunk: GeminiResponse): Generator<StreamPart> {
    if (chunk.error) throw geminiStreamError(this.provider, chunk.error);
    if (!this.started) {
      this.started = true;
      yield {
        type: 'start',
        ...(chunk.responseId ? { id: chunk.responseId } : {}),
        ...(chunk.modelVersion ? { model: chunk.modelVersion } : {}),
      };
    }
    // Running totals: the last one seen is the answer's usage.
    if (chunk.usageMetadata) this.usage = chunk.usageMetadata;
    const candidates = chunk.candidates ?? [];
    if (this.reported && chunk.usageMetadata) {
      this.reported.usage = toUsage(chunk.usageMetadata);
      // Running totals: final only on the chunk that finishes the answer.
      this.reported.outputFinal ||= candidates.some((candidate) => Boolean(candidate.finishReason));
    }
    if (candidates.length === 0 && chunk.promptFeedback?.blockReason) this.blockReason = chunk.promptFeedback.blockReason;
    for (const [position, candidate] of candidates.entries()) yield* this.onCandidate(candidate, candidate.index ?? position);
  }

  *onEnd(): Generator<StreamPart> {
    const finished = [...this.choices.entries()].filter(([, state]) => state.finish !== undefined);
    if (finished.length === 0 && this.blockReason === undefined) {
      // No finishReason ever: the connection was cut, not the answer finished.
      throw new GatewayError('upstream_bad_response', `The stream from provider '${this.provider}' ended before it finished.`, {
        provider: this.provider,
      });
    }
    for (const [choice, state] of this.choices) yield* this.closeCall(state, choice);
    yield { type: 'usage', usage: toUsage(this.usage) };
    if (finished.length === 0 && this.blockReason !== undefined) {
      yield { type: 'finish', reason: blockedFinishReason(this.blockReason) };
    }
    for (const [choice, state] of finished.sort(([a], [b]) => a - b)) {
      yield { type: 'finish', reason: state.finish!, ...choiceField(choice) };
    }
  }

  private *onCandidate(candidate: GeminiCandidate, choice: number): Generator<StreamPart> {
    const state = this.choiceState(choice);
    for (const part of candidate.content?.parts ?? []) yield* this.onPart(part, state, choice);
    if (candidate.finishReason) {
      yield* this.closeCall(state, choice);
      state.finish = toFinishReason(candidate.finishReason, state.sawToolCall);
    }
  }

  private *onPart(part: GeminiResponsePart, state: ChoiceState, choice: number): Generator<StreamPart> {
    if (part.functionCall) {
      yield* this.onFunctionCall(part.functionCall, state, choice);
      return;
    }
    if (typeof part.text !== 'string' || part.text === '') return; // the last chunk often has an empty text part
    yield { type: part.thought ? 'reasoning-delta' : 'text-delta', text: part.text, ...choiceField(choice) };
  }

  private *onFunctionCall(call: GeminiFunctionCall, state: ChoiceState, choice: number): Generator<StreamPart> {
    if (!call.name) {
      // A fragment of the open call's arguments (Vertex); without an open call there is nothing to attach it to.
      if (!state.open) return;
      state.open.args.apply(call.partialArgs ?? []);
      if (!call.willContinue) yield* this.closeCall(state, choice);
      return;
    }
    yield* this.closeCall(state, choice);
    const index = state.nextTool++;
    state.sawToolCall = true;
    yield { type: 'tool-call-start', index, id: toolCallId(call.id), name: call.name, ...choiceField(choice) };
    if (call.willContinue) {
      const args = new PartialArguments();
      args.apply(call.partialArgs ?? []);
      state.open = { index, args };
      return;
    }
    // Whole arguments in one delta; a call without arguments may omit `args` entirely.
    yield { type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(call.args ?? {}), ...choiceField(choice) };
  }

  private *closeCall(state: ChoiceState, choice: number): Generator<StreamPart> {
    const open = state.open;
    if (!open) return;
    state.open = undefined;
    yield { type: 'tool-call-delta', index: open.index, argumentsDelta: open.args.toJson(), ...choiceField(choice) };
  }

  private choiceState(choice: number): ChoiceState {
    let state = this.choices.get(choice);
    if (!state) {
      state = { nextTool: 0, sawToolCall: false };
      this.choices.set(choice, state);
    }
    return state;
  }
}

/** `choice` defaults to 0 in StreamPart, so it is only written for the other candidates. */
function choiceField(choice: number): { choice?: number } {
  return choice === 0 ? {} : { choice };
}
