// The prompt text of a request body as a client sent it, in any of the three wire formats (OpenAI chat,
// completions and embeddings; Anthropic Messages; Gemini generateContent and embedContent), for estimating
// prompt tokens on the pass-through paths, where no neutral request exists. Walked generically, so fields a
// format adds later are counted too: strings under the text-bearing fields, tool definitions as JSON, media
// at a flat rate (their base64 is not text), token-id arrays at one token an entry.
import { IMAGE_TOKENS, MESSAGE_TOKENS, TokenTally } from '../../core/usage-estimate.js';

/** Top-level fields whose strings, at any depth, the model reads. */
const textFields = new Set(['messages', 'system', 'prompt', 'input', 'contents', 'systemInstruction', 'system_instruction', 'content', 'requests', 'instructions']);
/** Tool definitions: counted as their JSON (names, descriptions and the schema's structure all reach the model). */
const toolFields = new Set(['tools', 'functions']);
/** Media: a flat estimate each, the data itself skipped. */
const mediaFields = new Set(['image_url', 'input_audio', 'inlineData', 'inline_data', 'fileData', 'file_data', 'source', 'file']);
/** Lists of turns: each turn adds its framing tokens. */
const turnLists = new Set(['messages', 'contents']);
/** Fields that name things rather than say them. */
const skippedFields = new Set([
  'role',
  'type',
  'id',
  'model',
  'tool_call_id',
  'tool_use_id',
  'cache_control',
  'signature',
  'thoughtSignature',
  'mimeType',
  'mime_type',
  'taskType',
]);

export function requestPromptText(body: unknown): TokenTally {
  const tally = new TokenTally();
  if (!isRecord(body)) return tally;
  for (const [key, value] of Object.entries(body)) {
    if (toolFields.has(key)) tally.addJson(value);
    else if (textFields.has(key)) visit(tally, key, value);
  }
  return tally;
}

function visit(tally: TokenTally, key: string, value: unknown): void {
  if (typeof value === 'string') {
    tally.add(value);
    return;
  }
  if (Array.isArray(value)) {
    if (turnLists.has(key)) tally.addTokens(MESSAGE_TOKENS * (value.length + 1));
    // Pre-tokenised input (`prompt` or `input` as token ids): one token an entry.
    if (value.length > 0 && typeof value[0] === 'number') {
      tally.addTokens(value.length);
      return;
    }
    for (const item of value) visit(tally, key, item);
    return;
  }
  if (!isRecord(value)) return;
  for (const [inner, innerValue] of Object.entries(value)) {
    if (skippedFields.has(inner)) continue;
    if (mediaFields.has(inner)) tally.addTokens(IMAGE_TOKENS);
    else if (toolFields.has(inner)) tally.addJson(innerValue);
    else if (inner === 'args' || inner === 'response' || inner === 'input') tally.addJson(innerValue);
    else visit(tally, inner, innerValue);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
