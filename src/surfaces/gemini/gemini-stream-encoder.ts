// Neutral stream parts → streamGenerateContent chunks (gemini.md §4): each chunk a GenerateContentResponse with
// only its new parts; function calls whole (the neutral argument deltas are gathered first); the last chunk
// carries finishReason and usageMetadata. Framed as SSE (`?alt=sse`, `data: …` and a blank line, no
// terminator) or, without it, as one JSON array written an element at a time, as Google does.
import type { FinishReason, StreamPart, Usage } from '../../core/chat.js';
import {
  encodeFinishReason,
  encodeUsageMetadata,
  functionCallPart,
  type GeminiIdentity,
  type GeminiOutputPart,
} from './gemini-encode.js';

export type GeminiStreamFraming = 'sse' | 'json-array';

type PendingCall = { id: string; name: string; arguments: string };
type CandidateState = { calls: Map<number, PendingCall>; finish?: FinishReason; malformed: boolean };

export class GeminiStreamEncoder {
  private readonly tail: string;
  private readonly candidates = new Map<number, CandidateState>();
  private usage: Usage | undefined;
  private elements = 0;

  constructor(
    identity: GeminiIdentity,
    private readonly framing: GeminiStreamFraming,
    private readonly includeThoughts: boolean,
  ) {
    // Serialised once: every chunk ends the same way.
    this.tail = `"modelVersion":${JSON.stringify(identity.modelVersion)},"responseId":${JSON.stringify(identity.responseId)}}`;
  }

  /** The text for one part ('' when the part produces nothing yet). */
  encode(part: StreamPart): string {
    switch (part.type) {
      case 'start':
        return '';
      case 'text-delta': {
        if (part.text === '') return '';
        const choice = part.choice ?? 0;
        // A call before this text is complete by now: it goes out first, keeping the order of the answer.
        return this.chunk([{ choice, parts: [...this.takeCalls(choice), { text: part.text }] }], undefined);
      }
      case 'reasoning-delta':
        if (!this.includeThoughts || part.text === '') return '';
        return this.chunk([{ choice: part.choice ?? 0, parts: [{ text: part.text, thought: true }] }], undefined);
      case 'tool-call-start':
        this.candidate(part.choice ?? 0).calls.set(part.index, { id: part.id, name: part.name, arguments: '' });
        return '';
      case 'tool-call-delta': {
        const call = this.candidate(part.choice ?? 0).calls.get(part.index);
        if (call) call.arguments += part.argumentsDelta;
        return '';
      }
      case 'usage':
        this.usage = part.usage;
        return '';
      case 'finish':
        this.candidate(part.choice ?? 0).finish = part.reason;
        return '';
    }
  }

  /** The last chunk of a stream that ended normally: remaining calls, every finishReason, the usage. */
  end(): string {
    if (this.candidates.size === 0) this.candidate(0);
    const finals = [...this.candidates.keys()]
      .sort((a, b) => a - b)
      .map((choice) => {
        const calls = this.takeCalls(choice);
        return { choice, parts: calls.length > 0 ? calls : [{ text: '' }], finishReason: this.finishReason(choice) };
      });
    const usage = this.usage ? `"usageMetadata":${JSON.stringify(encodeUsageMetadata(this.usage))},` : '';
    return this.chunk(finals, usage) + (this.framing === 'json-array' ? ']' : '');
  }

  /** The terminal error of a stream that broke after its first byte: the SDK raises ApiError on it. */
  error(body: object): string {
    const json = JSON.stringify(body);
    if (this.framing === 'sse') return `data: ${json}\r\n\r\n`;
    return `${this.elements++ === 0 ? '[' : ',\r\n'}${json}]`;
  }

  get finalUsage(): Usage | undefined {
    return this.usage;
  }

  private finishReason(choice: number): string {
    const state = this.candidate(choice);
    if (state.malformed) return 'MALFORMED_FUNCTION_CALL';
    // An adapter's stream that ended without a finish part still ended normally (broken streams throw).
    return encodeFinishReason(state.finish ?? { unified: 'stop', raw: null });
  }

  private takeCalls(choice: number): GeminiOutputPart[] {
    const state = this.candidate(choice);
    const parts: GeminiOutputPart[] = [];
    for (const index of [...state.calls.keys()].sort((a, b) => a - b)) {
      const part = functionCallPart(state.calls.get(index)!);
      if (part) parts.push(part);
      else state.malformed = true;
    }
    state.calls.clear();
    return parts;
  }

  private chunk(candidates: Array<{ choice: number; parts: GeminiOutputPart[]; finishReason?: string }>, usage: string | undefined): string {
    const list = candidates.map(({ choice, parts, finishReason }) => {
      const finish = finishReason === undefined ? '' : `"finishReason":"${finishReason}",`;
      return `{"content":{"parts":${JSON.stringify(parts)},"role":"model"},${finish}"index":${choice}}`;
    });
    const json = `{"candidates":[${list.join(',')}],${usage ?? ''}${this.tail}`;
    if (this.framing === 'sse') return `data: ${json}\r\n\r\n`;
    return `${this.elements++ === 0 ? '[' : ',\r\n'}${json}`;
  }

  private candidate(choice: number): CandidateState {
    let state = this.candidates.get(choice);
    if (!state) {
      state = { calls: new Map(), malformed: false };
      this.candidates.set(choice, state);
    }
    return state;
  }
}
