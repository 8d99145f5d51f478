// :countTokens without asking a provider: no adapter offers a token count, and no other provider's tokenizer
// counts like Gemini's. The answer is therefore an ESTIMATE: ceil(characters / 4) over the text of the
// system instruction, the contents (function calls and responses as their JSON) and the declared tools, plus
// 258 tokens per image or file part (Gemini's count for an image up to 384 px; https://ai.google.dev/gemini-api/docs/tokens).
import type { GeminiContentInput, GeminiCountTokens, GeminiPartInput } from './gemini-request-schemas.js';
import { invalid } from './gemini-decode-contents.js';

const tokensPerMedia = 258;

export function estimateTokenCount(body: GeminiCountTokens): number {
  const request = body.generateContentRequest;
  const contents = request?.contents ?? body.contents;
  if (contents === undefined) throw invalid('contents', 'Send contents, or a generateContentRequest.');
  const tally = { characters: 0, media: 0 };
  for (const part of request?.systemInstruction?.parts ?? []) countPart(part, tally);
  for (const content of contents as GeminiContentInput[]) {
    for (const part of content.parts) countPart(part, tally);
  }
  if (request?.tools !== undefined) tally.characters += JSON.stringify(request.tools).length;
  return Math.ceil(tally.characters / 4) + tally.media * tokensPerMedia;
}

function countPart(part: GeminiPartInput, tally: { characters: number; media: number }): void {
  if (part.text !== undefined) tally.characters += part.text.length;
  else if (part.inlineData || part.fileData) tally.media += 1;
  else if (part.functionCall) tally.characters += JSON.stringify(part.functionCall).length;
  else if (part.functionResponse) tally.characters += JSON.stringify(part.functionResponse).length;
}
