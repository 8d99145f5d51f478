// Usage the gateway counts itself, for the calls whose provider reported none (or only part of it): prompt
// tokens from the request's text, completion tokens from the text the model actually produced, both counted
// with the o200k_base encoding. A reported usage that is complete is returned as it is, without tokenizing,
// so the common case costs nothing here. Anything counted here is marked `estimated`.
import { createRequire } from 'node:module';
import type { ChatRequest, ChatResult, CompletionRequest, ContentPart, EmbedRequest, EmbedResult, Message, Usage } from './chat.js';

// The o200k tables cost about a quarter of a second and tens of MB to load: loaded on the first count, so a
// gateway whose providers always report usage (and that limits no tokens) never pays for them.
type CountTokens = (text: string) => number;
let o200k: CountTokens | undefined;
function countO200k(text: string): number {
  o200k ??= (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountTokens }).countTokens;
  return o200k(text);
}

/** Tokens an image is estimated at (OpenAI's low-detail price; providers bill more for large images). */
export const IMAGE_TOKENS = 85;
/** Framing tokens per chat message (role and separators), as OpenAI counts them. */
export const MESSAGE_TOKENS = 3;
/** Characters tokenized at most per estimate; a longer text is extrapolated from them. */
const TOKENIZE_UP_TO = 64 * 1024;
/** Runs without whitespace longer than this are tokenized in slices: BPE on one long word is quadratic. */
const LONG_RUN = /\S{65,}/g;
const RUN_SLICE = 32;

/** Text in pieces (kept by reference, joined only when counted) plus tokens known without tokenizing. */
export class TokenTally {
  readonly texts: string[] = [];
  fixed = 0;

  /** Prompt pieces are separate texts (a line break between them); streamed deltas are one text cut in pieces (''). */
  constructor(private readonly separator = '\n') {}

  add(text: string | null | undefined): void {
    if (text) this.texts.push(text);
  }

  addJson(value: unknown): void {
    if (value !== undefined && value !== null) this.texts.push(typeof value === 'string' ? value : JSON.stringify(value));
  }

  addTokens(count: number): void {
    this.fixed += count;
  }

  get empty(): boolean {
    return this.fixed === 0 && this.texts.length === 0;
  }

  count(): number {
    if (this.separator === '\n' && promptPiecesCountApart(this.texts)) return this.fixed + countPromptPieces(this.texts);
    return this.fixed + countTextTokens(this.texts.join(this.separator));
  }
}

// Prompts repeat: a system prompt is sent with every call, and each turn of a conversation resends the turns
// before it. The counts of prompt pieces are kept (up to `pieceCacheChars` characters of keys), so a call
// tokenizes only what it is the first to send. The sum is exactly the count of the joined text: o200k's
// pre-tokenizer never lets a token span a line break followed by a character that is not whitespace, so
// `a\nb` counts as `a\n` plus `b` whenever `b` starts with one (promptPiecesCountApart checks).
const pieceCacheChars = 4 * 1024 * 1024;
const piecesWithBreak = new Map<string, number>();
const piecesAtEnd = new Map<string, number>();
let cachedChars = 0;

function promptPiecesCountApart(texts: readonly string[]): boolean {
  let length = texts.length - 1;
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index]!;
    length += text.length;
    if (text === '' || (index > 0 && /\s/.test(text[0]!))) return false;
  }
  return length <= TOKENIZE_UP_TO;
}

function countPromptPieces(texts: readonly string[]): number {
  let total = 0;
  const last = texts.length - 1;
  for (let index = 0; index <= last; index++) {
    const text = texts[index]!;
    const cache = index === last ? piecesAtEnd : piecesWithBreak;
    let count = cache.get(text);
    if (count === undefined) {
      count = countBounded(index === last ? text : `${text}\n`);
      if (text.length <= pieceCacheChars / 64) rememberPiece(cache, text, count);
    }
    total += count;
  }
  return total;
}

function rememberPiece(cache: Map<string, number>, text: string, count: number): void {
  cache.set(text, count);
  cachedChars += text.length;
  // Oldest first: what is still being sent is counted again and comes back.
  while (cachedChars > pieceCacheChars) {
    const map = piecesWithBreak.size >= piecesAtEnd.size ? piecesWithBreak : piecesAtEnd;
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
    cachedChars -= oldest.value.length;
  }
}

/** What the model produced: the answer (text and tool calls) and its reasoning, counted apart. */
export class OutputTally {
  readonly answer = new TokenTally('');
  readonly reasoning = new TokenTally('');

  get empty(): boolean {
    return this.answer.empty && this.reasoning.empty;
  }
}

/** o200k_base tokens of a text, bounded in time whatever the text (see TOKENIZE_UP_TO and LONG_RUN). */
export function countTextTokens(text: string): number {
  if (text === '') return 0;
  if (text.length <= TOKENIZE_UP_TO) return countBounded(text);
  const sample = countBounded(text.slice(0, TOKENIZE_UP_TO));
  return Math.ceil((sample * text.length) / TOKENIZE_UP_TO);
}

function countBounded(text: string): number {
  let total = 0;
  let from = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    total += countO200k(text.slice(from, match.index));
    const run = match[0];
    for (let at = 0; at < run.length; at += RUN_SLICE) total += countO200k(run.slice(at, at + RUN_SLICE));
    from = match.index + run.length;
  }
  return total + (from < text.length ? countO200k(text.slice(from)) : 0);
}

