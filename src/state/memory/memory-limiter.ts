// The limiter in one process's memory: exact, and atomic because JavaScript runs one consume at a time.
import type { ConsumeResult, Limiter, WindowCharge, WindowState } from '../limiter.js';

type Counter = { used: number; resetAt: number };

export function createMemoryLimiter(options: { maxCounters?: number } = {}): Limiter {
  const maxCounters = options.maxCounters ?? 1_000_000;
  const counters = new Map<string, Counter>();

  function read(counter: string, now: number): Counter | undefined {
    const entry = counters.get(counter);
    if (entry !== undefined && entry.resetAt <= now) {
      counters.delete(counter);
      return undefined;
    }
    return entry;
  }

  function sweep(now: number): void {
    for (const [name, entry] of counters) if (entry.resetAt <= now) counters.delete(name);
  }

  return {
    async consume(charges: readonly WindowCharge[], now = Date.now()): Promise<ConsumeResult> {
      const states: WindowState[] = [];
      let blocked: WindowState | undefined;
      for (const charge of charges) {
        const used = read(charge.counter, now)?.used ?? 0;
        const state = { counter: charge.counter, limit: charge.limit, used, remaining: Math.max(0, charge.limit - used), resetAt: charge.resetAt };
        states.push(state);
        if (blocked === undefined && used + charge.amount > charge.limit) blocked = state;
      }
      if (blocked !== undefined) return { allowed: false, windows: states, blocked };
      if (counters.size >= maxCounters) sweep(now);
      charges.forEach((charge, index) => {
        const entry = read(charge.counter, now) ?? { used: 0, resetAt: charge.resetAt };
        entry.used += charge.amount;
        // As Redis's PEXPIREAT on every consume: a counter without a fixed window (concurrency) lives on.
        entry.resetAt = Math.max(entry.resetAt, charge.resetAt);
        counters.set(charge.counter, entry);
        const state = states[index]!;
        state.used = entry.used;
        state.remaining = Math.max(0, charge.limit - entry.used);
      });
      return { allowed: true, windows: states };
    },
    async adjust(adjustments, now = Date.now()) {
      for (const { counter, delta, resetAt } of adjustments) {
        const entry = read(counter, now) ?? { used: 0, resetAt };
        entry.used = Math.max(0, entry.used + delta);
        entry.resetAt = Math.max(entry.resetAt, resetAt);
        counters.set(counter, entry);
      }
    },
    async close() {
      counters.clear();
    },
  };
}
