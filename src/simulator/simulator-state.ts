// The mutable state of one running simulator, shared by the request flow and the admin routes.
import type { RequestLog } from './request-log.js';
import type { SimContext } from './sim-reply.js';
import type { FaultQueue } from './simulator-fault.js';
import type { Timers } from './timers.js';

export type SimulatorStats = {
  requests: number;
  byRoute: Record<string, number>;
  /** Responses whose connection closed before they were finished: the client (the gateway) went away. */
  abandoned: number;
  /** Requests that drew the long-tail delay (`tailRatio`, `tailMs`). */
  tailDelayed: number;
};

export type SimulatorState = {
  timing: { latencyMs: number; firstTokenMs: number; chunkDelayMs: number; tailRatio: number; tailMs: number };
  /** Draws in [0, 1): seeded when the simulator was given a seed, so a run's tail is repeatable. */
  random(): number;
  faults: FaultQueue;
  log: RequestLog;
  stats: SimulatorStats;
  timers: Timers;
  context: SimContext;
  isAccepted(key: string | undefined): boolean;
  nextId(): string;
  reset(): void;
};
