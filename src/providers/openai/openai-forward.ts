// The same-dialect fast path: the client's body goes upstream as sent, the upstream's bytes come back unchanged,
// tapped only to meter. Streams always ask the upstream for usage; when the client did not ask for it, the
// usage-only chunk (`"choices":[]` with `usage`, openai.md §5) is cut from the relayed bytes. An upstream that
// reports no usage anyway (a server ignoring `include_usage`, a stream cut short) is metered from an estimate.
import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { Usage } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { OutputTally, settleUsage, type TokenTally } from '../../core/usage-estimate.js';
import type { CompatiblePreset } from '../compatible/presets.js';
import { headerValue, networkError, type UpstreamResponse } from '../shared/http.js';
import { requestPromptText } from '../shared/request-text.js';
import type { CallContext, ForwardedResponse, ForwardRequest } from '../spec.js';
import { streamEventError } from './openai-errors.js';
import { postUpstream, rejectJsonStream, releaseOnReturn, type OpenAIConnection } from './openai-http.js';
import { convertUsage, usageOfChunk } from './openai-usage.js';
import { addOpenAIOutput } from './openai-usage-estimate.js';
import { isRecord, type JsonRecord } from './openai-wire.js';

export async function forwardRequest(
  connection: OpenAIConnection,
  preset: CompatiblePreset | undefined,
  request: ForwardRequest,
  context: CallContext,
): Promise<ForwardedResponse> {
  const accept = request.stream ? 'sse' : 'json';
  const response = await postUpstream(connection, request.path, forwardBody(request, preset), context, accept);
  const prompt = () => requestPromptText(request.body);
  if (!request.stream) {
    const body = await readBuffer(connection.provider, response, context.signal);
    return {
      kind: 'json',
      status: response.status,
      contentType: headerValue(response.headers, 'content-type') ?? 'application/json',
      body,
      usage: usageOfJsonBody(body, preset, prompt),
    };
  }
  await rejectJsonStream(connection, response, context.signal);
  const tap = new ForwardStreamTap(connection.provider, preset, !request.includeUsage, prompt);
  return {
    kind: 'stream',
    status: response.status,
    contentType: headerValue(response.headers, 'content-type') ?? 'text/event-stream',
    body: releaseOnReturn(tap.relay(response.body, context.signal), response.body),
    usage: () => tap.finalUsage(),
  };
}

/**
 * The client's bytes verbatim, unless usage has to be asked for on its behalf (then the parsed body, amended).
 * Not for presets whose provider does not document `stream_options` (they stream usage unasked).
 */
export function forwardBody(request: ForwardRequest, preset?: CompatiblePreset): string {
  if (request.stream && !request.includeUsage && preset?.streamUsageOption !== false) {
    const options = isRecord(request.body.stream_options) ? request.body.stream_options : {};
    return JSON.stringify({ ...request.body, stream_options: { ...options, include_usage: true } });
  }
  return request.bodyText ?? JSON.stringify(request.body);
}

async function readBuffer(provider: string, response: UpstreamResponse, signal: AbortSignal): Promise<Buffer> {
  try {
    // undici's own consumer: measurably cheaper than an async iterator over the body stream.
    return Buffer.from(await response.body.arrayBuffer());
  } catch (error) {
    throw networkError(provider, error, signal);
  }
}

function usageOfJsonBody(body: Buffer, preset: CompatiblePreset | undefined, prompt: () => TokenTally): Usage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    // The bytes go to the client unchanged either way; an unreadable body is metered from the prompt alone.
  }
  const reported = isRecord(parsed) ? convertUsage(parsed.usage, preset) : undefined;
  // The common case: a full report; the answer's text is not read.
  if (reported && reported.input.total > 0 && reported.output.total > 0) return reported;
  const output = new OutputTally();
  if (isRecord(parsed)) addOpenAIOutput(output, parsed, preset);
  return settleUsage({ reported, prompt, output });
}

class ForwardStreamTap {
  usage: Usage | undefined;
  /** Every relayed event, kept by reference: read again only when the upstream reported no usage. */
  private readonly events: Buffer[] = [];
  private settled: Usage | undefined;
  /** The usage came in the usage-only chunk or on a finish chunk: the answer's final count. */
  private usageFinal = false;
  private done = false;
  private error: GatewayError | undefined;
  /** Set by `inspect` when the event just parsed is the usage-only chunk. */
  private usageOnly = false;
  /** Set by `inspect` when an event's data is neither [DONE] nor shaped like a JSON object. */
  private malformed = false;
  private readonly parser: EventSourceParser;

  constructor(
    private readonly provider: string,
    private readonly preset: CompatiblePreset | undefined,
    private readonly stripUsageChunk: boolean,
    private readonly prompt: () => TokenTally,
  ) {
    this.parser = createParser({ onEvent: (event) => this.inspect(event.data) });
  }

  /** The usage once the relay has ended (normally, broken or abandoned): the reported one, else an estimate. */
  finalUsage(): Usage {
    if (this.settled) return this.settled;
    const reported = this.usage;
    // The common case: a full report at the end of a finished stream; no text is read again.
    const outputFinal = this.done || this.usageFinal;
    if (reported && outputFinal && reported.input.total > 0 && reported.output.total > 0) return reported;
    this.settled = settleUsage({ reported, outputFinal, prompt: this.prompt, output: this.producedText() });
    return this.settled;
  }

