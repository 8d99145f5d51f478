// The /v1 model endpoints. Same dialect upstream → the pass-through fast path (bytes forwarded, tapped for
// usage); any other upstream → decode to the neutral form, call the adapter, encode back.
import type { ChatRequest, CompletionRequest } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { embedUsage } from '../../core/usage-estimate.js';
import type { Exchange } from '../../http/server.js';
import { finishJson } from '../../pipeline/stream-end.js';
import type { ProviderAdapter } from '../../providers/spec.js';
import {
  readCall,
  relayForwarded,
  runCall,
  upstreamBody,
  relayParts,
  responseIdentity,
  upstream,
  type OpenAISurfaceDeps,
  type PreparedCall,
} from './openai-call.js';
import { decodeChatRequest, decodeCompletionRequest, decodeEmbeddingRequest } from './openai-decode.js';
import { encodeChatResult, encodeCompletionResult, encodeEmbeddings } from './openai-encode.js';
import {
  chatRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  type OpenAIChatRequest,
  type OpenAICompletionRequest,
} from './openai-request-schemas.js';
import { OpenAIStreamEncoder } from './openai-stream-encoder.js';
import { cachedChat, cachedEmbeddings, replayedParts, sendRawAnswer } from '../../pipeline/cache/cache-hit.js';
import type { CacheSpec } from '../../pipeline/cache/response-caching.js';

export async function handleChatCompletions(deps: OpenAISurfaceDeps, exchange: Exchange): Promise<void> {
  const read = await readCall(deps, exchange, chatRequestSchema);
  await runCall(
    deps,
    exchange,
    read,
    'chat',
    'chat',
    (call) => {
      const { adapter } = call.route;
      if (adapter.forward && adapter.dialect === 'openai') return forward(exchange, call, '/chat/completions');
      const request = decodeChatRequest(call.body, call.route.entry.upstreamId);
      return serveChat(exchange, call, request, 'chat');
    },
    chatCache(exchange, read.body, 'chat'),
  );
}

export async function handleCompletions(deps: OpenAISurfaceDeps, exchange: Exchange): Promise<void> {
  const read = await readCall(deps, exchange, completionRequestSchema);
  await runCall(deps, exchange, read, 'completions', 'completions', (call) => {
    const { adapter } = call.route;
    const native = call.route.entry.capabilities.includes('completions');
    if (native && adapter.forward && adapter.dialect === 'openai') return forward(exchange, call, '/completions');
    const request = decodeCompletionRequest(call.body, call.route.entry.upstreamId);
    if (native && adapter.complete && adapter.streamComplete) return serveNativeCompletion(exchange, call, adapter, request);
    return serveChat(exchange, call, completionAsChat(request), 'completion');
  }, chatCache(exchange, read.body, 'completion'));
}

export async function handleEmbeddings(deps: OpenAISurfaceDeps, exchange: Exchange): Promise<void> {
  const read = await readCall(deps, exchange, embeddingRequestSchema);
  await runCall(deps, exchange, read, 'embeddings', 'embeddings', async (call) => {
    const { adapter } = call.route;
    if (adapter.forward && adapter.dialect === 'openai') return forward(exchange, call, '/embeddings');
    if (!adapter.embed) {
      throw new GatewayError('invalid_request', `The provider '${adapter.id}' offers no embeddings.`, { param: 'model' });
    }
    const request = decodeEmbeddingRequest(call.body, call.route.entry.upstreamId);
    const result = await upstream(call, adapter.embed(request, call.context));
    const usage = embedUsage(result);
    await finishJson(exchange.response, call.meter, usage, encodeEmbeddings(result, call.body.model, call.body.encoding_format ?? 'float'));
  }, {
    endpoint: 'openai.embeddings',
    deterministic: true,
    raw: { dialect: 'openai', kind: 'embeddings' },
    async replay(answer, meter) {
      if (sendRawAnswer(exchange, meter, answer, 'openai.embeddings', false)) return;
      const result = cachedEmbeddings(answer);
      await finishJson(exchange.response, meter, embedUsage(result), encodeEmbeddings(result, read.body.model, read.body.encoding_format ?? 'float'));
    },
  });
}

