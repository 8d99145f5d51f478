// POST /api/prompt/execute (seed 000): one prompt to several models at once, answered side by side. Each
// model is its own model call through the same pipeline as every surface (routing, fallbacks, limits, the
// response cache, a ledger row), so one model's failure is its own error entry and never fails the others.
// JSON: the seed's shape (`results` with model, response, tokens_used, response_time; `total_tokens`,
// `execution_time`) plus cost, finish reason and the call's request id. `stream: true`: server-sent events
// tagged with the model (`start`, `delta`, `model_end` per model, `done`).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../access/principal.js';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { ChatRequest, ChatResult, StreamPart, Usage } from '../../core/chat.js';
import { GatewayError, toGatewayError } from '../../core/errors.js';
import type { Exchange, Route } from '../../http/server.js';
import { startEventStream, writeEvent } from '../../http/sse.js';
import { partsToResult } from '../../pipeline/cache/stream-answer.js';
import { runModelCall, upstream, type ModelCall, type ModelCallDeps } from '../../pipeline/model-call.js';
import { primeStream } from '../../pipeline/stream-prime.js';
import { decodeChatRequest } from '../simple/simple-decode.js';
import { catalogueModelName } from '../simple/simple-models.js';
import { simpleMessageSchema } from '../simple/simple-request-schemas.js';
import type { PromptRunStore } from '../../store/types.js';
import { readJson, renderPlatformError, sendOk } from './platform-io.js';

export type FanOutOptions = {
  /** Where runs are saved for GET /api/prompts/{id} and the history. */
  runs: PromptRunStore;
  /** Most models one request may name. */
  maxModels: number;
  /** Longest per-model time a request may ask for (`timeout_ms`), and the default. */
  maxTimeoutMs: number;
};

const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** The fields of a fan-out (POST /api/prompt/execute) that an async prompt (POST /api/prompt/create) shares. */
export function fanOutFields(options: Pick<FanOutOptions, 'maxModels' | 'maxTimeoutMs'>) {
  return {
    prompt: optional(z.string().min(1)),
    messages: optional(z.array(simpleMessageSchema).min(1)),
    models: z
      .array(z.string().min(1))
      .min(1)
      .max(options.maxModels, `at most ${options.maxModels} models in one request`)
      .refine((models) => new Set(models).size === models.length, 'each model may be listed once'),
    temperature: optional(z.number().min(0).max(2)),
    max_tokens: optional(z.number().int().positive()),
    /** Each model's time limit; the whole call ends when the slowest model's does. */
    timeout_ms: optional(z.number().int().positive().max(options.maxTimeoutMs)),
  };
}

/** Exactly one of `prompt` and `messages`. */
export const onePrompt: [(body: { prompt?: string | null; messages?: unknown }) => boolean, { message: string; path: string[] }] = [
  (body) => (body.prompt == null) !== (body.messages == null),
  { message: 'give either prompt or messages, not both', path: ['prompt'] },
];

function fanOutSchema(options: Pick<FanOutOptions, 'maxModels' | 'maxTimeoutMs'>) {
  return z.object({ ...fanOutFields(options), stream: optional(z.boolean()) }).refine(...onePrompt);
}

type FanOutBody = z.infer<ReturnType<typeof fanOutSchema>>;

/** One model's entry in `results`. */
export type ModelResult = {
  model: string;
  provider: string | null;
  request_id: string;
  response: string | null;
  finish_reason: string | null;
  tokens_used: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  cost_micro_usd: number;
  response_time: number;
  error?: { status: number; code: string; message: string };
};

export function fanOutRoutes(deps: ModelCallDeps, options: FanOutOptions): Route[] {
  const schema = fanOutSchema(options);
  return [
    {
      method: ['POST'],
      path: '/api/prompt/execute',
      access: { scope: 'generator', domain: 'prompts' },
      renderError: renderPlatformError,
      handler: (exchange) => execute(deps, options, schema, exchange),
    },
  ];
}

