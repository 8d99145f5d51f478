// models/{model}:generateContent, :streamGenerateContent (SSE with alt=sse, else a streamed JSON array) and
// :countTokens, shaped like the Gemini API's (shared/reference/gemini.md §2-5; vercel/ai google fixtures).
import {
  REASONING_TEXT,
  countTokens,
  planAnswer,
  promptTokens,
  type AnswerUsage,
  type PlannedAnswer,
  type ToolMode,
  type ToolSpec,
  type TurnInput,
} from './answer-plan.js';
import { GEMINI_STREAM_ERROR, geminiInvalid, geminiModelNotFound } from './gemini-dialect.js';
import {
  JSON_TYPE,
  SSE_TYPE,
  asArray,
  asCount,
  isRecord,
  jsonReply,
  type RouteResult,
  type SimContext,
  type SimReply,
  type SimRequest,
} from './sim-reply.js';

const FINISH_REASONS = { stop: 'STOP', stop_sequence: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' } as const;
const MAX_CANDIDATES = 8;

type Rendering = { model: string; responseId: string; plan: PlannedAnswer; candidates: number; thoughts: boolean };

export function geminiGenerate(request: SimRequest, context: SimContext, model: string, stream: boolean): RouteResult {
  const body = request.body;
  if (!isRecord(body)) return { reply: geminiInvalid('Invalid JSON payload received.'), model, stream };
  if (!Array.isArray(body.contents) || body.contents.length === 0) {
    return { reply: geminiInvalid('* GenerateContentRequest.contents: contents is not specified\n'), model, stream };
  }
  if (model.startsWith('missing')) {
    return { reply: geminiModelNotFound(model, stream ? 'streamGenerateContent' : 'generateContent'), model, stream };
  }
  const turn = generateTurn(body, model);
  const plan = planAnswer(turn, context.reply);
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const rendering: Rendering = {
    model,
    responseId: request.id,
    plan,
    candidates: Math.min(Math.max(asCount(config.candidateCount) ?? 1, 1), MAX_CANDIDATES),
    thoughts: turn.thinking && plan.usage.reasoningTokens > 0,
  };
  if (!stream) return { reply: generateJson(rendering), model, stream, directives: plan.directives };
  const sse = request.query.includes('alt=sse');
  return { reply: generateStream(rendering, context, sse), model, stream, directives: plan.directives };
}

export function geminiCountTokens(request: SimRequest, model: string): RouteResult {
  const body = request.body;
  if (!isRecord(body)) return { reply: geminiInvalid('Invalid JSON payload received.'), model, stream: false };
  const inner = isRecord(body.generateContentRequest) ? body.generateContentRequest : body;
  const tokens = promptTokens(generateTurn(inner, model));
  const reply = jsonReply(200, { totalTokens: tokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: tokens }] });
  return { reply, model, stream: false };
}

function generateTurn(body: Record<string, unknown>, model: string): TurnInput {
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const thinkingConfig = isRecord(config.thinkingConfig) ? config.thinkingConfig : {};
  const turn: TurnInput = {
    model,
    userText: '',
    imageCount: 0,
    toolResults: undefined,
    endsWithUser: false,
    tools: [],
    toolMode: 'auto',
    parallelAllowed: true,
    promptChars: isRecord(body.systemInstruction) ? partsText(body.systemInstruction.parts).text.length : 0,
    promptImages: 0,
    json: config.responseMimeType === 'application/json' ? { schema: config.responseJsonSchema ?? config.responseSchema } : undefined,
    stop: asArray(config.stopSequences).filter((entry): entry is string => typeof entry === 'string'),
    maxTokens: asCount(config.maxOutputTokens),
    thinking: thinkingConfig.includeThoughts === true,
  };
  let last: { role: unknown; results: string[] } | undefined;
  for (const content of asArray(body.contents)) {
    if (!isRecord(content)) continue;
    const parts = partsText(content.parts);
    turn.promptChars += parts.text.length + parts.otherChars;
    turn.promptImages += parts.images;
    const role = content.role ?? 'user';
    if (role === 'user' && (parts.text !== '' || parts.images > 0)) {
      turn.userText = parts.text;
      turn.imageCount = parts.images;
    }
    last = { role, results: parts.toolResults };
  }
  if (last !== undefined && last.role !== 'model' && last.results.length > 0) turn.toolResults = last.results;
  turn.endsWithUser = last?.role === 'user' && turn.toolResults === undefined;
  readTools(turn, body.tools, body.toolConfig);
  return turn;
}

type PartsText = { text: string; images: number; otherChars: number; toolResults: string[] };

