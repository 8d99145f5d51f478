// Request schemas of the simple surface (/ai). Strict about the fields we read and their types; other
// fields are dropped. `null` reads as "not given" for optional parameters (clients often send it for unset ones).
import { z } from 'zod';

const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart])).min(1)]),
  }),
  z.object({
    role: z.literal('assistant'),
    content: optional(z.string()),
    tool_calls: z.array(toolCall).optional(),
  }),
  z.object({ role: z.literal('tool'), content: z.string(), tool_call_id: z.string().min(1) }),
]);
export type SimpleMessage = z.infer<typeof message>;
/** One message as the simple surface takes it (also the platform API's fan-out). */
export const simpleMessageSchema = message;

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, _ and -'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);

// The parameters the contract lists for every text endpoint.
const sampling = {
  model: z.string().min(1),
  temperature: optional(z.number().min(0).max(2)),
  max_tokens: optional(z.number().int().positive()),
  top_p: optional(z.number().min(0).max(1)),
  stream: optional(z.boolean()),
};

export const chatRequestSchema = z.object({
  ...sampling,
  messages: z.array(message).min(1),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
});
export type SimpleChatRequest = z.infer<typeof chatRequestSchema>;

export const generateRequestSchema = z.object({
  ...sampling,
  prompt: z.string().min(1),
});
export type SimpleGenerateRequest = z.infer<typeof generateRequestSchema>;

export const embeddingsRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
  dimensions: optional(z.number().int().positive()),
});
export type SimpleEmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;
