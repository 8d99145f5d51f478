// Neutral stream parts → OpenAI `chat.completion.chunk` SSE events (openai.md §5, mapping.md §6):
// one id/created/model on every chunk, a role delta first per choice, `type:"function"` and the name on
// each tool call's first delta, a finish chunk per choice, then the usage chunk when asked, then [DONE].
import type { StreamPart, Usage } from '../../core/chat.js';
import { encodeFinishReason, encodeUsage, type ResponseIdentity } from './openai-encode.js';

export type StreamFlavour = 'chat' | 'completion';

export class OpenAIStreamEncoder {
  private readonly prefix: string;
  private readonly started = new Set<number>();
  private usage: Usage | undefined;

  constructor(
    identity: ResponseIdentity,
    private readonly includeUsage: boolean,
    private readonly flavour: StreamFlavour = 'chat',
  ) {
    const object = flavour === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    // Serialised once: every chunk starts the same way.
    this.prefix = `data: {"id":${JSON.stringify(identity.id)},"object":"${object}","created":${identity.created},"model":${JSON.stringify(identity.model)},`;
  }

  /** The SSE text for one part ('' when the part produces nothing yet). */
  encode(part: StreamPart): string {
    switch (part.type) {
      case 'start':
        // The role chunk goes out as soon as the upstream has started: the client's first byte does not
        // wait for the first token.
        return this.flavour === 'chat' ? this.roleChunk(0) : '';
      case 'text-delta':
        if (part.text === '') return '';
        return this.flavour === 'chat'
          ? this.delta(part.choice ?? 0, { content: part.text })
          : this.completionChunk(part.choice ?? 0, part.text, null);
      case 'reasoning-delta':
        return this.flavour === 'chat' ? this.delta(part.choice ?? 0, { reasoning_content: part.text }) : '';
      case 'tool-call-start':
        return this.delta(part.choice ?? 0, {
          tool_calls: [{ index: part.index, id: part.id, type: 'function', function: { name: part.name, arguments: '' } }],
        });
      case 'tool-call-delta':
        if (part.argumentsDelta === '') return '';
        return this.delta(part.choice ?? 0, { tool_calls: [{ index: part.index, function: { arguments: part.argumentsDelta } }] });
      case 'usage':
        this.usage = part.usage;
        return '';
      case 'finish': {
        const choice = part.choice ?? 0;
        const reason = encodeFinishReason(part.reason);
        if (this.flavour === 'completion') return this.completionChunk(choice, '', reason);
        return this.roleChunk(choice) + this.chunk(choice, '{}', reason);
      }
    }
  }

  /** Closes a stream that ended normally: the usage chunk (when the client asked) and [DONE]. */
  end(): string {
    let text = '';
    if (this.includeUsage && this.usage) {
      text += `${this.prefix}"choices":[],"usage":${JSON.stringify(encodeUsage(this.usage))}}\n\n`;
    }
    return `${text}data: [DONE]\n\n`;
  }

  get finalUsage(): Usage | undefined {
    return this.usage;
  }

  private delta(choice: number, delta: Record<string, unknown>): string {
    return this.roleChunk(choice) + this.chunk(choice, JSON.stringify(delta), null);
  }

  private roleChunk(choice: number): string {
    if (this.started.has(choice)) return '';
    this.started.add(choice);
    return this.chunk(choice, '{"role":"assistant","content":""}', null);
  }

  private chunk(choice: number, delta: string, finish: string | null): string {
    const usage = this.includeUsage ? ',"usage":null' : '';
    return `${this.prefix}"choices":[{"index":${choice},"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]${usage}}\n\n`;
  }

  private completionChunk(choice: number, text: string, finish: string | null): string {
    return `${this.prefix}"choices":[{"text":${JSON.stringify(text)},"index":${choice},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
  }
}
