// Request schemas of the OpenAI-compatible surface (/v1). Strict about the fields we read and their types;
// unknown top-level fields are kept (they travel on the pass-through path) but never trusted.
// Reference: ../shared/reference/openai.md §2, §3, §8.
import { z } from 'zod';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const audioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string().min(1), format: z.string().min(1) }),
});
const filePart = z.object({
  type: z.literal('file'),
  file: z.object({ file_id: z.string().optional(), file_data: z.string().optional(), filename: z.string().optional() }),
});
const userPart = z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart]);

const textContent = z.union([z.string(), z.array(textPart)]);

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name: z.string().optional() }),
  z.object({ role: z.literal('developer'), content: textContent, name: z.string().optional() }),
  z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(userPart)]), name: z.string().optional() }),
  z.object({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(z.union([textPart, refusalPart])), z.null()]).optional(),
    tool_calls: z.array(toolCall).optional(),
    name: z.string().optional(),
    refusal: z.string().nullable().optional(),
    reasoning_content: z.string().optional(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) }),
]);

const toolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, _ and -');

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: toolName,
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
  z.object({
    type: z.literal('allowed_tools'),
    allowed_tools: z.object({ mode: z.enum(['auto', 'required']), tools: z.array(z.unknown()) }),
  }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullable();
const streamOptions = z.object({ include_usage: z.boolean().optional() }).nullable();
/** Fallback models: `models` (OpenRouter: tried in order after `model`) and `fallbacks` (LiteLLM). Never sent upstream. */
const routingFields = {
  models: z.array(z.string().min(1)).min(1).max(20).optional(),
  fallbacks: z.array(z.string().min(1)).max(20).optional(),
};

const samplingFields = {
  model: z.string().min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptions.optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stop: stop.optional(),
  seed: z.number().int().nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  user: z.string().optional(),
  ...routingFields,
};

export const chatRequestSchema = z.looseObject({
  ...samplingFields,
  messages: z.array(message).min(1),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  top_k: z.number().int().positive().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  reasoning_effort: z.string().min(1).nullable().optional(),
});
export type OpenAIChatRequest = z.infer<typeof chatRequestSchema>;
export type OpenAIMessage = z.infer<typeof message>;

export const completionRequestSchema = z.looseObject({
  ...samplingFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()), z.array(z.array(z.number().int()))]),
  logprobs: z.number().int().min(0).max(5).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  best_of: z.number().int().min(1).nullable().optional(),
  suffix: z.string().nullable().optional(),
});
export type OpenAICompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
  ...routingFields,
});
export type OpenAIEmbeddingRequest = z.infer<typeof embeddingRequestSchema>;
