// The Google Gemini (Generative Language API v1beta) provider: neutral chat and embeddings translated to the
// native endpoints. No `forward`: no client dialect is sent to Gemini byte for byte yet.
import type { ChatRequest, ChatResult, EmbedRequest, EmbedResult } from '../../core/chat.js';
import { chatPromptText, settleResultUsage } from '../../core/usage-estimate.js';
import { callUpstream, readErrorText, readJson, type UpstreamResponse } from '../shared/http.js';
import { iterateSse } from '../shared/sse.js';
import { noReportedUsage, settleStreamUsage, type ReportedUsage } from '../shared/stream-usage.js';
import type { AdapterOptions, CallContext, ChatStream, ProviderAdapter } from '../spec.js';
import { toBatchEmbedRequest, toEmbedResult } from './gemini-embeddings.js';
import { geminiHttpError } from './gemini-errors.js';
import { toGeminiRequest } from './gemini-request.js';
import { toChatResult } from './gemini-response.js';
import { transformGeminiStream } from './gemini-stream-transform.js';
import { geminiUrl, type GeminiMethod } from './gemini-urls.js';

export function createGeminiAdapter(options: AdapterOptions): ProviderAdapter {
  const provider = options.id;

  /** POSTs a JSON body; a non-2xx answer is read and thrown as a GatewayError before anything is returned. */
  async function post(model: string, method: GeminiMethod, body: unknown, context: CallContext): Promise<UpstreamResponse> {
    const response = await callUpstream({
      provider,
      dispatcher: options.dispatcher,
      url: geminiUrl(options.baseURL, model, method),
      headers: {
        'content-type': 'application/json',
        // Header rather than `?key=`: keys in URLs end up in access logs.
        ...(context.apiKey !== undefined
          ? { 'x-goog-api-key': context.apiKey }
          : options.apiKey
            ? { 'x-goog-api-key': options.apiKey }
            : {}),
        ...options.headers,
        ...context.headers,
      },
      body: JSON.stringify(body),
      signal: context.signal,
      idleMs: context.timeouts?.idleMs,
    });
    if (response.status < 200 || response.status >= 300) {
      const text = await readErrorText(response.body);
      throw geminiHttpError(provider, response.status, response.headers, text);
    }
    return response;
  }

  return {
    id: provider,
    dialect: 'gemini',

    async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
      const response = await post(request.model, 'generateContent', toGeminiRequest(request), context);
      const result = toChatResult(provider, await readJson(provider, response.body, context.signal), request.model);
      return settleResultUsage(result, () => chatPromptText(request));
    },

    async streamChat(request: ChatRequest, context: CallContext): Promise<ChatStream> {
      const response = await post(request.model, 'streamGenerateContent', toGeminiRequest(request), context);
      const reported = noReportedUsage();
      return settleStreamUsage(relay(provider, response, context.signal, reported), () => chatPromptText(request), reported, context.onAbandonedUsage);
    },

    async embed(request: EmbedRequest, context: CallContext): Promise<EmbedResult> {
      const response = await post(request.model, 'batchEmbedContents', toBatchEmbedRequest(request), context);
      return toEmbedResult(provider, await readJson(provider, response.body, context.signal), request);
    },
  };
}

/** The stream parts; the upstream body is released when the consumer stops early or the stream fails. */
async function* relay(provider: string, response: UpstreamResponse, signal: AbortSignal, reported: ReportedUsage): ChatStream {
  try {
    yield* transformGeminiStream(provider, iterateSse(provider, response.body, signal), reported);
  } finally {
    if (!response.body.destroyed) response.body.destroy();
  }
}