/** How a chat or legacy completion is answered from the response cache: the stored JSON, or encoded anew (JSON or stream). */
function chatCache(exchange: Exchange, body: OpenAIChatRequest | OpenAICompletionRequest, flavour: 'chat' | 'completion'): CacheSpec {
  const endpoint = flavour === 'chat' ? 'openai.chat' : 'openai.completions';
  return {
    endpoint,
    raw: { dialect: 'openai', kind: flavour },
    async replay(answer, meter) {
      const stream = body.stream === true;
      if (sendRawAnswer(exchange, meter, answer, endpoint, stream)) return;
      const result = cachedChat(answer);
      if (!stream) {
        const identity = responseIdentity(exchange.requestId, result, body.model);
        const encoded = flavour === 'chat' ? encodeChatResult(result, identity) : encodeCompletionResult(result, identity);
        return finishJson(exchange.response, meter, result.usage, encoded);
      }
      const includeUsage = body.stream_options?.include_usage === true;
      const encoder = new OpenAIStreamEncoder(responseIdentity(exchange.requestId, undefined, body.model), includeUsage, flavour);
      await relayParts(exchange, meter, replayedParts(result), encoder);
    },
  };
}

async function forward(
  exchange: Exchange,
  call: PreparedCall<{ model: string; stream?: boolean | null; stream_options?: { include_usage?: boolean } | null; models?: string[]; fallbacks?: string[] }>,
  path: string,
): Promise<void> {
  const stream = call.body.stream === true;
  const includeUsage = call.body.stream_options?.include_usage === true;
  // Only the model name (and the gateway's own routing fields) may change here; asking the upstream for usage
  // is the adapter's job (ForwardRequest). A copy: another attempt may need the body as the client sent it.
  const { body, changed } = upstreamBody(call.body, call.route.entry.upstreamId);
  const forwarded = await upstream(
    call,
    call.route.adapter.forward!(
      { path, body: body as Record<string, unknown> & typeof body, bodyText: changed ? undefined : call.bodyText, stream, includeUsage },
      call.context,
    ),
  );
  await relayForwarded(exchange, call.meter, forwarded);
}

async function serveChat(
  exchange: Exchange,
  call: PreparedCall<OpenAIChatRequest | OpenAICompletionRequest>,
  request: ChatRequest,
  flavour: 'chat' | 'completion',
): Promise<void> {
  const { adapter } = call.route;
  if (!request.stream) {
    const result = await upstream(call, adapter.chat(request, call.context));
    const identity = responseIdentity(exchange.requestId, result, call.body.model);
    const body = flavour === 'chat' ? encodeChatResult(result, identity) : encodeCompletionResult(result, identity);
    return finishJson(exchange.response, call.meter, result.usage, body);
  }
  const parts = await upstream(call, adapter.streamChat(request, call.context));
  const encoder = new OpenAIStreamEncoder(responseIdentity(exchange.requestId, undefined, call.body.model), request.includeUsage === true, flavour);
  await relayParts(exchange, call.meter, parts, encoder);
}

async function serveNativeCompletion(
  exchange: Exchange,
  call: PreparedCall<OpenAICompletionRequest>,
  adapter: ProviderAdapter,
  request: CompletionRequest,
): Promise<void> {
  if (!request.stream) {
    const result = await upstream(call, adapter.complete!(request, call.context));
    const identity = responseIdentity(exchange.requestId, result, call.body.model);
    return finishJson(exchange.response, call.meter, result.usage, encodeCompletionResult(result, identity));
  }
  const parts = await upstream(call, adapter.streamComplete!(request, call.context));
  const encoder = new OpenAIStreamEncoder(responseIdentity(exchange.requestId, undefined, call.body.model), request.includeUsage === true, 'completion');
  await relayParts(exchange, call.meter, parts, encoder);
}

/** A legacy completion served by a chat-only model: the prompt becomes one user message. */
function completionAsChat(request: CompletionRequest): ChatRequest {
  if (request.prompt.length !== 1) {
    throw new GatewayError('invalid_request', 'This model serves completions through chat, which takes exactly one prompt.', {
      param: 'prompt',
    });
  }
  const { prompt, ...rest } = request;
  return { ...rest, messages: [{ role: 'user', content: [{ type: 'text', text: prompt[0]! }] }] };
}
