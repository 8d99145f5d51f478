// :embedContent and :batchEmbedContents ↔ the neutral EmbedRequest / EmbedResult
// (https://ai.google.dev/api/embeddings, gemini.md §5). Text only; taskType and title have no neutral form
// and are not sent on.
import type { EmbedRequest, EmbedResult } from '../../core/chat.js';
import { invalid } from './gemini-decode-contents.js';
import type { GeminiEmbedContent } from './gemini-request-schemas.js';

/** Every request of a batch embeds with the path's model and one output size (one upstream call). */
export function decodeEmbedRequests(
  requests: GeminiEmbedContent[],
  pathModel: string,
  upstreamModel: string,
  param: (index: number) => string,
): EmbedRequest {
  const input: string[] = [];
  let dimensions: number | undefined;
  requests.forEach((request, index) => {
    const at = param(index);
    if (request.model !== undefined && request.model !== `models/${pathModel}` && request.model !== pathModel) {
      throw invalid(`${at}model`, `'${request.model}' differs from the model in the path, models/${pathModel}.`);
    }
    if (index > 0 && request.outputDimensionality !== dimensions) {
      throw invalid(`${at}outputDimensionality`, 'Every request of a batch must ask for the same outputDimensionality.');
    }
    dimensions = request.outputDimensionality;
    input.push(contentText(request, at));
  });
  return { model: upstreamModel, input, ...(dimensions !== undefined ? { dimensions } : {}) };
}

function contentText(request: GeminiEmbedContent, at: string): string {
  return request.content.parts
    .map((part, index) => {
      if (part.text === undefined) throw invalid(`${at}content.parts[${index}]`, 'Only text parts can be embedded.');
      return part.text;
    })
    .join('\n');
}

export function encodeEmbedding(result: EmbedResult) {
  return { embedding: { values: result.embeddings[0] ?? [] } };
}

export function encodeBatchEmbeddings(result: EmbedResult) {
  return { embeddings: result.embeddings.map((values) => ({ values })) };
}
