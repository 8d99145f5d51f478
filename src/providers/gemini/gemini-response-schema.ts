// What we read from Gemini replies, validated leniently: every field optional, unknown fields ignored.
// GenerateContentResponse: https://ai.google.dev/api/generate-content#generatecontentresponse
import { z } from 'zod';
import { GatewayError } from '../../core/errors.js';

/** Vertex streams a call's arguments in fragments (`streamFunctionCallArguments`); the Gemini API sends them whole. */
const partialArgSchema = z.object({
  jsonPath: z.string().nullish(),
  stringValue: z.string().nullish(),
  numberValue: z.number().nullish(),
  boolValue: z.boolean().nullish(),
  nullValue: z.string().nullish(),
  willContinue: z.boolean().nullish(),
});

const functionCallSchema = z.object({
  id: z.string().nullish(),
  name: z.string().nullish(),
  args: z.record(z.string(), z.unknown()).nullish(),
  partialArgs: z.array(partialArgSchema).nullish(),
  willContinue: z.boolean().nullish(),
});

const partSchema = z.object({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  functionCall: functionCallSchema.nullish(),
});

const candidateSchema = z.object({
  index: z.number().int().nonnegative().nullish(),
  content: z.object({ parts: z.array(partSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
});

const usageMetadataSchema = z.object({
  promptTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
});

/** Google RPC error body: https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes */
export const googleRpcErrorSchema = z.object({
  code: z.number().nullish(),
  message: z.string().nullish(),
  status: z.string().nullish(),
  details: z.array(z.unknown()).nullish(),
});

export const generateContentResponseSchema = z.object({
  candidates: z.array(candidateSchema).nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: usageMetadataSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
  /** Only in a stream: an error after the 200 (js-genai checks every chunk for it). */
  error: googleRpcErrorSchema.nullish(),
});

export const batchEmbedResponseSchema = z.object({
  embeddings: z.array(z.object({ values: z.array(z.number()) })),
  /** Newer embedding models report it; older ones do not. */
  usageMetadata: z.object({ promptTokenCount: z.number().nullish() }).nullish(),
});

export type GeminiResponse = z.infer<typeof generateContentResponseSchema>;
export type GeminiCandidate = z.infer<typeof candidateSchema>;
export type GeminiResponsePart = z.infer<typeof partSchema>;
export type GeminiFunctionCall = z.infer<typeof functionCallSchema>;
export type GeminiPartialArg = z.infer<typeof partialArgSchema>;
export type GeminiUsageMetadata = z.infer<typeof usageMetadataSchema>;
export type GoogleRpcError = z.infer<typeof googleRpcErrorSchema>;
export type GeminiBatchEmbedResponse = z.infer<typeof batchEmbedResponseSchema>;

/** Validates an upstream body; a shape we cannot read is the provider's fault (502). */
export function parseUpstream<T>(provider: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new GatewayError('upstream_bad_response', `Provider '${provider}' sent a response of an unexpected shape.`, {
    provider,
    cause: result.error,
  });
}
