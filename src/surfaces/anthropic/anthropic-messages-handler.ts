// POST /v1/messages on the main host: an Anthropic Messages request answered by any catalogue model. The request
// is decoded to the neutral form, the model's adapter called, and the answer encoded back as Anthropic JSON or SSE.
import type { ChatRequest, StreamPart, ToolCall, Usage } from '../../core/chat.js';
import { GatewayError, toGatewayError } from '../../core/errors.js';
import { parseJsonObject, readBody } from '../../http/body.js';
import type { Exchange } from '../../http/server.js';
import { startEventStream, writeEvent } from '../../http/sse.js';
import type { CallMeter } from '../../pipeline/call-meter.js';
import { runModelCall, sameDialectConnection, upstream, type ModelCall, type ModelCallDeps } from '../../pipeline/model-call.js';
import { primeStream } from '../../pipeline/stream-prime.js';
import { relayToProvider } from '../../pipeline/provider-relay.js';
import { failStream, finishJson, finishStream } from '../../pipeline/stream-end.js';
import { usageTrailerNames } from '../../pipeline/usage-headers.js';
import { decodeMessagesRequest, wantsThinking } from './anthropic-decode.js';
import { encodeMessage, messageId, type MessageIdentity } from './anthropic-encode.js';
import { anthropicStreamErrorEvent } from './anthropic-errors.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';
import { validateMessagesRequest } from './anthropic-validation.js';
import { cachedChat, replayedParts, sendRawAnswer } from '../../pipeline/cache/cache-hit.js';
import type { CacheSpec } from '../../pipeline/cache/response-caching.js';

export async function handleMessages(deps: ModelCallDeps, exchange: Exchange): Promise<void> {
  exchange.response.setHeader('request-id', exchange.requestId);
  const raw = await readBody(exchange.request, deps.bodyLimit);
  const json = parseJsonObject(raw, exchange.request.headers['content-type']).value;
  const body = validateMessagesRequest(json);
  const stream = body.stream === true;
  const cache = messagesCache(exchange, body, stream);
  await runModelCall(deps, exchange, { model: body.model, capability: 'chat', endpoint: 'chat', stream, body, cache }, (call) =>
    serveMessages(deps, exchange, call, json, body, stream),
  );
}

/** How a message is answered from the response cache: the stored JSON, or encoded anew (JSON or events). */
function messagesCache(exchange: Exchange, body: ReturnType<typeof validateMessagesRequest>, stream: boolean): CacheSpec {
  return {
    endpoint: 'anthropic.messages',
    raw: { dialect: 'anthropic', kind: 'chat' },
    async replay(answer, meter) {
      if (sendRawAnswer(exchange, meter, answer, 'anthropic.messages', stream)) return;
      const result = cachedChat(answer);
      const identity: MessageIdentity = { id: messageId(exchange.requestId), model: body.model };
      const options = { stopSequences: body.stop_sequences, thinking: wantsThinking(body) };
      if (!stream) return finishJson(exchange.response, meter, result.usage, encodeMessage(result, identity, { ...options, onInvalidToolInput: () => undefined }));
      await relayParts(exchange, meter, replayedParts(result), new AnthropicStreamEncoder(identity, options));
    },
  };
}

async function serveMessages(
  deps: ModelCallDeps,
  exchange: Exchange,
  call: ModelCall,
  json: Record<string, unknown>,
  body: ReturnType<typeof validateMessagesRequest>,
  stream: boolean,
): Promise<void> {
  const { entry } = call.route;
  const native = sameDialectConnection(deps, call, 'anthropic');
  if (native !== undefined) {
    // A Claude model: the request goes as the client wrote it (cache control, thinking, server tools kept).
    return relayToProvider(exchange, {
      connection: native,
      method: 'POST',
      path: '/v1/messages',
      body: Buffer.from(JSON.stringify({ ...json, model: entry.upstreamId })),
      meter: call.meter,
      apiKey: call.context.apiKey,
      byok: call.credential === 'byok',
      attempt: { signal: call.context.signal, fallible: !call.last },
      streamError: (error) => anthropicStreamErrorEvent(error, exchange.requestId),
      cache: call.cache,
    });
  }
  const request = decodeMessagesRequest(body, {
    upstreamModel: entry.upstreamId,
    provider: entry.provider,
    capabilities: entry.capabilities,
  });
  // The model as the client named it, as Anthropic echoes the alias it was asked for.
  const identity: MessageIdentity = { id: messageId(exchange.requestId), model: body.model };
  const thinking = wantsThinking(body);
  if (stream) {
    const encoder = new AnthropicStreamEncoder(identity, { stopSequences: request.stop, thinking });
    return serveStream(exchange, call, request, encoder);
  }
  const onInvalidToolInput = (toolCall: ToolCall) =>
    deps.meter.logger.warn(
      { requestId: exchange.requestId, provider: entry.provider, tool: toolCall.name, toolCallId: toolCall.id },
      'tool call arguments are not a JSON object; sent to the client as {}',
    );
  const result = await upstream(call, call.route.adapter.chat(request, call.context));
  const message = encodeMessage(result, identity, { stopSequences: request.stop, thinking, onInvalidToolInput });
  await finishJson(exchange.response, call.meter, result.usage, message);
}

async function serveStream(exchange: Exchange, call: ModelCall, request: ChatRequest, encoder: AnthropicStreamEncoder): Promise<void> {
  // Before this resolves nothing has been sent: a failure is still a plain error response.
  const parts = await upstream(call, call.route.adapter.streamChat(request, call.context));
  await relayParts(exchange, call.meter, parts, encoder);
}

/** Streams neutral parts as Anthropic events; a failure after the first byte ends the stream with `event: error`. */
async function relayParts(
  exchange: Exchange,
  meter: CallMeter,
  parts: AsyncIterable<StreamPart>,
  encoder: AnthropicStreamEncoder,
): Promise<void> {
  const { response } = exchange;
  const primed = await primeStream(parts, meter);
  startEventStream(response, {}, usageTrailerNames);
  try {
    for await (const part of primed) {
      const token = part.type === 'text-delta' || part.type === 'tool-call-start' || part.type === 'reasoning-delta';
      if (token) meter.markFirstToken();
      if (!(await writeEvent(response, encoder.encode(part)))) break;
    }
  } catch (error) {
    return endWithError(exchange, meter, toGatewayError(error), encoder.finalUsage);
  }
  await finishStream(exchange, meter, encoder.finalUsage, () => encoder.end());
}

function endWithError(exchange: Exchange, meter: CallMeter, error: GatewayError, usage: Usage | undefined): void {
  // The dialect's terminal error event; never message_delta or message_stop after a broken upstream.
  failStream(exchange, meter, error, usage, anthropicStreamErrorEvent(error, exchange.requestId));
}
