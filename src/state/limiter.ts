// The counters port behind every limit: an all-or-nothing consume over several windows at once (a request
// checked against its key's and its organization's per-minute, per-hour and per-month windows either counts
// in all of them or in none), and a signed adjustment to settle reservations. Implementations: memory (one
// process) and Redis (replicas; one Lua script, so the check and the consume are one atomic step).

/** One counter in one window. Amounts are integers in the caller's unit (requests, tokens, milli-requests, micro-USD). */
export type WindowCharge = {
  /** Names the counter and its window, e.g. `key:key_01…:requests:m:29213760` (the window's start in the key). */
  counter: string;
  limit: number;
  amount: number;
  /** When this window ends (epoch ms); the counter expires then. */
  resetAt: number;
};

export type CounterAdjustment = { counter: string; delta: number; resetAt: number };

export type WindowState = { counter: string; limit: number; used: number; remaining: number; resetAt: number };

export type ConsumeResult =
  | { allowed: true; windows: WindowState[] }
  /** `blocked` is the first window that had no room; nothing was consumed anywhere. */
  | { allowed: false; windows: WindowState[]; blocked: WindowState };

export interface Limiter {
  consume(charges: readonly WindowCharge[], now?: number): Promise<ConsumeResult>;
  /**
   * Adds each `delta` (negative to release) to its counter without a limit check, never below zero, in one
   * step (one round trip on Redis): settling a call's token, spend and concurrency reservations at once.
   */
  adjust(adjustments: readonly CounterAdjustment[], now?: number): Promise<void>;
  close(): Promise<void>;
}
