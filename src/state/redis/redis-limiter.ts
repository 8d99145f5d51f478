// The limiter on Redis, shared by every replica. Every consume and adjust this process asks for in one turn
// of its event loop goes to Redis as one Lua script call (batch.lua): the settled reservations first, then
// each consume, all-or-nothing over its own windows and atomic (Redis runs a script alone). Under load that is
// one round trip for many calls instead of two per call. A consume is sent at the end of the turn it was asked
// in. A settlement alone (nothing to consume) waits up to `settleDelayMs` for a consume to carry it, so at a
// steady rate each call costs one round trip, not two; settlements always reach Redis before any consume that
// this process asks for after them. Counters expire when their window ends.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { ConsumeResult, CounterAdjustment, Limiter, WindowCharge, WindowState } from '../limiter.js';

const batchScript = readFileSync(new URL('./batch.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & { switchyardLimits(...args: Array<string | number>): Promise<number[]> };

type PendingConsume = { charges: readonly WindowCharge[]; now: number; resolve(result: ConsumeResult): void; reject(error: unknown): void };
type PendingAdjust = { resolve(): void; reject(error: unknown): void };

export type RedisLimiterOptions = {
  prefix?: string;
  /** Most consumes in one script call; more in one turn go in further calls. */
  maxBatch?: number;
  /**
   * How long settlements (fire-and-forget adjustments) may wait for the next consume to carry them, in ms
   * (default 10; 0 sends them at the end of the turn). Another replica sees a released slot that much later
   * at worst; this process's own consumes always see it.
   */
  settleDelayMs?: number;
};

export function createRedisLimiter(redis: Redis, options: RedisLimiterOptions = {}): Limiter {
  const prefix = options.prefix ?? 'switchyard:limit:';
  const maxBatch = options.maxBatch ?? 128;
  const settleDelayMs = options.settleDelayMs ?? 10;
  const client = redis as ScriptedRedis;
  client.defineCommand('switchyardLimits', { lua: batchScript });

  let consumes: PendingConsume[] = [];
  // Adjustments to one counter in one turn are summed: one INCRBY for all of them.
  let adjustments = new Map<string, { delta: number; resetAt: number }>();
  let adjustWaiters: PendingAdjust[] = [];
  let scheduled = false;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  function scheduleSettle(): void {
    if (settleDelayMs === 0) return schedule();
    if (scheduled || settleTimer !== undefined) return;
    settleTimer = setTimeout(flush, settleDelayMs);
  }

  function flush(): void {
    scheduled = false;
    if (settleTimer !== undefined) {
      clearTimeout(settleTimer);
      settleTimer = undefined;
    }
    while (consumes.length > 0 || adjustments.size > 0) {
      const batch = consumes.length > maxBatch ? consumes.splice(0, maxBatch) : consumes;
      if (batch === consumes) consumes = [];
      const settled = adjustments;
      const waiters = adjustWaiters;
      adjustments = new Map();
      adjustWaiters = [];
      send(batch, settled, waiters);
    }
  }

  function send(batch: PendingConsume[], settled: Map<string, { delta: number; resetAt: number }>, waiters: PendingAdjust[]): void {
    // Each counter is one key however many calls of the batch charge it (the calls of one caller share theirs).
    const keys: string[] = [];
    const slots = new Map<string, number>();
    const slot = (counter: string): number => {
      let index = slots.get(counter);
      if (index === undefined) {
        index = keys.push(prefix + counter);
        slots.set(counter, index);
      }
      return index;
    };
    let numbers = String(settled.size);
    for (const [counter, { delta, resetAt }] of settled) numbers += ` ${slot(counter)} ${delta} ${resetAt}`;
    for (const { charges, now } of batch) {
      numbers += ` ${charges.length}`;
      for (const charge of charges) {
        numbers += ` ${slot(charge.counter)} ${charge.limit} ${charge.amount} ${Math.max(charge.resetAt, now + 1)}`;
      }
    }
    const call = client.switchyardLimits(keys.length, ...keys, numbers).then(
      (reply) => {
        let at = 0;
        for (const pending of batch) {
          const allowed = reply[at] === 1;
          const blocked = Number(reply[at + 1]);
          const windows: WindowState[] = pending.charges.map((charge, index) => {
            const used = Number(reply[at + 2 + index]);
            return { counter: charge.counter, limit: charge.limit, used, remaining: Math.max(0, charge.limit - used), resetAt: charge.resetAt };
          });
          at += 2 + pending.charges.length;
          pending.resolve(allowed ? { allowed: true, windows } : { allowed: false, windows, blocked: windows[blocked - 1]! });
        }
        for (const waiter of waiters) waiter.resolve();
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
        for (const waiter of waiters) waiter.reject(error);
      },
    );
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }

  return {
    consume(charges: readonly WindowCharge[], now = Date.now()): Promise<ConsumeResult> {
      if (charges.length === 0) return Promise.resolve({ allowed: true, windows: [] });
      return new Promise((resolve, reject) => {
        consumes.push({ charges, now, resolve, reject });
        schedule();
      });
    },
    adjust(items: readonly CounterAdjustment[], now = Date.now()): Promise<void> {
      if (items.length === 0) return Promise.resolve();
      for (const item of items) {
        const resetAt = Math.max(item.resetAt, now + 1);
        const queued = adjustments.get(item.counter);
        if (queued === undefined) adjustments.set(item.counter, { delta: item.delta, resetAt });
        else {
          queued.delta += item.delta;
          queued.resetAt = Math.max(queued.resetAt, resetAt);
        }
      }
      return new Promise((resolve, reject) => {
        adjustWaiters.push({ resolve, reject });
        scheduleSettle();
      });
    },
    async close() {
      // Sends what is queued and waits for every call on the way; the connection belongs to whoever opened it.
      flush();
      await Promise.allSettled([...inFlight]);
    },
  };
}
