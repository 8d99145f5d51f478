// The dialect-neutral part of a simulated answer: what to say, which tools to call, why it stopped, and the
// token counts. Each dialect module extracts a TurnInput from its request and renders the PlannedAnswer.
import { parseDirectives, stripDirectives, type Directives } from './directives.js';
import { exampleFromSchema } from './schema-example.js';

export type ToolSpec = { name: string; schema: unknown };
export type ToolMode = 'auto' | 'none' | 'required' | { name: string };

export type TurnInput = {
  model: string;
  /** The text of the last user message that has text (directives included). */
  userText: string;
  /** Images attached to that message. */
  imageCount: number;
  /** Set when the conversation ends with tool results: their text, in order. */
  toolResults: string[] | undefined;
  /** The conversation ends with a user message (tools are only called then). */
  endsWithUser: boolean;
  tools: ToolSpec[];
  toolMode: ToolMode;
  parallelAllowed: boolean;
  /** Characters of all prompt text: system, messages, tool definitions and calls. */
  promptChars: number;
  promptImages: number;
  /** JSON mode; `schema` undefined means "any JSON object". */
  json: { schema: unknown } | undefined;
  stop: string[];
  maxTokens: number | undefined;
  /** The request asked for visible reasoning (Anthropic thinking, Gemini includeThoughts). */
  thinking: boolean;
};

export type PlannedToolCall = { name: string; arguments: Record<string, unknown>; argumentsJson: string };

export type AnswerFinish = 'stop' | 'length' | 'stop_sequence' | 'tool_calls';

/**
 * Token counts of one choice. `promptTokens` counts the visible prompt only; `cacheRead`/`cacheWrite` are a
 * virtual cached prefix on top of it (each dialect adds them up its own way). `outputTokens` is visible output only.
 */
export type AnswerUsage = {
  promptTokens: number;
  cacheRead: number;
  cacheWrite: number;
  outputTokens: number;
  reasoningTokens: number;
};

export type PlannedAnswer = {
  text: string;
  toolCalls: PlannedToolCall[];
  finish: AnswerFinish;
  stopSequence: string | undefined;
  usage: AnswerUsage;
  directives: Directives | undefined;
};

/** Tokens are counted as ceil(characters / 4); an image counts 85 tokens (OpenAI's low-detail price). */
export const IMAGE_TOKENS = 85;
export const DEFAULT_REASONING_TOKENS = 32;
export const REASONING_TEXT = 'Simulated reasoning.';
const USER_TEXT_PREVIEW = 60;
const MAX_PARALLEL_CALLS = 3;

export function countTokens(characters: number): number {
  return Math.ceil(characters / 4);
}

export function promptTokens(turn: Pick<TurnInput, 'promptChars' | 'promptImages'>): number {
  return countTokens(turn.promptChars) + turn.promptImages * IMAGE_TOKENS;
}

export function isReasoningModel(model: string): boolean {
  return model.includes('reason') || model.startsWith('o1') || model.startsWith('o3') || model.startsWith('o4');
}

export function planAnswer(turn: TurnInput, reply: string | undefined): PlannedAnswer {
  const directives = parseDirectives(turn.userText);
  const defaultReasoning = isReasoningModel(turn.model) || turn.thinking ? DEFAULT_REASONING_TOKENS : 0;
  const usage: AnswerUsage = {
    promptTokens: promptTokens(turn),
    cacheRead: directives?.cached ?? 0,
    cacheWrite: directives?.cacheWrite ?? 0,
    outputTokens: 0,
    reasoningTokens: directives?.reasoning ?? defaultReasoning,
  };
  const toolCalls = chooseToolCalls(turn, directives);
  if (toolCalls.length > 0) {
    const characters = toolCalls.reduce((sum, call) => sum + call.name.length + call.argumentsJson.length, 0);
    usage.outputTokens = countTokens(characters);
    return { text: '', toolCalls, finish: 'tool_calls', stopSequence: undefined, usage, directives };
  }
  return limitText(answerText(turn, reply), turn, usage, directives);
}

function answerText(turn: TurnInput, reply: string | undefined): string {
  const text = reply ?? defaultText(turn);
  if (turn.json === undefined) return text;
  const value = turn.json.schema === undefined ? { answer: text } : exampleFromSchema(turn.json.schema);
  return JSON.stringify(value);
}

