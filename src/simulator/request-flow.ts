// One request's life in the simulator: route, record, authenticate, answer, then apply delays and faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAdmin } from './admin-routes.js';
import { matchRoute, type RouteMatch } from './router.js';
import { readBody, parseJsonBody, writeJson } from './http-io.js';
import { jsonReply, type RouteResult, type SimJsonReply, type SimReply, type SimRequest } from './sim-reply.js';
import {
  faultSlot,
  isStreamOnly,
  type FaultQueue,
  type FaultSlot,
  type SimulatorFamily,
  type SimulatorFault,
} from './simulator-fault.js';
import { writeStream } from './stream-writer.js';
import type { SimulatorState } from './simulator-state.js';

type Incoming = { method: string; path: string; query: string; match: RouteMatch | undefined; route: string };

const FAULT_SLOTS: FaultSlot[] = ['latency', 'first-token', 'outcome'];

const REQUEST_ID_HEADERS: Record<SimulatorFamily, string | undefined> = {
  openai: 'x-request-id',
  anthropic: 'request-id',
  gemini: undefined,
};

export function handleRequest(state: SimulatorState, request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const query = mark === -1 ? '' : url.slice(mark + 1);
  const method = request.method ?? 'GET';
  if (path.startsWith('/_sim/')) {
    readBody(request, (raw) => handleAdmin(state, method, path, raw, response));
    return;
  }
  const match = matchRoute(method, path, request.headers, query);
  const route = match?.route ?? 'unknown';
  state.stats.requests += 1;
  state.stats.byRoute[route] = (state.stats.byRoute[route] ?? 0) + 1;
  response.once('close', () => {
    if (!response.writableFinished) state.stats.abandoned += 1;
  });
  readBody(request, (raw) => {
    respond(state, request, response, { method, path, query, match, route }, raw).catch(() => {
      if (!response.headersSent) writeJson(response, jsonReply(500, { error: { message: 'Simulator failure.' } }));
      else response.destroy();
    });
  });
}

async function respond(
  state: SimulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  incoming: Incoming,
  raw: Buffer | undefined,
): Promise<void> {
  const { body, malformed } = parseJsonBody(raw);
  const { method, path, query, match, route } = incoming;
  const simRequest: SimRequest = { id: state.nextId(), method, path, query, headers: request.headers, body };
  state.log.add({ method, path, query, headers: request.headers, body, route, family: match?.dialect.family });
  if (match === undefined) {
    writeJson(response, unknownRoute(simRequest));
    return;
  }
  const { dialect } = match;
  const early = dialect.authenticate(simRequest, state.isAccepted) ?? (malformed ? dialect.malformedJson(simRequest) : undefined);
  if (early !== undefined) {
    writeReply(response, early, dialect.family, simRequest.id);
    return;
  }
  const result = match.handler(simRequest, state.context, match.model);
  const faults = pickFaults(state.faults, result, dialect.family);
  const outcome = faults.outcome;
  const reply =
    outcome?.kind === 'status' ? dialect.statusError(simRequest, outcome.status, outcome.message, outcome.retryAfter) : result.reply;
  const firstToken = firstTokenDelay(state);
  // A JSON answer is its own first token, so its first-token wait comes before the headers, in one timer.
  const beforeHeaders = latencyDelay(state, faults) + (reply.kind === 'json' && outcome?.kind !== 'reset' ? firstToken : 0);
  if (beforeHeaders > 0) await state.timers.sleep(beforeHeaders);
  if (response.destroyed) return;
  if (outcome?.kind === 'reset') {
    request.socket.destroy();
    return;
  }
  if (reply.kind === 'json') {
    writeReply(response, reply, dialect.family, simRequest.id);
    return;
  }
  addRequestId(reply, dialect.family, simRequest.id);
  const slow = faults['first-token']?.kind === 'slow-first-token' ? faults['first-token'].delayMs : 0;
  const timing = { firstTokenMs: firstToken + slow, chunkDelayMs: state.timing.chunkDelayMs };
  const streamFault = outcome !== undefined && 'afterChunks' in outcome ? outcome : undefined;
  await writeStream(response, reply, timing, streamFault, state.timers);
}

function latencyDelay(state: SimulatorState, faults: PickedFaults): number {
  return state.timing.latencyMs + (faults.latency?.kind === 'latency' ? faults.latency.delayMs : 0);
}

/** The configured first-token wait, plus the long tail when this request draws it (one draw per request that reaches its handler). */
function firstTokenDelay(state: SimulatorState): number {
  const tail = state.drawTail();
  if (tail > 0) state.stats.tailDelayed += 1;
  return state.timing.firstTokenMs + tail;
}

type PickedFaults = Partial<Record<FaultSlot, SimulatorFault>>;

/** A `[sim:fault=…]` directive fills its slot for this request; the queue fills the others. */
function pickFaults(queue: FaultQueue, result: RouteResult, family: SimulatorFamily): PickedFaults {
  const stream = result.stream && result.reply.kind === 'stream';
  const picked: PickedFaults = {};
  const directive = result.directives?.fault;
  if (directive !== undefined && (stream || !isStreamOnly(directive.kind))) picked[faultSlot(directive.kind)] = directive;
  if (queue.size === 0) return picked;
  const target = { family, model: result.model, stream };
  for (const slot of FAULT_SLOTS) picked[slot] ??= queue.take(slot, target);
  return picked;
}

function addRequestId(reply: SimReply, family: SimulatorFamily, id: string): void {
  const header = REQUEST_ID_HEADERS[family];
  if (header !== undefined && reply.headers[header] === undefined) reply.headers[header] = `req_${id}`;
}

function writeReply(response: ServerResponse, reply: SimJsonReply, family: SimulatorFamily, id: string): void {
  addRequestId(reply, family, id);
  writeJson(response, reply);
}

/** OpenAI's answer to an unknown path; the other providers answer HTML there, which helps nobody. */
function unknownRoute(request: SimRequest): SimJsonReply {
  return jsonReply(404, {
    error: { message: `Invalid URL (${request.method} ${request.path})`, type: 'invalid_request_error', param: null, code: null },
  });
}
