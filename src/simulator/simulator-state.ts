// The mutable state of one running simulator, shared by the request flow and the admin routes.
import type { RequestLog } from './request-log.js';
import type { SimContext } from './sim-reply.js';
import type { TailDraw } from './latency-tail.js';
import type { FaultQueue } from './simulator-fault.js';
import type { SimulatorTimers } from './timers.js';

export type SimulatorStats = {
  requests: number;
  byRoute: Record<string, number>;
  /** Responses whose connection closed before they were finished: the client (the gateway) went away. */
  abandoned: number;
  /** Requests that drew the long-tail delay (`tailRatio`, `tailMs`). */
  tailDelayed: number;
};

export type SimulatorState = {
  timing: { latencyMs: number; firstTokenMs: number; chunkDelayMs: number };
  /** The long-tail wait of the next request (0 for most); seeded when the simulator was given a seed. */
  drawTail: TailDraw;
  faults: FaultQueue;
  log: RequestLog;
  stats: SimulatorStats;
  timers: SimulatorTimers;
  context: SimContext;
  isAccepted(key: string | undefined): boolean;
  nextId(): string;
  reset(): void;
};
