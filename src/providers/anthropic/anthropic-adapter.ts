// The Anthropic Messages adapter: POST {baseURL}/v1/messages, translated to and from the neutral form.
// No `embed` (Anthropic has no embeddings endpoint) and no `forward` here (pass-through lives elsewhere).
import type { ChatRequest, ChatResult } from '../../core/chat.js';
import { chatPromptText, settleResultUsage } from '../../core/usage-estimate.js';
import type { AdapterOptions, CallContext, ChatStream, ProviderAdapter } from '../spec.js';
import { callUpstream, readJson, type UpstreamResponse } from '../shared/http.js';
import { iterateSse } from '../shared/sse.js';
import { noReportedUsage, settleStreamUsage } from '../shared/stream-usage.js';
import { anthropicStatusError } from './anthropic-errors.js';
import { buildAnthropicRequest, type AnthropicMessagesBody } from './anthropic-request.js';
import { toChatResult } from './anthropic-response.js';
import { transformAnthropicStream } from './anthropic-stream-transform.js';

export const defaultAnthropicBaseURL = 'https://api.anthropic.com';

/** The only version the official SDKs send; request and response shapes here follow it. */
export const anthropicVersion = '2023-06-01';

export function createAnthropicAdapter(options: AdapterOptions): ProviderAdapter {
  const provider = options.id;
  const url = `${options.baseURL.replace(/\/+$/, '')}/v1/messages`;
  const staticHeaders: Record<string, string> = {
    ...(options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey }),
    'anthropic-version': anthropicVersion,
    'content-type': 'application/json',
    ...options.headers,
  };

  async function send(body: AnthropicMessagesBody, context: CallContext): Promise<UpstreamResponse> {
    const response = await callUpstream({
      provider,
      dispatcher: options.dispatcher,
      url,
      headers:
        context.headers || context.apiKey !== undefined
          ? { ...staticHeaders, ...(context.apiKey === undefined ? {} : { 'x-api-key': context.apiKey }), ...context.headers }
          : staticHeaders,
      body: JSON.stringify(body),
      signal: context.signal,
      idleMs: context.timeouts?.idleMs,
    });
    if (response.status < 200 || response.status >= 300) throw await anthropicStatusError(provider, response);
    return response;
  }

  return {
    id: provider,
    dialect: 'anthropic',

    async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
      const plan = buildAnthropicRequest({ ...request, stream: false });
      const response = await send(plan.body, context);
      const json = await readJson(provider, response.body, context.signal);
      const result = toChatResult(provider, json, { usesJsonTool: plan.usesJsonTool, requestedModel: request.model });
      return settleResultUsage(result, () => chatPromptText(request));
    },

    async streamChat(request: ChatRequest, context: CallContext): Promise<ChatStream> {
      const plan = buildAnthropicRequest({ ...request, stream: true });
      const response = await send(plan.body, context);
      const reported = noReportedUsage();
      const parts = transformAnthropicStream(iterateSse(provider, response.body, context.signal), {
        provider,
        usesJsonTool: plan.usesJsonTool,
        reported,
      });
      return settleStreamUsage(parts, () => chatPromptText(request), reported, context.onAbandonedUsage);
    },
  };
}
