// The text a Gemini answer produced, from a raw generateContent response or stream chunk, for estimating
// output tokens when the relayed answer carried no usageMetadata (or no candidates count). Read leniently.
import type { OutputTally } from '../../core/usage-estimate.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function addGeminiOutput(output: OutputTally, response: unknown): void {
  if (!isObject(response) || !Array.isArray(response.candidates)) return;
  for (const candidate of response.candidates) {
    const parts = isObject(candidate) && isObject(candidate.content) ? candidate.content.parts : undefined;
    if (!Array.isArray(parts)) continue;
    for (const part of parts) {
      if (!isObject(part)) continue;
      if (typeof part.text === 'string') (part.thought === true ? output.reasoning : output.answer).add(part.text);
      if (isObject(part.functionCall)) {
        output.answer.add(typeof part.functionCall.name === 'string' ? part.functionCall.name : undefined);
        output.answer.addJson(part.functionCall.args);
      }
    }
  }
}