function partsText(parts: unknown): PartsText {
  const result: PartsText = { text: '', images: 0, otherChars: 0, toolResults: [] };
  for (const part of asArray(parts)) {
    if (!isRecord(part)) continue;
    if (typeof part.text === 'string') {
      result.text = result.text === '' ? part.text : `${result.text}\n${part.text}`;
    } else if (isRecord(part.inlineData) || isRecord(part.fileData)) {
      const data = (part.inlineData ?? part.fileData) as Record<string, unknown>;
      if (typeof data.mimeType === 'string' && data.mimeType.startsWith('image/')) result.images += 1;
    } else if (isRecord(part.functionCall)) {
      result.otherChars += JSON.stringify(part.functionCall).length;
    } else if (isRecord(part.functionResponse)) {
      const text = responseText(part.functionResponse.response);
      result.toolResults.push(text);
      result.otherChars += text.length;
    }
  }
  return result;
}

/** Google's convention is `{output}`; LiteLLM and Vercel send `{content}` (shared/reference/gemini.md §2). */
function responseText(response: unknown): string {
  if (typeof response === 'string') return response;
  if (!isRecord(response)) return '';
  for (const key of ['content', 'output', 'result']) {
    const value = response[key];
    if (typeof value === 'string') return value;
    if (value !== undefined) return JSON.stringify(value);
  }
  return JSON.stringify(response);
}

function readTools(turn: TurnInput, tools: unknown, toolConfig: unknown): void {
  const specs: ToolSpec[] = [];
  for (const tool of asArray(tools)) {
    if (!isRecord(tool)) continue;
    for (const declaration of asArray(tool.functionDeclarations)) {
      if (isRecord(declaration) && typeof declaration.name === 'string') {
        specs.push({ name: declaration.name, schema: declaration.parametersJsonSchema ?? declaration.parameters });
      }
    }
  }
  if (specs.length > 0) turn.promptChars += JSON.stringify(tools).length;
  const config = isRecord(toolConfig) && isRecord(toolConfig.functionCallingConfig) ? toolConfig.functionCallingConfig : {};
  const allowed = asArray(config.allowedFunctionNames).filter((name): name is string => typeof name === 'string');
  turn.tools = allowed.length > 0 ? specs.filter((spec) => allowed.includes(spec.name)) : specs;
  turn.toolMode = toolMode(config.mode, allowed);
}

function toolMode(mode: unknown, allowed: string[]): ToolMode {
  if (mode === 'NONE') return 'none';
  if (mode === 'ANY' || mode === 'VALIDATED') return allowed.length === 1 ? { name: allowed[0]! } : 'required';
  return 'auto';
}

/** Gemini: promptTokenCount includes cached tokens; thoughts are separate from candidates; total adds all. */
function usageMetadata(usage: AnswerUsage, candidatesTokens: number): Record<string, unknown> {
  const prompt = usage.promptTokens + usage.cacheRead;
  const metadata: Record<string, unknown> = {
    promptTokenCount: prompt,
    candidatesTokenCount: candidatesTokens,
    totalTokenCount: prompt + candidatesTokens + usage.reasoningTokens,
  };
  if (usage.cacheRead > 0) metadata.cachedContentTokenCount = usage.cacheRead;
  metadata.promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
  if (usage.reasoningTokens > 0) metadata.thoughtsTokenCount = usage.reasoningTokens;
  return metadata;
}

function answerParts(rendering: Rendering): Record<string, unknown>[] {
  const { plan } = rendering;
  const parts: Record<string, unknown>[] = rendering.thoughts ? [{ text: REASONING_TEXT, thought: true }] : [];
  if (plan.toolCalls.length === 0) parts.push({ text: plan.text });
  // The Gemini API does not return functionCall.id, so neither does the simulator.
  for (const call of plan.toolCalls) parts.push({ functionCall: { name: call.name, args: call.arguments } });
  return parts;
}

function candidateList(rendering: Rendering, parts: unknown[], finishReason: string | undefined): unknown[] {
  const candidates = [];
  for (let index = 0; index < rendering.candidates; index += 1) {
    const candidate: Record<string, unknown> = { content: { parts, role: 'model' } };
    if (finishReason !== undefined) candidate.finishReason = finishReason;
    candidate.index = index;
    candidates.push(candidate);
  }
  return candidates;
}

function generateJson(rendering: Rendering): SimReply {
  const { plan } = rendering;
  return jsonReply(200, {
    candidates: candidateList(rendering, answerParts(rendering), FINISH_REASONS[plan.finish]),
    usageMetadata: reportedMetadata(usageMetadata(plan.usage, plan.usage.outputTokens * rendering.candidates), plan),
    modelVersion: rendering.model,
    responseId: rendering.responseId,
  });
}

/**
 * Each chunk carries only its new parts and the running usage; the last one carries finishReason. Chunks are
 * assembled from strings (only the parts and counts change), which keeps the per-request cost low.
 */