  private producedText(): OutputTally {
    const output = new OutputTally();
    const parser = createParser({
      onEvent: (event) => {
        if (event.data === '[DONE]') return;
        try {
          const payload: unknown = JSON.parse(event.data);
          if (isRecord(payload)) addOpenAIOutput(output, payload, this.preset);
        } catch {
          // A malformed event carried no countable text.
        }
      },
    });
    for (const event of this.events) parser.feed(event.toString('utf8'));
    parser.feed('\n\n');
    return output;
  }

  async *relay(body: AsyncIterable<unknown>, signal: AbortSignal): AsyncGenerator<Buffer> {
    try {
      yield* this.relayByEvent(body);
    } catch (error) {
      throw networkError(this.provider, error, signal);
    }
    if (!this.done) {
      throw this.error ?? new GatewayError('upstream_bad_response', `Provider '${this.provider}' ended the stream before [DONE].`, {
        provider: this.provider,
      });
    }
  }

  /**
   * Bytes are relayed one whole event at a time, as each completes: so the usage-only chunk can be left out when
   * the client did not ask for it, and a malformed event is caught before it reaches the client.
   */
  private async *relayByEvent(body: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    let pending: Buffer = Buffer.alloc(0);
    for await (const chunk of body) {
      pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
      const kept: Buffer[] = [];
      let start = 0;
      for (let end = eventEnd(pending, start); end !== -1; end = eventEnd(pending, start)) {
        const event = pending.subarray(start, end);
        // Whole events end on a line break, so no UTF-8 sequence is split here.
        this.usageOnly = false;
        this.parser.feed(event.toString('utf8'));
        if (this.malformed) {
          if (kept.length > 0) yield Buffer.concat(kept);
          throw new GatewayError('upstream_bad_response', `Provider '${this.provider}' sent a malformed stream event.`, {
            provider: this.provider,
          });
        }
        if (!(this.usageOnly && this.stripUsageChunk)) kept.push(event);
        this.events.push(event);
        start = end;
      }
      pending = pending.subarray(start);
      if (kept.length > 0) yield kept.length === 1 ? kept[0]! : Buffer.concat(kept);
    }
    if (pending.length > 0) {
      // A last event without its blank line: relayed as it came.
      this.parser.feed(pending.toString('utf8'));
      this.events.push(pending);
      yield pending;
    }
    this.parser.feed('\n\n');
  }

  private inspect(data: string): void {
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    if (!looksLikeJsonObject(data)) {
      this.malformed = true;
      return;
    }
    if (!mayCarryUsage(data) && !data.includes('"error"')) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return; // relayed unchanged; the client's SDK reports it
    }
    if (!isRecord(payload)) return;
    if (payload.error !== undefined && payload.error !== null) this.error = streamEventError(this.provider, payload);
    const usage = usageOfChunk(payload, this.preset);
    if (!usage) return;
    this.usage = usage;
    this.usageOnly = isUsageOnlyChunk(payload);
    this.usageFinal = this.usageOnly || (Array.isArray(payload.choices) && payload.choices.some(isFinishing));
  }
}

/** A cheap shape check (first and last non-space characters); full parsing is kept for events that carry usage. */
function looksLikeJsonObject(data: string): boolean {
  let start = 0;
  let end = data.length - 1;
  while (start <= end && isJsonSpace(data.charCodeAt(start))) start += 1;
  while (end >= start && isJsonSpace(data.charCodeAt(end))) end -= 1;
  return data.charCodeAt(start) === 0x7b && data.charCodeAt(end) === 0x7d;
}

const isUsageOnlyChunk = (payload: JsonRecord): boolean => Array.isArray(payload.choices) && payload.choices.length === 0;

const isFinishing = (choice: unknown): boolean => isRecord(choice) && choice.finish_reason !== null && choice.finish_reason !== undefined;

/**
 * Whether an event's JSON has a `"usage"` key holding an object. OpenAI repeats `"usage":null` on every chunk
 * once usage is asked for, so a bare `"usage"` test would parse them all.
 */
export function mayCarryUsage(data: string): boolean {
  for (let at = data.indexOf('"usage"'); at !== -1; at = data.indexOf('"usage"', at + 7)) {
    let i = at + 7;
    while (isJsonSpace(data.charCodeAt(i))) i += 1;
    if (data.charCodeAt(i) !== 0x3a) continue; // ':'
    i += 1;
    while (isJsonSpace(data.charCodeAt(i))) i += 1;
    if (data.charCodeAt(i) === 0x7b) return true; // '{'
  }
  return false;
}

const isJsonSpace = (code: number): boolean => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/**
 * The offset just past the blank line that ends the first event at or after `from`, or -1 if none is complete.
 * Lines end with CRLF, LF or CR (SSE spec); a CR as the last byte may be half of a CRLF, so it waits.
 */
export function eventEnd(buffer: Buffer, from: number): number {
  let lineStart = true;
  let i = from;
  while (i < buffer.length) {
    const byte = buffer[i]!;
    if (byte !== 0x0a && byte !== 0x0d) {
      lineStart = false;
      i += 1;
      continue;
    }
    if (byte === 0x0d && i + 1 === buffer.length) return -1;
    const length = byte === 0x0d && buffer[i + 1] === 0x0a ? 2 : 1;
    if (lineStart) return i + length;
    lineStart = true;
    i += length;
  }
  return -1;
}
