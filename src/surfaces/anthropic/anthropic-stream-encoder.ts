// Neutral stream parts → Anthropic Messages SSE (../shared/reference/anthropic.md §5):
// message_start → per block (content_block_start, content_block_delta*, content_block_stop) → message_delta →
// message_stop. Every event has an `event:` line (the SDKs dispatch on it) and repeats its name as `data.type`.
//
// Blocks get consecutive indexes in arrival order (the SDKs append on content_block_start): a text run, a
// reasoning run (only when the client enabled thinking) and each tool call are one block each. Neutral usage
// usually arrives only at the end, so message_start carries zeros and message_delta the final counts (the SDKs
// overwrite message_start's numbers with message_delta's).
import type { FinishReason, StreamPart, Usage } from '../../core/chat.js';
import { encodeStopReason, encodeUsage, type MessageIdentity } from './anthropic-encode.js';

type OpenBlock = { kind: 'text' | 'thinking' | 'tool'; index: number };

export type StreamEncoderOptions = { stopSequences: string[] | undefined; thinking: boolean };

export class AnthropicStreamEncoder {
  private started = false;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  /** Neutral tool-call index → block index. */
  private readonly toolBlocks = new Map<number, number>();
  private usage: Usage | undefined;
  private finish: FinishReason | undefined;

  constructor(
    private readonly identity: MessageIdentity,
    private readonly options: StreamEncoderOptions,
  ) {}

  /** The SSE text for one part ('' when it produces nothing). Parts of other choices than 0 are ignored. */
  encode(part: StreamPart): string {
    if (part.type === 'usage') this.usage = part.usage;
    let text = this.messageStart();
    if ('choice' in part && (part.choice ?? 0) !== 0) return text;
    switch (part.type) {
      case 'text-delta':
        if (part.text === '') return text;
        text += this.ensureBlock('text', '{"type":"text","text":""}');
        return text + this.delta(this.open!.index, `{"type":"text_delta","text":${JSON.stringify(part.text)}}`);
      case 'reasoning-delta':
        if (!this.options.thinking || part.text === '') return text;
        text += this.ensureBlock('thinking', '{"type":"thinking","thinking":"","signature":""}');
        return text + this.delta(this.open!.index, `{"type":"thinking_delta","thinking":${JSON.stringify(part.text)}}`);
      case 'tool-call-start': {
        text += this.closeBlock();
        const index = this.openBlock('tool');
        this.toolBlocks.set(part.index, index);
        const block = JSON.stringify({ type: 'tool_use', id: part.id, name: part.name, input: {} });
        return text + this.blockStart(index, block);
      }
      case 'tool-call-delta': {
        const index = this.toolBlocks.get(part.index);
        if (index === undefined || part.argumentsDelta === '') return text;
        // Providers stream one call's arguments before the next call starts; should a late fragment of an
        // earlier call arrive, it still names that call's index, which is where the SDKs accumulate it.
        return text + this.delta(index, `{"type":"input_json_delta","partial_json":${JSON.stringify(part.argumentsDelta)}}`);
      }
      case 'finish':
        this.finish = part.reason;
        return text;
      default:
        return text;
    }
  }

  /** Closes a stream that ended normally: the open block, message_delta with the stop reason and usage, message_stop. */
  end(): string {
    let text = this.messageStart();
    // A message always has content: an answer with nothing in it is one empty text block, as in the JSON form.
    if (this.nextIndex === 0) text += this.ensureBlock('text', '{"type":"text","text":""}');
    text += this.closeBlock();
    const stop = encodeStopReason(this.finish ?? { unified: 'stop', raw: null }, this.toolBlocks.size > 0, this.options.stopSequences);
    const usage = this.usage ? encodeUsage(this.usage) : { output_tokens: 0 };
    text += event('message_delta', JSON.stringify({ type: 'message_delta', delta: stop, usage }));
    return text + event('message_stop', '{"type":"message_stop"}');
  }

  get finalUsage(): Usage | undefined {
    return this.usage;
  }

  private messageStart(): string {
    if (this.started) return '';
    this.started = true;
    const usage = this.usage
      ? encodeUsage(this.usage)
      : { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const message = {
      id: this.identity.id,
      type: 'message',
      role: 'assistant',
      model: this.identity.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    };
    return event('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  private ensureBlock(kind: 'text' | 'thinking', start: string): string {
    if (this.open?.kind === kind) return '';
    const text = this.closeBlock();
    const index = this.openBlock(kind);
    return text + this.blockStart(index, start);
  }

  private blockStart(index: number, block: string): string {
    return event('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${block}}`);
  }

  private openBlock(kind: OpenBlock['kind']): number {
    const index = this.nextIndex++;
    this.open = { kind, index };
    return index;
  }

  private closeBlock(): string {
    if (!this.open) return '';
    const { index } = this.open;
    this.open = undefined;
    return event('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
  }

  private delta(index: number, delta: string): string {
    return event('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":${delta}}`);
  }
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}
