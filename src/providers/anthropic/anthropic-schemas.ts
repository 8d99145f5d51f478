// Lenient schemas for what Anthropic sends back: only the fields we read, unknown fields kept.
// Wire format: https://docs.claude.com/en/api/messages and /work/shared/reference/anthropic.md §3, §5, §6.
import { z } from 'zod';
import { GatewayError } from '../../core/errors.js';

const tokenCount = z.number().nullish();

export const anthropicUsageSchema = z.looseObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount,
  cache_read_input_tokens: tokenCount,
  /** The cache writes by lifetime; their sum is `cache_creation_input_tokens` (never added on top of it). */
  cache_creation: z.looseObject({ ephemeral_5m_input_tokens: tokenCount, ephemeral_1h_input_tokens: tokenCount }).nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: tokenCount }).nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

/** Any content block; read further with `readContentBlock`. */
const anyBlockSchema = z.looseObject({ type: z.string() });

const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const thinkingBlockSchema = z.looseObject({ type: z.literal('thinking'), thinking: z.string() });
const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});

export type AnthropicContentBlock =
  | z.infer<typeof textBlockSchema>
  | z.infer<typeof thinkingBlockSchema>
  | z.infer<typeof toolUseBlockSchema>
  /** Server tools, redacted thinking, citations and future block types: not translated. */
  | { type: 'other'; rawType: string };

export function readContentBlock(provider: string, block: z.infer<typeof anyBlockSchema>): AnthropicContentBlock {
  switch (block.type) {
    case 'text':
      return parseUpstream(provider, textBlockSchema, block, 'text block');
    case 'thinking':
      return parseUpstream(provider, thinkingBlockSchema, block, 'thinking block');
    case 'tool_use':
      return parseUpstream(provider, toolUseBlockSchema, block, 'tool_use block');
    default:
      return { type: 'other', rawType: block.type };
  }
}

export const anthropicMessageSchema = z.looseObject({
  id: z.string().optional(),
  model: z.string().optional(),
  content: z.array(anyBlockSchema),
  stop_reason: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
});

export const messageStartEventSchema = z.looseObject({
  message: z.looseObject({
    id: z.string().optional(),
    model: z.string().optional(),
    usage: anthropicUsageSchema.nullish(),
  }),
});

export const contentBlockStartEventSchema = z.looseObject({
  index: z.number(),
  content_block: anyBlockSchema,
});

export const contentBlockDeltaEventSchema = z.looseObject({
  index: z.number(),
  delta: z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    thinking: z.string().optional(),
    partial_json: z.string().optional(),
  }),
});

export const contentBlockStopEventSchema = z.looseObject({ index: z.number() });

export const messageDeltaEventSchema = z.looseObject({
  delta: z.looseObject({ stop_reason: z.string().nullish() }).nullish(),
  usage: anthropicUsageSchema.nullish(),
});

/** `{type:'error', error:{type, message}}`: the error body and the in-band `error` event alike. */
export const anthropicErrorSchema = z.looseObject({
  error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }),
});

export function parseUpstream<T extends z.ZodType>(provider: string, schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new GatewayError('upstream_bad_response', `Provider '${provider}' sent an unexpected ${what}.`, {
    provider,
    cause: result.error,
  });
}
