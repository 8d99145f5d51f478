// Every translated stream ends with exactly one usage part: the provider's own when it reported it in full,
// otherwise completed or counted from the prompt and the text that was streamed (marked estimated). A stream
// that breaks off still hands its usage so far to the surface (which meters the failure) before the error.
import type { StreamPart, Usage } from '../../core/chat.js';
import { OutputTally, settleUsage, type TokenTally } from '../../core/usage-estimate.js';

/** The usage a provider reported so far, as a stream transform saw it (updated while the stream runs). */
export type ReportedUsage = {
  usage: Usage | undefined;
  /** True once the reported output count is the answer's final one (the stream reached its end). */
  outputFinal: boolean;
};

export const noReportedUsage = (): ReportedUsage => ({ usage: undefined, outputFinal: false });

export async function* settleStreamUsage(
  parts: AsyncIterable<StreamPart>,
  prompt: () => TokenTally,
  reported: ReportedUsage = noReportedUsage(),
  onAbandoned?: (usage: Usage) => void,
): AsyncGenerator<StreamPart> {
  const output = new OutputTally();
  let settled = false;
  let ended = false;
  try {
    for await (const part of parts) {
      if (part.type === 'usage') {
        settled = true;
        yield { type: 'usage', usage: settleUsage({ reported: part.usage, prompt, output }) };
        continue;
      }
      collect(output, part);
      yield part;
    }
    ended = true;
  } catch (error) {
    ended = true;
    if (!settled) {
      const usage = settleUsage({ reported: reported.usage, outputFinal: reported.outputFinal, prompt, output });
      yield { type: 'usage', usage };
    }
    throw error;
  } finally {
    // The consumer stopped reading (its client went away) before any usage part: hand over the usage so far.
    if (!settled && !ended && onAbandoned !== undefined) {
      onAbandoned(settleUsage({ reported: reported.usage, outputFinal: reported.outputFinal, prompt, output }));
    }
  }
  if (!settled) yield { type: 'usage', usage: settleUsage({ reported: reported.usage, prompt, output }) };
}

function collect(output: OutputTally, part: StreamPart): void {
  switch (part.type) {
    case 'text-delta':
      output.answer.add(part.text);
      return;
    case 'reasoning-delta':
      output.reasoning.add(part.text);
      return;
    case 'tool-call-start':
      output.answer.add(part.name);
      return;
    case 'tool-call-delta':
      output.answer.add(part.argumentsDelta);
  }
}
