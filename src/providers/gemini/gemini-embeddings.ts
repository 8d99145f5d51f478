// Embeddings through :batchEmbedContents (js-genai uses it even for one input).
// https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
import type { EmbedRequest, EmbedResult } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import { settleEmbedUsage } from '../../core/usage-estimate.js';
import { batchEmbedResponseSchema, parseUpstream } from './gemini-response-schema.js';
import { geminiModelResource } from './gemini-urls.js';
import type { GeminiBatchEmbedRequest } from './gemini-wire.js';

export function toBatchEmbedRequest(request: EmbedRequest): GeminiBatchEmbedRequest {
  const texts = textInputs(request.input);
  const model = geminiModelResource(request.model);
  return {
    requests: texts.map((text) => ({
      model,
      content: { parts: [{ text }] },
      ...(request.dimensions !== undefined ? { outputDimensionality: request.dimensions } : {}),
    })),
  };
}

export function toEmbedResult(provider: string, body: unknown, request: EmbedRequest): EmbedResult {
  const response = parseUpstream(provider, batchEmbedResponseSchema, body);
  if (response.embeddings.length !== request.input.length) {
    throw new GatewayError(
      'upstream_bad_response',
      `Provider '${provider}' returned ${response.embeddings.length} embeddings for ${request.input.length} inputs.`,
      { provider },
    );
  }
  // Most Gemini embedding models report no token count (newer ones do): the input is then counted here.
  const reported = response.usageMetadata?.promptTokenCount ?? undefined;
  return {
    model: request.model,
    embeddings: response.embeddings.map((embedding) => embedding.values),
    usage: settleEmbedUsage(reported, request.input),
  };
}

/** Gemini embeds text only: token-id arrays (OpenAI's pre-tokenised input) cannot be sent. */
function textInputs(input: EmbedRequest['input']): string[] {
  if (input.length === 0) {
    throw new GatewayError('invalid_request', 'input must contain at least one text.', { param: 'input' });
  }
  if (!input.every((entry): entry is string => typeof entry === 'string')) {
    throw new GatewayError('invalid_request', 'Gemini embeds text only; token arrays are not supported.', {
      param: 'input',
    });
  }
  return input;
}