function generateStream(rendering: Rendering, context: SimContext, sse: boolean): SimReply {
  const { plan } = rendering;
  const tail = `,"modelVersion":${JSON.stringify(rendering.model)},"responseId":${JSON.stringify(rendering.responseId)}}`;
  const chunks: string[] = [];
  const contentFrames: number[] = [];
  const chunk = (partsJson: string, outputChars: number, finish: string | undefined, content: boolean): void => {
    if (content) contentFrames.push(chunks.length);
    const candidatesTokens = countTokens(outputChars) * rendering.candidates;
    const candidates = candidateListJson(rendering.candidates, partsJson, finish);
    chunks.push(`{"candidates":${candidates}${usageMetadataField(plan, candidatesTokens)}${tail}`);
  };
  const finish = FINISH_REASONS[plan.finish];
  const thought = rendering.thoughts ? `{"text":${JSON.stringify(REASONING_TEXT)},"thought":true},` : '';
  if (plan.toolCalls.length > 0) {
    const calls = plan.toolCalls.map((call) => `{"functionCall":{"name":${JSON.stringify(call.name)},"args":${call.argumentsJson}}}`);
    chunk(`[${thought}${calls.join(',')}]`, 0, undefined, true);
    chunk('[{"text":""}]', 0, finish, false);
  } else {
    const pieces = context.splitter.split(plan.text);
    if (pieces.length === 0) chunk(`[${thought}{"text":""}]`, 0, finish, false);
    let sent = 0;
    pieces.forEach((piece, index) => {
      sent += piece.length;
      const parts = `[${index === 0 ? thought : ''}{"text":${JSON.stringify(piece)}}]`;
      chunk(parts, sent, index === pieces.length - 1 ? finish : undefined, true);
    });
  }
  return sse ? sseFrames(chunks, contentFrames) : jsonArrayFrames(chunks, contentFrames);
}

function candidateListJson(count: number, partsJson: string, finish: string | undefined): string {
  const finishJson = finish === undefined ? '' : `"finishReason":"${finish}",`;
  let list = '[';
  for (let index = 0; index < count; index += 1) {
    list += `${index === 0 ? '' : ','}{"content":{"parts":${partsJson},"role":"model"},${finishJson}"index":${index}}`;
  }
  return `${list}]`;
}

/** `[sim:usage=none]` leaves usageMetadata out, `[sim:usage=prompt]` keeps only the prompt count. */
function reportedMetadata(metadata: Record<string, unknown>, plan: PlannedAnswer): Record<string, unknown> | undefined {
  const report = plan.directives?.usage;
  if (report === 'none') return undefined;
  if (report === 'prompt') return { promptTokenCount: metadata.promptTokenCount, totalTokenCount: metadata.promptTokenCount };
  return metadata;
}

function usageMetadataField(plan: PlannedAnswer, candidatesTokens: number): string {
  const report = plan.directives?.usage;
  if (report === 'none') return '';
  if (report === 'prompt') {
    const prompt = plan.usage.promptTokens + plan.usage.cacheRead;
    return `,"usageMetadata":{"promptTokenCount":${prompt},"totalTokenCount":${prompt}}`;
  }
  return `,"usageMetadata":${usageMetadataJson(plan.usage, candidatesTokens)}`;
}

/** The same fields, in the same order, as usageMetadata(). */
function usageMetadataJson(usage: AnswerUsage, candidatesTokens: number): string {
  const prompt = usage.promptTokens + usage.cacheRead;
  const cached = usage.cacheRead > 0 ? `,"cachedContentTokenCount":${usage.cacheRead}` : '';
  const thoughts = usage.reasoningTokens > 0 ? `,"thoughtsTokenCount":${usage.reasoningTokens}` : '';
  return (
    `{"promptTokenCount":${prompt},"candidatesTokenCount":${candidatesTokens},` +
    `"totalTokenCount":${prompt + candidatesTokens + usage.reasoningTokens}${cached},` +
    `"promptTokensDetails":[{"modality":"TEXT","tokenCount":${prompt}}]${thoughts}}`
  );
}

function sseFrames(chunks: string[], contentFrames: number[]): SimReply {
  return {
    kind: 'stream',
    headers: { 'content-type': SSE_TYPE },
    frames: chunks.map((chunk) => `data: ${chunk}\r\n\r\n`),
    contentFrames,
    errorFrame: `data: ${GEMINI_STREAM_ERROR}\r\n\r\n`,
    malformedFrame: 'data: {"candidates":[{"content":{"parts":[{"text":"\r\n\r\n',
  };
}

/** Without alt=sse Gemini streams one JSON array, an element at a time. */
function jsonArrayFrames(chunks: string[], contentFrames: number[]): SimReply {
  const frames = chunks.map((chunk, index) => (index === 0 ? `[${chunk}` : `,\r\n${chunk}`));
  frames.push(']');
  return {
    kind: 'stream',
    headers: { 'content-type': JSON_TYPE },
    frames,
    contentFrames,
    errorFrame: `,\r\n${GEMINI_STREAM_ERROR}]`,
    malformedFrame: ',\r\n{"candidates":[',
  };
}
