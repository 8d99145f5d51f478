// POST /v1/completions, the legacy text completions: same chunk shape streamed and not, then [DONE]
// (shared/reference/openai.md §8). max_tokens defaults to 16, as on the real endpoint.
import { countTokens, planAnswer, type PlannedAnswer, type TurnInput } from './answer-plan.js';
import { isMissingModel, openaiInvalid, openaiModelNotFound, OPENAI_STREAM_ERROR_FRAME } from './openai-dialect.js';
import { reportedUsage, stopList } from './openai-usage.js';
import { SSE_TYPE, asCount, asString, isRecord, jsonReply, type RouteResult, type SimContext, type SimRequest } from './sim-reply.js';

const DEFAULT_MAX_TOKENS = 16;
const FINISH_REASONS = { stop: 'stop', stop_sequence: 'stop', length: 'length', tool_calls: 'stop' } as const;

type Prompt = { text: string; tokens: number };

export function openaiCompletions(request: SimRequest, context: SimContext): RouteResult {
  const body = request.body;
  if (!isRecord(body)) return { reply: openaiInvalid(request, 'Invalid request body.'), stream: false };
  const model = asString(body.model);
  if (model === undefined || model === '') return { reply: openaiInvalid(request, 'you must provide a model parameter'), stream: false };
  const stream = body.stream === true;
  if (isMissingModel(model)) return { reply: openaiModelNotFound(request, model), model, stream };
  const n = Math.max(asCount(body.n) ?? 1, 1);
  const plans = prompts(body.prompt).map((prompt) => planAnswer(completionTurn(body, model, prompt), context.reply));
  const id = `cmpl-${request.id}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = reportedUsage(completionUsage(plans, n), plans[0]?.directives?.usage);
  if (!stream) {
    const choices = plans.flatMap((plan, promptIndex) =>
      Array.from({ length: n }, (_, copy) => ({
        text: plan.text,
        index: promptIndex * n + copy,
        logprobs: null,
        finish_reason: FINISH_REASONS[plan.finish],
      })),
    );
    const reply = jsonReply(200, { id, object: 'text_completion', created, model, choices, usage });
    return { reply, model, stream, directives: plans[0]?.directives };
  }
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true && usage !== undefined;
  const head = `data: {"id":"${id}","object":"text_completion","created":${created},"choices":[`;
  const tail = `],"model":${JSON.stringify(model)}${includeUsage ? ',"usage":null' : ''}}\n\n`;
  const frames: string[] = [];
  const contentFrames: number[] = [];
  plans.forEach((plan, promptIndex) => {
    // As recorded from the real endpoint: the last text chunk carries the finish reason.
    const pieces = context.splitter.split(plan.text);
    const texts = pieces.length === 0 ? [''] : pieces;
    const finish = `"${FINISH_REASONS[plan.finish]}"`;
    for (let copy = 0; copy < n; copy += 1) {
      const index = promptIndex * n + copy;
      texts.forEach((piece, position) => {
        const reason = position === texts.length - 1 ? finish : 'null';
        if (piece !== '') contentFrames.push(frames.length);
        frames.push(`${head}{"text":${JSON.stringify(piece)},"index":${index},"logprobs":null,"finish_reason":${reason}}${tail}`);
      });
    }
  });
  if (includeUsage) frames.push(`data: {"id":"${id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)},"usage":${JSON.stringify(usage)},"choices":[]}\n\n`);
  frames.push('data: [DONE]\n\n');
  const reply = {
    kind: 'stream' as const,
    headers: { 'content-type': SSE_TYPE },
    frames,
    contentFrames,
    errorFrame: OPENAI_STREAM_ERROR_FRAME,
    malformedFrame: `${head}{"text":"\n\n`,
  };
  return { reply, model, stream, directives: plans[0]?.directives };
}

/** A string, strings, a token array or token arrays; token arrays count one token per entry. */
function prompts(prompt: unknown): Prompt[] {
  if (typeof prompt === 'string') return [{ text: prompt, tokens: countTokens(prompt.length) }];
  if (!Array.isArray(prompt) || prompt.length === 0) return [{ text: '<|endoftext|>', tokens: 1 }];
  if (typeof prompt[0] === 'number') return [{ text: `${prompt.length} tokens`, tokens: prompt.length }];
  return prompt.map((entry): Prompt => {
    if (typeof entry === 'string') return { text: entry, tokens: countTokens(entry.length) };
    const length = Array.isArray(entry) ? entry.length : 0;
    return { text: `${length} tokens`, tokens: length };
  });
}

function completionTurn(body: Record<string, unknown>, model: string, prompt: Prompt): TurnInput {
  return {
    model,
    userText: prompt.text,
    imageCount: 0,
    toolResults: undefined,
    endsWithUser: true,
    tools: [],
    toolMode: 'none',
    parallelAllowed: false,
    promptChars: prompt.tokens * 4,
    promptImages: 0,
    json: undefined,
    stop: stopList(body.stop),
    maxTokens: body.max_tokens === null ? undefined : (asCount(body.max_tokens) ?? DEFAULT_MAX_TOKENS),
    thinking: false,
  };
}

function completionUsage(plans: PlannedAnswer[], n: number): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  let prompt = 0;
  let completion = 0;
  for (const plan of plans) {
    prompt += plan.usage.promptTokens + plan.usage.cacheRead;
    completion += (plan.usage.outputTokens + plan.usage.reasoningTokens) * n;
  }
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
