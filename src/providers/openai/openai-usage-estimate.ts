// The text an OpenAI-style answer produced (a chat or completions body, or one stream chunk), for estimating
// completion tokens when the upstream reported none. Only read when an estimate is needed.
import type { OutputTally } from '../../core/usage-estimate.js';
import type { CompatiblePreset } from '../compatible/presets.js';
import { argumentsOf, isRecord, reasoningOf, recordOf, splitContent, stringOf, type JsonRecord } from './openai-wire.js';

export function addOpenAIOutput(output: OutputTally, payload: JsonRecord, preset: CompatiblePreset | undefined): void {
  if (!Array.isArray(payload.choices)) return;
  for (const choice of payload.choices) {
    if (!isRecord(choice)) continue;
    output.answer.add(stringOf(choice.text));
    const message = recordOf(choice.message) ?? recordOf(choice.delta);
    if (message) addMessage(output, message, preset);
  }
}

function addMessage(output: OutputTally, message: JsonRecord, preset: CompatiblePreset | undefined): void {
  const content = splitContent(message.content);
  output.answer.add(content.text);
  output.answer.add(stringOf(message.refusal));
  // The usual reasoning fields are read whatever the preset says: this only counts, it translates nothing.
  output.reasoning.add(
    reasoningOf(message, preset) || content.reasoning || stringOf(message.reasoning_content) || stringOf(message.reasoning),
  );
  if (!Array.isArray(message.tool_calls)) return;
  for (const call of message.tool_calls) {
    const fn = isRecord(call) ? recordOf(call.function) : undefined;
    output.answer.add(stringOf(fn?.name));
    output.answer.add(argumentsOf(fn?.arguments));
  }
}
