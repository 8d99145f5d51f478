// The limiter on Redis, shared by every replica: one Lua script checks every window and consumes from all
// of them or none, atomically (Redis runs a script alone). Counters expire when their window ends.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { ConsumeResult, Limiter, WindowCharge, WindowState } from '../limiter.js';

const consumeScript = readFileSync(new URL('./consume.lua', import.meta.url), 'utf8');
const adjustScript = readFileSync(new URL('./adjust.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & {
  switchyardConsume(...args: Array<string | number>): Promise<number[]>;
  switchyardAdjust(...args: Array<string | number>): Promise<number>;
};

export function createRedisLimiter(redis: Redis, options: { prefix?: string } = {}): Limiter {
  const prefix = options.prefix ?? 'switchyard:limit:';
  const client = redis as ScriptedRedis;
  client.defineCommand('switchyardConsume', { lua: consumeScript });
  client.defineCommand('switchyardAdjust', { lua: adjustScript });
  return {
    async consume(charges: readonly WindowCharge[], now = Date.now()): Promise<ConsumeResult> {
      if (charges.length === 0) return { allowed: true, windows: [] };
      const args: Array<string | number> = [charges.length, ...charges.map((charge) => prefix + charge.counter), now];
      for (const charge of charges) args.push(charge.limit, charge.amount, Math.max(charge.resetAt, now + 1));
      const reply = await client.switchyardConsume(...args);
      const allowed = reply[0] === 1;
      const windows: WindowState[] = charges.map((charge, index) => {
        const used = Number(reply[2 + index]);
        return { counter: charge.counter, limit: charge.limit, used, remaining: Math.max(0, charge.limit - used), resetAt: charge.resetAt };
      });
      if (allowed) return { allowed: true, windows };
      return { allowed: false, windows, blocked: windows[Number(reply[1]) - 1]! };
    },
    async adjust(adjustments, now = Date.now()) {
      if (adjustments.length === 0) return;
      const args: Array<string | number> = [adjustments.length, ...adjustments.map((item) => prefix + item.counter)];
      for (const item of adjustments) args.push(item.delta, Math.max(item.resetAt, now + 1));
      await client.switchyardAdjust(...args);
    },
    async close() {
      // The connection belongs to whoever opened it.
    },
  };
}
