// What a dialect handler hands back to the server: a JSON body or a list of SSE frames, plus the
// dialect's own frames for the stream faults. The server owns timing, faults and the socket.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { TextSplitter } from './answer-plan.js';
import type { Directives } from './directives.js';
import type { SimulatorFamily } from './simulator-fault.js';

export type SimJsonReply = { kind: 'json'; status: number; headers: OutgoingHttpHeaders; body: string };

export type SimStreamReply = {
  kind: 'stream';
  headers: OutgoingHttpHeaders;
  /** Complete frames (`data: …\n\n`, with `event:` lines for Anthropic), written one `res.write` each. */
  frames: string[];
  /**
   * Indexes of the frames that carry a piece of the answer (text, thinking or tool-argument deltas, Gemini call
   * chunks). Stream faults count these, so `afterChunks: 2` strikes after two pieces of the answer in every dialect.
   */
  contentFrames: number[];
  /** The dialect's in-band error event, for the `stream-error` fault. */
  errorFrame: string;
  /** An event whose payload is not valid JSON, for the `malformed-chunk` fault. */
  malformedFrame: string;
};

export type SimReply = SimJsonReply | SimStreamReply;

export type SimRequest = {
  /** Unique per request: used in request ids (`req_<id>`) and response ids. */
  id: string;
  method: string;
  /** Path without the query string, percent-decoding left to the handler. */
  path: string;
  /** Raw query string without `?` (empty when none). */
  query: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the request had no body. */
  body: unknown;
};

/** Per-server state a handler may use. */
export type SimContext = {
  reply: string | undefined;
  splitter: TextSplitter;
};

export type RouteResult = {
  reply: SimReply;
  model?: string;
  stream: boolean;
  directives?: Directives;
};

/** One provider family's envelopes: authentication and the error bodies the server needs without a handler. */
export type Dialect = {
  family: SimulatorFamily;
  /** An error reply when the request's credential is missing or refused, else undefined. */
  authenticate(request: SimRequest, isAccepted: (key: string | undefined) => boolean): SimJsonReply | undefined;
  malformedJson(request: SimRequest): SimJsonReply;
  statusError(request: SimRequest, status: number, message: string | undefined, retryAfter: number | undefined): SimJsonReply;
};

export type RouteHandler = (request: SimRequest, context: SimContext, pathModel: string | undefined) => RouteResult;

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream; charset=utf-8';

export function jsonReply(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): SimJsonReply {
  return { kind: 'json', status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** A header that may arrive repeated: the first value. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The key of `Authorization: Bearer <key>`; '' when the header is there with an empty key. */
export function bearerKey(headers: IncomingHttpHeaders): string | undefined {
  const value = headerValue(headers, 'authorization');
  if (value === undefined) return undefined;
  return value.toLowerCase().startsWith('bearer') ? value.slice(6).trim() : '';
}
