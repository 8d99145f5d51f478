// A provider's answer as relayed byte for byte on a same-dialect fast path → the neutral result the response
// cache stores. Every body is read by its provider's own decoder (JSON) or stream transform (SSE, Gemini's
// streamed JSON array), the stream folded by partsToResult. Anything that is not a complete successful answer
// (an error body, an in-band error event, a stream cut before its end, bytes that do not parse) gives
// undefined: the transforms throw on those, and nothing here lets an error out.
import type { ChatResult, EmbedResult, StreamPart, Usage } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { toChatResult as anthropicResult } from '../../providers/anthropic/anthropic-response.js';
import { transformAnthropicStream } from '../../providers/anthropic/anthropic-stream-transform.js';
import { presets, type CompatiblePreset } from '../../providers/compatible/presets.js';
import { toChatResult as geminiResult } from '../../providers/gemini/gemini-response.js';
import { batchEmbedResponseSchema, parseUpstream } from '../../providers/gemini/gemini-response-schema.js';
import { transformGeminiStream } from '../../providers/gemini/gemini-stream-transform.js';
import { decodeResponse } from '../../providers/openai/openai-chat-response.js';
import { decodeEmbedResponse } from '../../providers/openai/openai-embeddings.js';
import { streamEventError } from '../../providers/openai/openai-errors.js';
import { OpenAIStreamTransform } from '../../providers/openai/openai-stream-transform.js';
import { isRecord } from '../../providers/openai/openai-wire.js';
import { iterateSse, parseEventJson, type SseEvent } from '../../providers/shared/sse.js';
import { partsToResult } from './stream-answer.js';

export type RawAnswer = {
  dialect: 'openai' | 'anthropic' | 'gemini';
  /** chat: chat completions / messages / generateContent; completion: legacy /v1/completions; embeddings: /v1/embeddings or Gemini embedContent. */
  kind: 'chat' | 'completion' | 'embeddings';
  /** The catalogue provider id: names the provider in decoders' errors and picks an OpenAI-compatible preset. */
  provider: string;
  contentType: string | undefined;
  /** The whole answer: JSON, SSE (text/event-stream), or Gemini's streamed JSON array (streamGenerateContent without alt=sse). */
  body: Buffer;
  stream: boolean;
  /**
   * The usage the gateway metered for this answer, used only where the bytes carry none: an OpenAI stream whose
   * usage-only chunk was cut because the client did not ask for it.
   */
  usage?: Usage;
};

export type DecodedAnswer = { kind: 'chat'; result: ChatResult } | { kind: 'embed'; result: EmbedResult };

/** The neutral result of a relayed answer; undefined for anything but a complete successful one. Never rejects. */
export async function decodeRawAnswer(raw: RawAnswer): Promise<DecodedAnswer | undefined> {
  try {
    if (raw.kind === 'embeddings') return embedAnswer(raw);
    const result = await chatAnswer(raw);
    return result !== undefined && isComplete(result) ? { kind: 'chat', result } : undefined;
  } catch {
    // The decoders throw GatewayErrors on error bodies, error events and cut streams: not an answer to keep.
    return undefined;
  }
}

async function chatAnswer(raw: RawAnswer): Promise<ChatResult | undefined> {
  if (raw.kind === 'completion' && raw.dialect !== 'openai') return undefined;
  if (isEventStream(raw)) return foldStream(raw, streamParts(raw, iterateSse(raw.provider, once(raw.body))));
  const json: unknown = JSON.parse(raw.body.toString('utf8'));
  switch (raw.dialect) {
    case 'openai':
      return decodeResponse(json, raw.kind === 'completion' ? 'completion' : 'chat', raw.provider, presetOf(raw.provider));
    case 'anthropic':
      // The client's own request went upstream: the synthetic `json` tool is never in play.
      return anthropicResult(raw.provider, json, { usesJsonTool: false, requestedModel: '' });
    case 'gemini':
      // streamGenerateContent without `alt=sse`: the chunks as one JSON array.
      if (Array.isArray(json)) return foldStream(raw, transformGeminiStream(raw.provider, arrayEvents(json)));
      return geminiResult(raw.provider, json, '');
  }
}

