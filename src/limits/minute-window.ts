// A per-minute request limit on the limiter port (memory, or Redis shared by every replica), for callers the
// plans do not cover: anonymous bring-your-own-key traffic, counted per keyed hash of the provider key.
import type { Limiter } from '../state/limiter.js';
import { secondsLeft, windowAt } from './windows.js';

export type WindowVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export type MinuteWindow = { take(key: string, now: number): Promise<WindowVerdict> };

export function createMinuteWindow(limiter: Limiter, options: { name: string; limit: number }): MinuteWindow {
  return {
    async take(key, now) {
      const window = windowAt('minute', now);
      const result = await limiter.consume([{ counter: `${options.name}:${key}:${window.id}`, limit: options.limit, amount: 1, resetAt: window.end }], now);
      return result.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: secondsLeft(window, now) };
    },
  };
}
