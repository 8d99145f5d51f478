// Anthropic stop_reason → the neutral finish reason, keeping the raw value.
// https://docs.claude.com/en/api/messages (stop_reason) ; mapping table: /work/shared/reference/mapping.md §3.
//
// | stop_reason                                  | unified                                        |
// |----------------------------------------------|------------------------------------------------|
// | end_turn, stop_sequence, pause_turn          | stop                                           |
// | tool_use                                     | tool_calls (stop when only the JSON tool ran)  |
// | max_tokens, model_context_window_exceeded    | length                                         |
// | refusal                                      | content_filter                                 |
// | anything else, or none                       | other                                          |
import type { FinishReason, UnifiedFinishReason } from '../../core/chat.js';

const unifiedByStopReason: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // A paused server-tool turn: the answer so far is complete from the client's point of view.
  pause_turn: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  refusal: 'content_filter',
};

/**
 * `answeredWithJsonTool`: the synthetic `json` tool (response_format emulation) carried the answer and no
 * client tool was called, so the client sees a finished text answer, not a tool call.
 */
export function mapAnthropicStopReason(
  stopReason: string | null | undefined,
  answeredWithJsonTool = false,
): FinishReason {
  const raw = stopReason ?? null;
  if (raw === null) return { unified: 'other', raw };
  if (raw === 'tool_use' && answeredWithJsonTool) return { unified: 'stop', raw };
  return { unified: unifiedByStopReason[raw] ?? 'other', raw };
}