function streamParts(raw: RawAnswer, events: AsyncIterable<SseEvent>): AsyncIterable<StreamPart> {
  switch (raw.dialect) {
    case 'openai':
      return openAIStreamParts(raw, events);
    case 'anthropic':
      return transformAnthropicStream(events, { provider: raw.provider, usesJsonTool: false });
    case 'gemini':
      return transformGeminiStream(raw.provider, events);
  }
}

/** As the OpenAI adapter reads a stream: an error payload or event fails it, and it must reach `[DONE]`. */
async function* openAIStreamParts(raw: RawAnswer, events: AsyncIterable<SseEvent>): AsyncGenerator<StreamPart> {
  const transform = new OpenAIStreamTransform(raw.kind === 'completion' ? 'completion' : 'chat', presetOf(raw.provider));
  for await (const event of events) {
    if (event.data === '[DONE]') {
      yield* transform.end();
      return;
    }
    const payload = parseEventJson(raw.provider, event.data);
    if (!isRecord(payload)) continue;
    if ((payload.error !== undefined && payload.error !== null) || event.event === 'error') {
      throw streamEventError(raw.provider, payload);
    }
    yield* transform.chunk(payload);
  }
  throw new GatewayError('upstream_bad_response', `Provider '${raw.provider}' ended the stream before [DONE].`, {
    provider: raw.provider,
  });
}

async function foldStream(raw: RawAnswer, parts: AsyncIterable<StreamPart>): Promise<ChatResult | undefined> {
  const collected: StreamPart[] = [];
  let usage = false;
  for await (const part of parts) {
    collected.push(part);
    usage ||= part.type === 'usage';
  }
  if (!usage && raw.usage !== undefined) collected.push({ type: 'usage', usage: raw.usage });
  return partsToResult(collected);
}

function embedAnswer(raw: RawAnswer): DecodedAnswer | undefined {
  if (raw.dialect === 'anthropic' || raw.stream) return undefined;
  const json: unknown = JSON.parse(raw.body.toString('utf8'));
  if (raw.dialect === 'openai') return { kind: 'embed', result: decodeEmbedResponse(json, raw.provider) };
  // embedContent answers `{embedding}`, batchEmbedContents `{embeddings: [...]}`; neither names the model.
  const batch = isRecord(json) && isRecord(json.embedding) ? { ...json, embeddings: [json.embedding] } : json;
  const response = parseUpstream(raw.provider, batchEmbedResponseSchema, batch);
  const reported = response.usageMetadata?.promptTokenCount ?? undefined;
  // Without the request's text no estimate can be made here: an unreported count is 0, marked estimated.
  const usage = reported !== undefined && reported > 0 ? { input: reported } : { input: 0, estimated: true };
  return { kind: 'embed', result: { model: '', embeddings: response.embeddings.map((embedding) => embedding.values), usage } };
}

/** At least one choice, none of them ended by an error. */
const isComplete = (result: ChatResult): boolean =>
  result.choices.length > 0 && result.choices.every((choice) => choice.finish.unified !== 'error');

function isEventStream(raw: RawAnswer): boolean {
  if (raw.contentType !== undefined) return raw.contentType.toLowerCase().includes('text/event-stream');
  // Without a content type, a streamed answer is SSE unless it is Gemini's JSON array.
  return raw.stream && !(raw.dialect === 'gemini' && raw.body.toString('utf8').trimStart().startsWith('['));
}

function presetOf(provider: string): CompatiblePreset | undefined {
  return Object.hasOwn(presets, provider) ? (presets as Record<string, CompatiblePreset>)[provider] : undefined;
}

async function* once(body: Buffer): AsyncGenerator<Buffer> {
  yield body;
}

async function* arrayEvents(items: unknown[]): AsyncGenerator<SseEvent> {
  for (const item of items) yield { event: undefined, data: JSON.stringify(item) };
}
