// The provider simulator: a real HTTP server speaking the OpenAI, Anthropic and Gemini wire formats with
// deterministic answers, injectable faults and controllable timing. It is a simulator, not a model.
// See docs/simulator.md.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TextSplitter } from './answer-plan.js';
import { createTailDraw } from './latency-tail.js';
import { handleRequest } from './request-flow.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import { FaultQueue, type SimulatorFault } from './simulator-fault.js';
import type { SimulatorState, SimulatorStats } from './simulator-state.js';
import { Timers, type SimulatorTimers } from './timers.js';

export { createTailDraw, mulberry32, type TailDraw } from './latency-tail.js';
export type { RecordedRequest } from './request-log.js';
export type { SimulatorFamily, SimulatorFault } from './simulator-fault.js';
export type { SimulatorStats } from './simulator-state.js';
export type { SimulatorTimers } from './timers.js';

export type SimulatorOptions = {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Delay before response headers, in ms. */
  latencyMs?: number;
  /** Delay before the first token, in ms: a JSON answer waits it before its headers, a stream after its headers. */
  firstTokenMs?: number;
  /** Delay between stream chunks, in ms. */
  chunkDelayMs?: number;
  /** A long tail: this share of requests (0..1) waits `tailMs` more before its first token (JSON: before the answer). */
  tailRatio?: number;
  tailMs?: number;
  /** Seeds the tail's draws (mulberry32), so a run is repeatable; absent: Math.random. */
  seed?: number;
  /** How many text chunks a streamed answer is split into; default one per word. */
  chunks?: number;
  /** Fixed answer text, instead of the default sentence derived from the prompt. */
  reply?: string;
  /** When given, only these credentials are accepted. */
  keys?: string[];
  /** How many recent requests requests() keeps (default 1000; 0 records nothing). */
  maxRecordedRequests?: number;
  /** Takes every delay; default real timers. A test passes its own to release delays one by one. */
  timers?: SimulatorTimers;
};

export type SimulatorHandle = {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
  inject(fault: SimulatorFault): void;
  /** Clears faults, stats and recorded requests. */
  reset(): void;
  stats(): SimulatorStats;
  lastRequest(): RecordedRequest | undefined;
  /** Recorded requests, oldest first (admin `/_sim/` requests are not recorded). */
  requests(): RecordedRequest[];
};

const DEFAULT_RECORDED_REQUESTS = 1000;

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const state = createState(options);
  const server = createServer((request, response) => handleRequest(state, request, response));
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () => (closing ??= close(server, state.timers)),
    inject: (fault) => state.faults.add(fault),
    reset: () => state.reset(),
    stats: () => ({ ...state.stats, byRoute: { ...state.stats.byRoute } }),
    lastRequest: () => state.log.last(),
    requests: () => state.log.all(),
  };
}

function createState(options: SimulatorOptions): SimulatorState {
  const accepted = options.keys === undefined ? undefined : new Set(options.keys);
  let sequence = 0;
  // A per-process prefix keeps ids unique across simulator restarts within one test run.
  const prefix = Date.now().toString(36);
  const state: SimulatorState = {
    timing: {
      latencyMs: options.latencyMs ?? 0,
      firstTokenMs: options.firstTokenMs ?? 0,
      chunkDelayMs: options.chunkDelayMs ?? 0,
    },
    drawTail: createTailDraw(options),
    faults: new FaultQueue(),
    log: new RequestLog(options.maxRecordedRequests ?? DEFAULT_RECORDED_REQUESTS),
    stats: { requests: 0, byRoute: {}, abandoned: 0, tailDelayed: 0 },
    timers: options.timers ?? new Timers(),
    context: { reply: options.reply, splitter: new TextSplitter(options.chunks) },
    isAccepted: (key) => isAcceptedKey(key, accepted),
    nextId: () => {
      sequence += 1;
      return `sim${prefix}${sequence.toString(36)}`;
    },
    reset: () => {
      state.faults.clear();
      state.log.clear();
      state.stats.requests = 0;
      state.stats.byRoute = {};
      state.stats.abandoned = 0;
      state.stats.tailDelayed = 0;
    },
  };
  return state;
}

/** Refused: no key, an empty one, `invalid-key`, anything starting with `bad`, or one outside `keys`. */
export function isAcceptedKey(key: string | undefined, accepted: Set<string> | undefined): boolean {
  if (key === undefined || key === '' || key === 'invalid-key' || key.startsWith('bad')) return false;
  return accepted === undefined || accepted.has(key);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server, timers: SimulatorTimers): Promise<void> {
  timers.clear();
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeAllConnections();
  });
}