async function execute(deps: ModelCallDeps, options: FanOutOptions, schema: ReturnType<typeof fanOutSchema>, exchange: Exchange): Promise<void> {
  const body = await readJson(exchange, schema, deps.bodyLimit);
  const started = performance.now();
  const stream = body.stream === true;
  const timeoutMs = body.timeout_ms ?? options.maxTimeoutMs;
  const emit = stream ? startStream(exchange, body) : undefined;
  const createdAt = new Date();
  const context: FanOutContext = { principal: exchange.principal, requestId: exchange.requestId, signal: exchange.signal, headers: exchange.request.headers };
  const results = await Promise.all(body.models.map((model, index) => runFanOutModel(deps, context, body, model, index, timeoutMs, emit)));
  const totalCostMicroUsd = results.reduce((sum, result) => sum + result.cost_micro_usd, 0);
  const totals = {
    id: exchange.requestId,
    total_tokens: results.reduce((sum, result) => sum + result.tokens_used, 0),
    total_cost: usd(totalCostMicroUsd),
    execution_time: seconds(performance.now() - started),
  };
  await saveRun(deps, options.runs, exchange, body, results, { createdAt, totalTokens: totals.total_tokens, totalCostMicroUsd });
  if (emit === undefined) {
    sendOk(exchange, 200, { id: totals.id, results, total_tokens: totals.total_tokens, total_cost: totals.total_cost, execution_time: totals.execution_time });
    return;
  }
  await emit('done', totals);
  exchange.response.end();
}

/** Saved before the answer goes out, so the run is in GET /api/prompts/{id} once the client has it; a store that fails is logged, not the client's failure. */
async function saveRun(
  deps: ModelCallDeps,
  runs: PromptRunStore,
  exchange: Exchange,
  body: FanOutBody,
  results: ModelResult[],
  totals: { createdAt: Date; totalTokens: number; totalCostMicroUsd: number },
): Promise<void> {
  const caller = exchange.principal;
  if (caller?.organizationId == null) return;
  const { models, stream: _stream, ...request } = body;
  try {
    await runs.save({
      id: exchange.requestId,
      organizationId: caller.organizationId,
      apiKeyId: caller.apiKeyId ?? null,
      userId: caller.userId ?? null,
      kind: 'execute',
      status: results.every((result) => result.error !== undefined) ? 'failed' : 'completed',
      request: Object.fromEntries(Object.entries(request).filter(([, value]) => value != null)),
      models,
      results,
      totalTokens: totals.totalTokens,
      totalCostMicroUsd: totals.totalCostMicroUsd,
      createdAt: totals.createdAt,
      completedAt: new Date(),
    });
  } catch (error) {
    deps.meter.logger.error({ err: error, requestId: exchange.requestId }, 'a prompt run could not be saved for the history');
  }
}

export type Emit = (event: string, data: unknown) => Promise<boolean>;

