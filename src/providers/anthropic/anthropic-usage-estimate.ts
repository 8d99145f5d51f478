// The text an Anthropic answer produced, from the raw message or stream events, for estimating output tokens
// when the relayed answer carried no usage (or a stream broke off before message_delta). Read leniently.
import type { OutputTally } from '../../core/usage-estimate.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A Messages response body: every content block. */
export function addAnthropicMessageOutput(output: OutputTally, message: unknown): void {
  if (!isObject(message) || !Array.isArray(message.content)) return;
  for (const block of message.content) addBlock(output, block);
}

/** One stream event: a block's start (a tool's name, any initial text) or a delta. */
export function addAnthropicEventOutput(output: OutputTally, event: Json): void {
  if (event.type === 'content_block_start') addBlock(output, event.content_block);
  if (event.type !== 'content_block_delta' || !isObject(event.delta)) return;
  const { delta } = event;
  output.answer.add(text(delta.text));
  output.answer.add(text(delta.partial_json));
  output.reasoning.add(text(delta.thinking));
}

function addBlock(output: OutputTally, block: unknown): void {
  if (!isObject(block)) return;
  if (block.type === 'thinking') {
    output.reasoning.add(text(block.thinking));
    return;
  }
  output.answer.add(text(block.text));
  if (typeof block.name === 'string') {
    // tool_use and server_tool_use: the call's name and input are output the model wrote.
    output.answer.add(block.name);
    if (isObject(block.input) && Object.keys(block.input).length > 0) output.answer.addJson(block.input);
  }
}