export type UsageEvidence = {
  /** What the provider reported, if anything. */
  reported?: Usage | undefined;
  /** False when the reported output count stopped before the answer ended (a stream cut short, a failure). */
  outputFinal?: boolean;
  /** The prompt's text, built only when an estimate is needed. */
  prompt: () => TokenTally;
  output: OutputTally;
};

/** Whether the reported usage is incomplete: missing, without a prompt count, or without output the model did produce. */
export function needsEstimate(evidence: Omit<UsageEvidence, 'prompt'>): boolean {
  const { reported } = evidence;
  if (reported === undefined || reported.input.total <= 0) return true;
  if (evidence.outputFinal === false) return true;
  return reported.output.total <= 0 && !evidence.output.empty;
}

/**
 * The call's usage: the reported one when complete, otherwise completed (or made up entirely) from the
 * prompt and output text and marked estimated. Reported counts are kept where they are there; a running
 * output count cut short is raised to what the produced text counts, never lowered.
 */
export function settleUsage(evidence: UsageEvidence): Usage {
  const { reported, output } = evidence;
  if (!needsEstimate(evidence)) return reported!;
  const cacheRead = reported?.input.cacheRead ?? 0;
  const cacheWrite = reported?.input.cacheWrite ?? 0;
  const inputReported = reported !== undefined && reported.input.total > 0;
  const inputTotal = inputReported ? reported.input.total : Math.max(evidence.prompt().count(), cacheRead + cacheWrite);
  const outputReported = reported !== undefined && evidence.outputFinal !== false && reported.output.total > 0;
  let outputUsage = reported?.output ?? { total: 0, reasoning: 0 };
  if (!outputReported) {
    const reasoning = Math.max(outputUsage.reasoning, output.reasoning.count());
    const total = Math.max(outputUsage.total, output.answer.count() + reasoning);
    outputUsage = { total, reasoning };
  }
  return { input: { total: inputTotal, cacheRead, cacheWrite }, output: outputUsage, estimated: true };
}

// The neutral forms' text, for the adapters (which know the request and the neutral answer).

export function chatPromptText(request: ChatRequest): TokenTally {
  const tally = new TokenTally();
  for (const message of request.messages) addMessage(tally, message);
  tally.addTokens(MESSAGE_TOKENS);
  if (request.tools?.length) tally.addJson(request.tools);
  if (request.responseFormat?.type === 'json_schema') tally.addJson(request.responseFormat.schema);
  return tally;
}

function addMessage(tally: TokenTally, message: Message): void {
  tally.addTokens(MESSAGE_TOKENS);
  switch (message.role) {
    case 'system':
      tally.add(message.content);
      return;
    case 'user':
      for (const part of message.content) addPart(tally, part);
      return;
    case 'assistant':
      for (const part of message.content) tally.add(part.text);
      for (const call of message.toolCalls ?? []) {
        tally.add(call.name);
        tally.add(call.arguments);
      }
      return;
    case 'tool':
      for (const part of message.content) tally.add(part.text);
  }
}

function addPart(tally: TokenTally, part: ContentPart): void {
  if (part.type === 'text') tally.add(part.text);
  else if (part.type === 'image') tally.addTokens(IMAGE_TOKENS);
  // Audio and files are priced by the provider in ways text cannot stand for; they are left out.
}

export function completionPromptText(request: CompletionRequest): TokenTally {
  const tally = new TokenTally();
  for (const prompt of request.prompt) tally.add(prompt);
  return tally;
}

/** Embedding input: texts, or token-id arrays (one token an entry). */
export function embedPromptText(input: EmbedRequest['input']): TokenTally {
  const tally = new TokenTally();
  for (const entry of input) {
    if (typeof entry === 'string') tally.add(entry);
    else if (Array.isArray(entry)) tally.addTokens(entry.length);
  }
  return tally;
}

export function chatResultOutput(result: ChatResult): OutputTally {
  const output = new OutputTally();
  for (const { message } of result.choices) {
    output.answer.add(message.content);
    output.answer.add(message.refusal);
    output.reasoning.add(message.reasoning);
    for (const call of message.toolCalls ?? []) {
      output.answer.add(call.name);
      output.answer.add(call.arguments);
    }
  }
  return output;
}

/** A chat answer's usage, settled against its own text when the provider's report is incomplete. */
export function settleResultUsage(result: ChatResult, prompt: () => TokenTally): ChatResult {
  const output = chatResultOutput(result);
  if (!needsEstimate({ reported: result.usage, output })) return result;
  return { ...result, usage: settleUsage({ reported: result.usage, prompt, output }) };
}

/** Embedding input tokens: the reported count, else the input's own, marked estimated. */
export function settleEmbedUsage(reported: number | undefined, input: EmbedRequest['input']): EmbedResult['usage'] {
  if (reported !== undefined && reported > 0) return { input: reported };
  return { input: embedPromptText(input).count(), estimated: true };
}

/** The neutral usage of an embeddings call (no output tokens). */
export function embedUsage(result: EmbedResult): Usage {
  const usage: Usage = { input: { total: result.usage.input, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } };
  if (result.usage.estimated) usage.estimated = true;
  return usage;
}
