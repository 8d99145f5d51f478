// Request schemas of the Gemini front door. Strict about the types of the fields we read, tolerant of the rest:
// every object is loose, because the SDKs add fields over time (safetySettings, labels, cachedContent…).
// Reference: ../shared/reference/gemini.md §2, §5; https://ai.google.dev/api/generate-content#request-body
import { z } from 'zod';

const jsonObject = z.record(z.string(), z.unknown());

const functionCall = z.looseObject({
  id: z.string().optional(),
  name: z.string().min(1),
  args: jsonObject.optional(),
});

const functionResponse = z.looseObject({
  id: z.string().optional(),
  name: z.string().min(1),
  response: jsonObject,
});

export const partSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  inlineData: z.looseObject({ mimeType: z.string().min(1), data: z.string() }).optional(),
  fileData: z.looseObject({ mimeType: z.string().optional(), fileUri: z.string().min(1) }).optional(),
  functionCall: functionCall.optional(),
  functionResponse: functionResponse.optional(),
});

export const contentSchema = z.looseObject({
  // `function` is the role of older function-result samples; it is read as `user`.
  role: z.enum(['user', 'model', 'function']).optional(),
  parts: z.array(partSchema),
});

const functionDeclaration = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: jsonObject.optional(),
  parametersJsonSchema: jsonObject.optional(),
});

const tool = z.looseObject({ functionDeclarations: z.array(functionDeclaration).optional() });

const toolConfig = z.looseObject({
  functionCallingConfig: z
    .looseObject({
      mode: z.enum(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']).optional(),
      allowedFunctionNames: z.array(z.string().min(1)).optional(),
    })
    .optional(),
});

const thinkingConfig = z.looseObject({
  includeThoughts: z.boolean().optional(),
  thinkingBudget: z.number().int().optional(),
  thinkingLevel: z.enum(['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH']).optional(),
});

const generationConfig = z.looseObject({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  stopSequences: z.array(z.string()).optional(),
  candidateCount: z.number().int().min(1).optional(),
  seed: z.number().int().optional(),
  presencePenalty: z.number().optional(),
  frequencyPenalty: z.number().optional(),
  responseMimeType: z.string().optional(),
  responseSchema: jsonObject.optional(),
  responseJsonSchema: jsonObject.optional(),
  thinkingConfig: thinkingConfig.optional(),
});

export const generateContentSchema = z.looseObject({
  contents: z.array(contentSchema).min(1),
  // Its role, if any, is ignored (the SDK sends `user`).
  systemInstruction: z.looseObject({ role: z.string().optional(), parts: z.array(partSchema).optional() }).optional(),
  tools: z.array(tool).optional(),
  toolConfig: toolConfig.optional(),
  generationConfig: generationConfig.optional(),
});

/** `{contents}` alone, or a whole `generateContentRequest` (then its tools and system instruction count too). */
export const countTokensSchema = z.looseObject({
  contents: z.array(contentSchema).optional(),
  generateContentRequest: generateContentSchema.optional(),
});

const embedContent = z.looseObject({
  model: z.string().optional(),
  content: z.looseObject({ parts: z.array(partSchema).min(1) }),
  outputDimensionality: z.number().int().positive().optional(),
});

export const embedContentSchema = embedContent;
export const batchEmbedContentsSchema = z.looseObject({ requests: z.array(embedContent).min(1) });

export type GeminiGenerateContent = z.infer<typeof generateContentSchema>;
export type GeminiContentInput = z.infer<typeof contentSchema>;
export type GeminiPartInput = z.infer<typeof partSchema>;
export type GeminiToolInput = z.infer<typeof tool>;
export type GeminiToolConfigInput = z.infer<typeof toolConfig>;
export type GeminiGenerationConfigInput = z.infer<typeof generationConfig>;
export type GeminiCountTokens = z.infer<typeof countTokensSchema>;
export type GeminiEmbedContent = z.infer<typeof embedContentSchema>;