function defaultText(turn: TurnInput): string {
  if (turn.toolResults !== undefined) return `Tool results: ${turn.toolResults.join('; ')}`;
  const asked = stripDirectives(turn.userText).slice(0, USER_TEXT_PREVIEW);
  const images = turn.imageCount === 0 ? '' : ` (${turn.imageCount} image${turn.imageCount === 1 ? '' : 's'})`;
  return asked === '' ? `Simulated answer.${images}` : `Simulated answer to: ${asked}${images}`;
}

/** Applies stop sequences, then the output budget (which reasoning tokens use first, as real providers do). */
function limitText(text: string, turn: TurnInput, usage: AnswerUsage, directives: Directives | undefined): PlannedAnswer {
  let finish: AnswerFinish = 'stop';
  let stopSequence: string | undefined;
  let cut = text;
  let earliest = -1;
  for (const sequence of turn.stop) {
    const index = sequence === '' ? -1 : text.indexOf(sequence);
    if (index !== -1 && (earliest === -1 || index < earliest)) {
      earliest = index;
      stopSequence = sequence;
    }
  }
  if (earliest !== -1) {
    cut = text.slice(0, earliest);
    finish = 'stop_sequence';
  }
  if (turn.maxTokens !== undefined) {
    usage.reasoningTokens = Math.min(usage.reasoningTokens, turn.maxTokens);
    const visibleBudget = turn.maxTokens - usage.reasoningTokens;
    if (countTokens(cut.length) > visibleBudget) {
      cut = cut.slice(0, visibleBudget * 4);
      finish = 'length';
      stopSequence = undefined;
    }
  }
  usage.outputTokens = countTokens(cut.length);
  return { text: cut, toolCalls: [], finish, stopSequence, usage, directives };
}

function chooseToolCalls(turn: TurnInput, directives: Directives | undefined): PlannedToolCall[] {
  if (!turn.endsWithUser || turn.toolResults !== undefined || turn.tools.length === 0 || turn.toolMode === 'none') {
    return [];
  }
  let candidates = turn.tools;
  if (typeof turn.toolMode === 'object') {
    const name = turn.toolMode.name;
    candidates = turn.tools.filter((tool) => tool.name === name);
    if (candidates.length === 0) candidates = [{ name, schema: undefined }];
  }
  const parallel = directives?.parallel === true && turn.parallelAllowed && typeof turn.toolMode !== 'object';
  const chosen = candidates.slice(0, parallel ? MAX_PARALLEL_CALLS : 1);
  return chosen.map((tool) => {
    const value = tool.schema === undefined ? {} : exampleFromSchema(tool.schema);
    const args = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    return { name: tool.name, arguments: args, argumentsJson: JSON.stringify(args) };
  });
}

/** Text pieces for a stream: one per word (each after the first starting with its space), or `chunks` equal parts. */
export function splitText(text: string, chunks: number | undefined): string[] {
  if (text === '') return [];
  if (chunks !== undefined && chunks > 0) return splitEvenly(text, chunks);
  const pieces: string[] = [];
  let start = 0;
  let space = text.indexOf(' ', 1);
  while (space !== -1) {
    pieces.push(text.slice(start, space));
    start = space;
    space = text.indexOf(' ', space + 1);
  }
  pieces.push(text.slice(start));
  return pieces;
}

export function splitEvenly(text: string, parts: number): string[] {
  const count = Math.max(1, Math.min(parts, text.length));
  const size = text.length / count;
  const pieces: string[] = [];
  for (let index = 0; index < count; index += 1) {
    pieces.push(text.slice(Math.round(index * size), Math.round((index + 1) * size)));
  }
  return pieces;
}

/** Tool arguments are streamed as three fragments (fewer when short), like the real APIs' partial JSON. */
export function splitArguments(json: string): string[] {
  return json.length <= 2 ? [json] : splitEvenly(json, 3);
}

/** Remembers the last split so a fixed `reply` (the benchmark's case) is split once. */
export class TextSplitter {
  private lastText: string | undefined;
  private lastPieces: string[] = [];

  constructor(private readonly chunks: number | undefined) {}

  split(text: string): string[] {
    if (text !== this.lastText) {
      this.lastPieces = splitText(text, this.chunks);
      this.lastText = text;
    }
    return this.lastPieces;
  }
}
