// The request shapes we send to the Generative Language API (v1beta), as far as we use them.
// https://ai.google.dev/api/generate-content#request-body , Part: https://ai.google.dev/api/caching#Part
import type { JsonObject } from '../../core/chat.js';

export type GeminiTextPart = { text: string };
export type GeminiInlineDataPart = { inlineData: { mimeType: string; data: string } };
export type GeminiFileDataPart = { fileData: { mimeType: string; fileUri: string } };
export type GeminiFunctionCallPart = {
  functionCall: { name: string; args: JsonObject };
  thoughtSignature?: string;
};
export type GeminiFunctionResponsePart = {
  functionResponse: { name: string; response: { content: string } };
};

export type GeminiPart =
  | GeminiTextPart
  | GeminiInlineDataPart
  | GeminiFileDataPart
  | GeminiFunctionCallPart
  | GeminiFunctionResponsePart;

export type GeminiContent = { role: 'user' | 'model'; parts: GeminiPart[] };

export type GeminiFunctionDeclaration = { name: string; description?: string; parameters?: JsonObject };

export type GeminiToolConfig = {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
};

export type GeminiGenerationConfig = {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
  responseMimeType?: string;
  responseSchema?: JsonObject;
  thinkingConfig?: { thinkingBudget: number };
};

export type GeminiGenerateContentRequest = {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiTextPart[] };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
};

export type GeminiBatchEmbedRequest = {
  requests: Array<{ model: string; content: { parts: GeminiTextPart[] }; outputDimensionality?: number }>;
};
