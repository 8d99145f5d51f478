// The /ai model endpoints. Whatever the provider, they go through the neutral form: decode, call the
// adapter, encode. Chat and generate are metered as `chat`, embeddings as `embeddings`.
import type { ChatChoice, ChatRequest, ChatResult } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { embedUsage } from '../../core/usage-estimate.js';
import type { Exchange } from '../../http/server.js';
import { upstream, type ModelCallDeps } from '../../pipeline/model-call.js';
import { finishJson } from '../../pipeline/stream-end.js';
import { firstChoice, relayParts, runCall, responseId, type SimpleCall } from './simple-call.js';
import { decodeChatRequest, decodeEmbeddingsRequest, decodeGenerateRequest } from './simple-decode.js';
import { encodeChatResult, encodeEmbeddings, encodeGenerateResult } from './simple-encode.js';
import { chatRequestSchema, embeddingsRequestSchema, generateRequestSchema } from './simple-request-schemas.js';
import { SimpleStreamEncoder } from './simple-stream-encoder.js';
import { cachedChat, cachedEmbeddings, replayedParts } from '../../pipeline/cache/cache-hit.js';
import type { CacheSpec } from '../../pipeline/cache/response-caching.js';

export async function handleChat(deps: ModelCallDeps, exchange: Exchange): Promise<void> {
  await runCall(deps, exchange, chatRequestSchema, 'chat', 'chat', (call) => {
    const request = decodeChatRequest(call.body, call.route.entry.upstreamId);
    return serve(exchange, call, request, (result, choice) =>
      encodeChatResult(result, choice, responseId('chat', exchange), call.body.model),
    );
  }, (body) => chatCache(exchange, 'simple.chat', body.stream === true, (result, choice) => encodeChatResult(result, choice, responseId('chat', exchange), body.model)));
}

export async function handleGenerate(deps: ModelCallDeps, exchange: Exchange): Promise<void> {
  await runCall(deps, exchange, generateRequestSchema, 'chat', 'chat', (call) => {
    const request = decodeGenerateRequest(call.body, call.route.entry.upstreamId);
    return serve(exchange, call, request, (result, choice) =>
      encodeGenerateResult(result, choice, responseId('gen', exchange), call.body.model),
    );
  }, (body) => chatCache(exchange, 'simple.generate', body.stream === true, (result, choice) => encodeGenerateResult(result, choice, responseId('gen', exchange), body.model)));
}

export async function handleEmbeddings(deps: ModelCallDeps, exchange: Exchange): Promise<void> {
  await runCall(deps, exchange, embeddingsRequestSchema, 'embeddings', 'embeddings', async (call) => {
    const { adapter } = call.route;
    if (!adapter.embed) {
      throw new GatewayError('invalid_request', `The provider '${adapter.id}' offers no embeddings.`, {
        param: 'model',
        publicCode: 'model_not_supported',
      });
    }
    const request = decodeEmbeddingsRequest(call.body, call.route.entry.upstreamId);
    const result = await upstream(call, adapter.embed(request, call.context));
    const usage = embedUsage(result);
    await finishJson(exchange.response, call.meter, usage, encodeEmbeddings(result, call.body.model, typeof call.body.input === 'string'));
  }, (body) => ({
    endpoint: 'simple.embeddings',
    deterministic: true,
    async replay(answer, meter) {
      const result = cachedEmbeddings(answer);
      await finishJson(exchange.response, meter, embedUsage(result), encodeEmbeddings(result, body.model, typeof body.input === 'string'));
    },
  }));
}

/** How /ai/chat and /ai/generate answer from the response cache: encoded anew, as JSON or as events. */
function chatCache(exchange: Exchange, endpoint: string, stream: boolean, encode: Encode): CacheSpec {
  return {
    endpoint,
    async replay(answer, meter) {
      const result = cachedChat(answer);
      if (!stream) return finishJson(exchange.response, meter, result.usage, encode(result, firstChoice(meter, result)));
      await relayParts(exchange, meter, replayedParts(result), new SimpleStreamEncoder());
    },
  };
}

type Encode = (result: ChatResult, choice: ChatChoice) => unknown;

async function serve(exchange: Exchange, call: SimpleCall<unknown>, request: ChatRequest, encode: Encode): Promise<void> {
  const { adapter } = call.route;
  if (!request.stream) {
    const result = await upstream(call, adapter.chat(request, call.context));
    return finishJson(exchange.response, call.meter, result.usage, encode(result, firstChoice(call.meter, result)));
  }
  const parts = await upstream(call, adapter.streamChat(request, call.context));
  await relayParts(exchange, call.meter, parts, new SimpleStreamEncoder());
}
