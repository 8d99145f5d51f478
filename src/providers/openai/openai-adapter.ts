// The OpenAI adapter: OpenAI itself (base URL from the registry, https://api.openai.com/v1 by default), or any
// OpenAI-compatible vendor when given a preset (../compatible/presets.ts).
// Wire format: ../../../shared/reference/openai.md ; vendor deviations: mapping.md §8.
import type { ChatResult, StreamPart } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import {
  chatPromptText,
  completionPromptText,
  settleEmbedUsage,
  settleResultUsage,
  type TokenTally,
} from '../../core/usage-estimate.js';
import type { CompatiblePreset } from '../compatible/presets.js';
import { readJson } from '../shared/http.js';
import { iterateSse, parseEventJson } from '../shared/sse.js';
import { settleStreamUsage } from '../shared/stream-usage.js';
import type { AdapterOptions, CallContext, ChatStream, ProviderAdapter } from '../spec.js';
import { encodeChatRequest, encodeCompletionRequest, type RequestBody } from './openai-chat-request.js';
import { decodeResponse, type ResponseFlavour } from './openai-chat-response.js';
import { decodeEmbedResponse, encodeEmbedRequest } from './openai-embeddings.js';
import { streamEventError } from './openai-errors.js';
import { forwardRequest } from './openai-forward.js';
import {
  openConnection,
  postUpstream,
  rejectJsonStream,
  releaseOnReturn,
  type OpenAIConnection,
} from './openai-http.js';
import { OpenAIStreamTransform } from './openai-stream-transform.js';
import { isRecord } from './openai-wire.js';

export type OpenAIAdapterOptions = AdapterOptions & { preset?: CompatiblePreset };

export function createOpenAIAdapter(options: OpenAIAdapterOptions): ProviderAdapter {
  const { preset } = options;
  const connection = openConnection(options);
  const encode = { provider: options.id, preset };
  const calls = new OpenAICalls(connection, preset);

  const adapter: ProviderAdapter = {
    id: options.id,
    dialect: 'openai',
    // async: an invalid request (e.g. n > 1 where one choice is served) rejects rather than throws.
    chat: async (request, context) =>
      calls.json('/chat/completions', encodeChatRequest({ ...request, stream: false }, encode), 'chat', context, () =>
        chatPromptText(request),
      ),
    streamChat: async (request, context) =>
      calls.stream('/chat/completions', encodeChatRequest({ ...request, stream: true }, encode), 'chat', context, () =>
        chatPromptText(request),
      ),
  };
  if (!preset || preset.completions) {
    adapter.complete = async (request, context) =>
      calls.json('/completions', encodeCompletionRequest({ ...request, stream: false }, encode), 'completion', context, () =>
        completionPromptText(request),
      );
    adapter.streamComplete = async (request, context) =>
      calls.stream('/completions', encodeCompletionRequest({ ...request, stream: true }, encode), 'completion', context, () =>
        completionPromptText(request),
      );
  }
  if (!preset || preset.embeddings) {
    adapter.embed = async (request, context) => {
      const body = JSON.stringify(encodeEmbedRequest(request, preset));
      const response = await postUpstream(connection, '/embeddings', body, context, 'json');
      const result = decodeEmbedResponse(await readJson(connection.provider, response.body, context.signal), connection.provider);
      return { ...result, usage: settleEmbedUsage(result.usage.input, request.input) };
    };
  }
  const forward: ProviderAdapter['forward'] = async (request, context) => forwardRequest(connection, preset, request, context);
  // The native pass-through wants the vendor's own bytes whatever they are.
  adapter.forwardNative = forward;
  // On /v1, only where the vendor's bytes are already what an OpenAI client expects.
  if (!preset || preset.passthrough) adapter.forward = forward;
  return adapter;
}

class OpenAICalls {
  constructor(
    private readonly connection: OpenAIConnection,
    private readonly preset: CompatiblePreset | undefined,
  ) {}

  async json(path: string, body: RequestBody, flavour: ResponseFlavour, context: CallContext, prompt: () => TokenTally): Promise<ChatResult> {
    const response = await postUpstream(this.connection, path, JSON.stringify(body), context, 'json');
    const raw = await readJson(this.connection.provider, response.body, context.signal);
    return settleResultUsage(decodeResponse(raw, flavour, this.connection.provider, this.preset), prompt);
  }

  /** Resolves once the upstream answered 2xx with an event stream: the last point where fallback can act. */
  async stream(path: string, body: RequestBody, flavour: ResponseFlavour, context: CallContext, prompt: () => TokenTally): Promise<ChatStream> {
    const response = await postUpstream(this.connection, path, JSON.stringify(body), context, 'sse');
    await rejectJsonStream(this.connection, response, context.signal);
    const transform = new OpenAIStreamTransform(flavour, this.preset);
    const parts = streamParts(this.connection.provider, response.body, context.signal, transform);
    return releaseOnReturn(settleStreamUsage(parts, prompt, transform.reported, context.onAbandonedUsage), response.body);
  }
}

async function* streamParts(
  provider: string,
  body: AsyncIterable<Buffer>,
  signal: AbortSignal,
  transform: OpenAIStreamTransform,
): AsyncGenerator<StreamPart> {
  let done = false;
  for await (const event of iterateSse(provider, body, signal)) {
    // Read on to the end after [DONE] so the connection goes back to the pool instead of being torn down.
    if (done) continue;
    if (event.data === '[DONE]') {
      done = true;
      yield* transform.end();
      continue;
    }
    const payload = parseEventJson(provider, event.data);
    if (!isRecord(payload)) continue;
    if ((payload.error !== undefined && payload.error !== null) || event.event === 'error') {
      throw streamEventError(provider, payload);
    }
    yield* transform.chunk(payload);
  }
  if (!done) {
    // Never a made-up finish: a stream cut before [DONE] is a broken answer.
    throw new GatewayError('upstream_bad_response', `Provider '${provider}' ended the stream before [DONE].`, { provider });
  }
}
