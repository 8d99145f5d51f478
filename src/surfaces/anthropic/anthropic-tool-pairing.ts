// Anthropic's tool pairing rule (../shared/reference/anthropic.md §2), checked before translating so every provider
// answers alike, in Anthropic's words and the client's own message numbering: each tool_use is answered by a
// tool_result in the very next message, and each tool_result answers a tool_use of the message before it.
// Without the check a broken pairing fails later and less helpfully: Gemini pairs results with calls by id to
// recover the function name, and OpenAI refuses unanswered calls.
import type { MessageParam } from './anthropic-request-schema.js';
import { invalidField } from './anthropic-validation.js';

export function checkToolPairing(messages: MessageParam[]): void {
  messages.forEach((message, index) => {
    if (message.role === 'user') checkResults(message, index, messages[index - 1]);
    else checkCalls(message, index, messages[index + 1]);
  });
}

function checkResults(message: MessageParam, index: number, previous: MessageParam | undefined): void {
  const called = new Set(previous?.role === 'assistant' ? blockIds(previous, 'tool_use') : []);
  if (typeof message.content === 'string') return;
  message.content.forEach((block, blockIndex) => {
    if (block.type !== 'tool_result' || called.has(block.tool_use_id)) return;
    throw invalidField(
      ['messages', index, 'content', blockIndex],
      `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. ` +
        'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
  });
}

function checkCalls(message: MessageParam, index: number, next: MessageParam | undefined): void {
  const answered = new Set(next?.role === 'user' ? blockIds(next, 'tool_result') : []);
  const missing = blockIds(message, 'tool_use').filter((id) => !answered.has(id));
  if (missing.length === 0) return;
  throw invalidField(
    ['messages', index + 1],
    `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
      'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
  );
}

/** The ids of a message's tool_use blocks, or the tool_use_ids of its tool_result blocks. */
function blockIds(message: MessageParam, type: 'tool_use' | 'tool_result'): string[] {
  if (typeof message.content === 'string') return [];
  return message.content.flatMap((block) => {
    if (type === 'tool_use' && block.type === 'tool_use') return [block.id];
    if (type === 'tool_result' && block.type === 'tool_result') return [block.tool_use_id];
    return [];
  });
}
