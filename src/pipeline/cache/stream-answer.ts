// A streamed answer and its JSON form, both neutral: the response cache stores a ChatResult whichever way the
// answer came, and replays a hit to a streaming client as StreamParts through the client's surface encoder.
//
// Folding follows the adapters' JSON decoders: text joins into `content` (null when a choice answered only with
// tool calls, OpenAI's shape), reasoning into `reasoning`, tool calls in our index order with their argument
// fragments concatenated. `created` and `refusal` have no stream part, so they do not survive a round trip.
import type { ChatChoice, ChatResult, FinishReason, StreamPart, ToolCall, Usage } from '../../core/chat.js';

/** Deltas of a replayed answer carry at most this many UTF-16 units, so a long hit still streams progressively. */
const maxDeltaLength = 256;

type ChoiceFold = {
  text: string;
  sawText: boolean;
  reasoning: string;
  calls: Map<number, ToolCall>;
  finish: FinishReason | undefined;
};

/**
 * The ChatResult a complete neutral stream amounts to; undefined when it is not a complete answer: no choice,
 * a choice without its finish, a finish with the unified reason 'error', or no usage part.
 */
export function partsToResult(parts: Iterable<StreamPart>): ChatResult | undefined {
  let id: string | undefined;
  let model: string | undefined;
  let usage: Usage | undefined;
  const choices = new Map<number, ChoiceFold>();
  for (const part of parts) {
    switch (part.type) {
      case 'start':
        id ??= part.id;
        model ??= part.model;
        break;
      case 'usage':
        usage = part.usage;
        break;
      default:
        foldPart(choiceFold(choices, part.choice ?? 0), part);
    }
  }
  if (usage === undefined || choices.size === 0) return undefined;
  const folded: ChatChoice[] = [];
  for (const [index, fold] of [...choices.entries()].sort(([a], [b]) => a - b)) {
    if (fold.finish === undefined || fold.finish.unified === 'error') return undefined;
    folded.push(toChoice(index, fold, fold.finish));
  }
  return { ...(id === undefined ? {} : { id }), model: model ?? '', choices: folded, usage };
}

function choiceFold(choices: Map<number, ChoiceFold>, index: number): ChoiceFold {
  let fold = choices.get(index);
  if (!fold) {
    fold = { text: '', sawText: false, reasoning: '', calls: new Map(), finish: undefined };
    choices.set(index, fold);
  }
  return fold;
}

function foldPart(fold: ChoiceFold, part: Exclude<StreamPart, { type: 'start' | 'usage' }>): void {
  switch (part.type) {
    case 'text-delta':
      fold.text += part.text;
      fold.sawText ||= part.text !== '';
      return;
    case 'reasoning-delta':
      fold.reasoning += part.text;
      return;
    case 'tool-call-start':
      if (!fold.calls.has(part.index)) fold.calls.set(part.index, { id: part.id, name: part.name, arguments: '' });
      return;
    case 'tool-call-delta': {
      // A fragment for a call that never started has no name to go with: the adapters never send one.
      const call = fold.calls.get(part.index);
      if (call) call.arguments += part.argumentsDelta;
      return;
    }
    case 'finish':
      fold.finish = part.reason;
  }
}

function toChoice(index: number, fold: ChoiceFold, finish: FinishReason): ChatChoice {
  const toolCalls = [...fold.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  const message: ChatChoice['message'] = { content: !fold.sawText && toolCalls.length > 0 ? null : fold.text };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (fold.reasoning !== '') message.reasoning = fold.reasoning;
  return { index, message, finish };
}

/**
 * The stream a surface encoder replays for a stored answer: start, then per choice its reasoning, its text
 * (in deltas of at most 256 units), each tool call whole (start and one delta), its finish; the usage last.
 */
export function resultToParts(result: ChatResult): StreamPart[] {
  const parts: StreamPart[] = [{ type: 'start', ...(result.id === undefined ? {} : { id: result.id }), model: result.model }];
  for (const choice of result.choices) {
    const at = choice.index === 0 ? {} : { choice: choice.index };
    for (const text of textPieces(choice.message.reasoning ?? '')) parts.push({ type: 'reasoning-delta', text, ...at });
    for (const text of textPieces(choice.message.content ?? '')) parts.push({ type: 'text-delta', text, ...at });
    (choice.message.toolCalls ?? []).forEach((call, index) => {
      parts.push({ type: 'tool-call-start', index, id: call.id, name: call.name, ...at });
      if (call.arguments !== '') parts.push({ type: 'tool-call-delta', index, argumentsDelta: call.arguments, ...at });
    });
    parts.push({ type: 'finish', reason: choice.finish, ...at });
  }
  parts.push({ type: 'usage', usage: result.usage });
  return parts;
}

/** Consecutive pieces of at most `maxDeltaLength` UTF-16 units, never cutting a surrogate pair in two. */
export function textPieces(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + maxDeltaLength, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