function startStream(exchange: Exchange, body: FanOutBody): Emit {
  startEventStream(exchange.response, {});
  const emit: Emit = (event, data) => writeEvent(exchange.response, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  void emit('start', { id: exchange.requestId, models: body.models });
  return emit;
}

/** Who runs a fan-out and under which id: the HTTP request's, or an async job's (its submitter, its id). */
export type FanOutContext = { principal: Principal | undefined; requestId: string; signal: AbortSignal; headers: IncomingHttpHeaders };

/** What every model of a fan-out is asked. */
export type FanOutInput = Pick<FanOutBody, 'prompt' | 'messages' | 'temperature' | 'max_tokens'>;

/** One model's call: its own request id (`<id>-m<n>`), ledger row and limits; its failure is its entry's error. */
export async function runFanOutModel(
  deps: ModelCallDeps,
  context: FanOutContext,
  body: FanOutInput,
  model: string,
  index: number,
  timeoutMs: number,
  emit?: Emit,
): Promise<ModelResult> {
  const started = performance.now();
  const requestId = `${context.requestId}-m${index + 1}`;
  const entry = emptyResult(model, requestId);
  const detached = detachedResponse();
  // The model's own exchange: the caller's credential and signal, its own request id and time limit, and a
  // response nobody reads (the pipeline's headers for it are dropped; the answer goes into `entry`).
  const sub: Exchange = {
    request: { headers: { ...context.headers, 'x-switchyard-timeout-ms': String(timeoutMs) }, url: '/api/prompt/execute' } as unknown as IncomingMessage,
    response: detached.response,
    requestId,
    params: {},
    signal: context.signal,
    startedAt: started,
    principal: context.principal,
  };
  const name = catalogueModelName(deps.directory.catalogue, model);
  const simpleBody = {
    model: name,
    messages: body.messages ?? [{ role: 'user' as const, content: body.prompt! }],
    ...(body.temperature == null ? {} : { temperature: body.temperature }),
    ...(body.max_tokens == null ? {} : { max_tokens: body.max_tokens }),
    stream: emit !== undefined,
  };
  try {
    await runModelCall(deps, sub, { model: name, capability: 'chat', endpoint: 'chat', stream: emit !== undefined, body: simpleBody }, async (call) => {
      entry.provider = call.route.entry.provider;
      const request = decodeChatRequest(simpleBody, call.route.entry.upstreamId);
      const result = emit === undefined ? await answer(call, request) : await relay(call, request, detached, (text) => emit('delta', { model, index, text }));
      fill(entry, result, call);
    });
  } catch (caught) {
    const error = toGatewayError(caught);
    entry.error = { status: error.status, code: error.publicCode ?? error.code, message: error.message };
  }
  entry.response_time = seconds(performance.now() - started);
  await emit?.('model_end', { index, ...entry });
  return entry;
}

async function answer(call: ModelCall, request: ChatRequest): Promise<{ result: ChatResult; cost: number }> {
  const result = await upstream(call, call.route.adapter.chat(request, call.context));
  call.meter.markFirstToken();
  return { result, cost: call.meter.succeeded(result.usage) };
}

/** Streams one model's text as `delta` events; metered when its stream ends. */
async function relay(call: ModelCall, request: ChatRequest, detached: Detached, onText: (text: string) => Promise<boolean>): Promise<{ result: ChatResult; cost: number }> {
  const parts = await upstream(call, call.route.adapter.streamChat(request, call.context));
  const primed = await primeStream(parts, call.meter);
  // Committed: another attempt may no longer take over this model's answer.
  detached.commit();
  const seen: StreamPart[] = [];
  let usage: Usage | undefined;
  try {
    for await (const part of primed) {
      seen.push(part);
      if (part.type === 'usage') usage = part.usage;
      if (part.type === 'text-delta' && part.text !== '') {
        call.meter.markFirstToken();
        await onText(part.text);
      }
    }
  } catch (caught) {
    const error = toGatewayError(caught);
    call.meter.failed(error, usage);
    throw error;
  }
  const result = partsToResult(seen);
  if (result === undefined) {
    const error = new GatewayError('upstream_error', `Provider '${call.route.entry.provider}' broke off its answer before the end.`, { provider: call.route.entry.provider });
    call.meter.failed(error, usage);
    throw error;
  }
  return { result, cost: call.meter.succeeded(result.usage) };
}

function fill(entry: ModelResult, { result, cost }: { result: ChatResult; cost: number }, call: ModelCall): void {
  const choice = result.choices[0];
  entry.provider = call.route.entry.provider;
  entry.response = choice?.message.content ?? '';
  entry.finish_reason = choice?.finish.unified ?? null;
  entry.prompt_tokens = result.usage.input.total;
  entry.completion_tokens = result.usage.output.total;
  entry.tokens_used = entry.prompt_tokens + entry.completion_tokens;
  entry.cost_micro_usd = cost;
  entry.cost = usd(cost);
}

type Detached = { response: ServerResponse; commit(): void };

/** A response for the pipeline's bookkeeping of one model (headers it sets, whether it committed), never sent. */
function detachedResponse(): Detached {
  const headers = new Map<string, unknown>();
  let committed = false;
  const response = {
    setHeader(name: string, value: unknown) {
      headers.set(name.toLowerCase(), value);
      return response;
    },
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    hasHeader: (name: string) => headers.has(name.toLowerCase()),
    removeHeader: (name: string) => void headers.delete(name.toLowerCase()),
    get headersSent() {
      return committed;
    },
  };
  return { response: response as unknown as ServerResponse, commit: () => void (committed = true) };
}

/** A model's entry before it has answered (or when it never does). */
export function emptyResult(model: string, requestId: string): ModelResult {
  return {
    model,
    provider: null,
    request_id: requestId,
    response: null,
    finish_reason: null,
    tokens_used: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost: 0,
    cost_micro_usd: 0,
    response_time: 0,
  };
}

export const usd = (microUsd: number) => microUsd / 1_000_000;
const seconds = (ms: number) => Math.round(ms) / 1000;
