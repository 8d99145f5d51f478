// The Gemini front door's methods. Every catalogue model answers by translation: the body is decoded to the
// neutral form, the model's adapter called, the answer encoded back as Gemini's.
import { GatewayError } from '../../core/errors.js';
import { embedUsage } from '../../core/usage-estimate.js';
import { parseJsonObject, readBody } from '../../http/body.js';
import { sendJson, type Exchange } from '../../http/server.js';
import { validate } from '../../http/validate.js';
import { routeWithCredential } from '../../pipeline/call-credential.js';
import { runModelCall, sameDialectConnection, upstream, type ModelCallDeps } from '../../pipeline/model-call.js';
import { relayToProvider } from '../../pipeline/provider-relay.js';
import { finishJson } from '../../pipeline/stream-end.js';
import { geminiStreamErrorEvent } from './gemini-error-envelope.js';
import { readGeminiBody, relayStream, wantsSse, type GeminiTarget } from './gemini-call.js';
import { estimateTokenCount } from './gemini-count-tokens.js';
import { decodeGenerateContent } from './gemini-decode.js';
import { decodeEmbedRequests, encodeBatchEmbeddings, encodeEmbedding } from './gemini-embed.js';
import { encodeGenerateContentResponse, type GeminiIdentity } from './gemini-encode.js';
import {
  batchEmbedContentsSchema,
  countTokensSchema,
  embedContentSchema,
  generateContentSchema,
} from './gemini-request-schemas.js';
import { GeminiStreamEncoder } from './gemini-stream-encoder.js';
import { cachedChat, cachedEmbeddings, replayedParts, sendRawAnswer } from '../../pipeline/cache/cache-hit.js';
import type { CacheSpec } from '../../pipeline/cache/response-caching.js';

export async function handleGenerateContent(deps: ModelCallDeps, exchange: Exchange, target: GeminiTarget): Promise<void> {
  const raw = await readBody(exchange.request, deps.bodyLimit);
  const body = validate(generateContentSchema, parseJsonObject(raw, exchange.request.headers['content-type']).value);
  const stream = target.method === 'streamGenerateContent';
  const includeThoughts = body.generationConfig?.thinkingConfig?.includeThoughts === true;
  // The gateway's request id answers for the response: the same in the body, the header and the request log.
  const identity: GeminiIdentity = { modelVersion: target.model, responseId: exchange.requestId };
  const cache: CacheSpec = {
    endpoint: 'gemini.generate',
    raw: { dialect: 'gemini', kind: 'chat' },
    async replay(answer, meter) {
      if (sendRawAnswer(exchange, meter, answer, 'gemini.generate', stream)) return;
      const result = cachedChat(answer);
      if (!stream) return finishJson(exchange.response, meter, result.usage, encodeGenerateContentResponse(result, identity, includeThoughts));
      const sse = wantsSse(exchange.request.url);
      await relayStream(exchange, meter, replayedParts(result), new GeminiStreamEncoder(identity, sse ? 'sse' : 'json-array', includeThoughts), sse);
    },
  };
  await runModelCall(deps, exchange, { model: target.model, capability: 'chat', endpoint: 'chat', stream, body, cache }, async (call) => {
    const { adapter, entry } = call.route;
    const native = sameDialectConnection(deps, call, 'gemini');
    if (native !== undefined) {
      // A Gemini model: the body goes as the client wrote it (the model is in the path), in the API version it called.
      const version = exchange.request.url?.startsWith('/v1beta/') ? 'v1beta' : 'v1';
      const query = stream && wantsSse(exchange.request.url) ? '?alt=sse' : '';
      return relayToProvider(exchange, {
        connection: native,
        method: 'POST',
        path: `/${version}/models/${encodeURIComponent(entry.upstreamId)}:${target.method}${query}`,
        body: raw,
        meter: call.meter,
        apiKey: call.context.apiKey,
        byok: call.credential === 'byok',
        attempt: { signal: call.context.signal, fallible: !call.last },
        streamError: (error) => geminiStreamErrorEvent(error, exchange.requestId),
        cache: call.cache,
      });
    }
    const request = decodeGenerateContent(body, {
      upstreamModel: entry.upstreamId,
      stream,
      reasons: entry.capabilities.includes('reasoning'),
    });
    if (!stream) {
      const result = await upstream(call, adapter.chat(request, call.context));
      return finishJson(exchange.response, call.meter, result.usage, encodeGenerateContentResponse(result, identity, includeThoughts));
    }
    const parts = await upstream(call, adapter.streamChat(request, call.context));
    const sse = wantsSse(exchange.request.url);
    await relayStream(exchange, call.meter, parts, new GeminiStreamEncoder(identity, sse ? 'sse' : 'json-array', includeThoughts), sse);
  });
}

/** Answers from an estimate (see gemini-count-tokens.ts): no provider is called, so no request-log row is written. */
export async function handleCountTokens(deps: ModelCallDeps, exchange: Exchange, target: GeminiTarget): Promise<void> {
  const body = await readGeminiBody(deps, exchange, countTokensSchema);
  // Routing still decides whether the model exists and the caller may reach it.
  const { route } = await routeWithCredential(deps.directory, deps.vault, exchange.principal, target.model, 'chat');
  exchange.response.setHeader('x-provider', route.entry.provider);
  sendJson(exchange.response, 200, { totalTokens: estimateTokenCount(body) });
}

export async function handleEmbedContent(deps: ModelCallDeps, exchange: Exchange, target: GeminiTarget): Promise<void> {
  const batch = target.method === 'batchEmbedContents';
  const requests = batch
    ? (await readGeminiBody(deps, exchange, batchEmbedContentsSchema)).requests
    : [await readGeminiBody(deps, exchange, embedContentSchema)];
  const cache: CacheSpec = {
    // One entry for embedContent and batchEmbedContents of the same requests: each answers in its own shape.
    endpoint: 'gemini.embeddings',
    deterministic: true,
    async replay(answer, meter) {
      const result = cachedEmbeddings(answer);
      await finishJson(exchange.response, meter, embedUsage(result), batch ? encodeBatchEmbeddings(result) : encodeEmbedding(result));
    },
  };
  await runModelCall(deps, exchange, { model: target.model, capability: 'embeddings', endpoint: 'embeddings', stream: false, body: { requests }, cache }, async (call) => {
    const { adapter, entry } = call.route;
    if (!adapter.embed) {
      throw new GatewayError('invalid_request', `The provider '${adapter.id}' offers no embeddings.`, { param: 'model' });
    }
    const request = decodeEmbedRequests(requests, target.model, entry.upstreamId, (index) => (batch ? `requests[${index}].` : ''));
    const result = await upstream(call, adapter.embed(request, call.context));
    const usage = embedUsage(result);
    await finishJson(exchange.response, call.meter, usage, batch ? encodeBatchEmbeddings(result) : encodeEmbedding(result));
  });
}
