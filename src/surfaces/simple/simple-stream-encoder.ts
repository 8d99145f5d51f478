// Neutral stream parts → the simple surface's SSE events: `{"delta":{"content":…}}` per text piece, tool calls
// as OpenAI-style `delta.tool_calls` fragments, then `{"delta":{},"finish_reason":…,"usage":…}` and `[DONE]`.
// The finish event is held until the upstream stream has ended: usage often arrives after the finish, and a
// stream that breaks in between must not have announced a finish it never reached.
import type { FinishReason, StreamPart, Usage } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { encodeFinishReason, encodeUsage } from './simple-encode.js';

export class SimpleStreamEncoder {
  private finish: FinishReason | undefined;
  private usage: Usage | undefined;

  /** The SSE text for one part ('' when the part produces nothing). Only the first choice is served. */
  encode(part: StreamPart): string {
    if ('choice' in part && (part.choice ?? 0) !== 0) return '';
    switch (part.type) {
      case 'text-delta':
        return part.text === '' ? '' : event({ delta: { content: part.text } });
      case 'tool-call-start':
        return event({
          delta: { tool_calls: [{ index: part.index, id: part.id, type: 'function', function: { name: part.name, arguments: '' } }] },
        });
      case 'tool-call-delta':
        return part.argumentsDelta === ''
          ? ''
          : event({ delta: { tool_calls: [{ index: part.index, function: { arguments: part.argumentsDelta } }] } });
      case 'usage':
        this.usage = part.usage;
        return '';
      case 'finish':
        this.finish = part.reason;
        return '';
      case 'start':
      case 'reasoning-delta':
        return '';
    }
  }

  /** The closing events of a stream that ended normally; throws when the upstream never said it finished. */
  end(): string {
    if (this.finish === undefined) {
      throw new GatewayError('upstream_bad_response', 'The provider ended the stream without finishing the answer.');
    }
    const last = { delta: {}, finish_reason: encodeFinishReason(this.finish), ...(this.usage ? { usage: encodeUsage(this.usage) } : {}) };
    return `${event(last)}data: [DONE]\n\n`;
  }

  get finalUsage(): Usage | undefined {
    return this.usage;
  }
}

function event(body: unknown): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}
