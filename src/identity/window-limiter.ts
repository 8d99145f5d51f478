// A fixed one-minute window per key, in memory: enough to keep anonymous bring-your-own-key traffic
// from being unlimited. The general limits (per minute, hour, tokens, month; shared through Redis)
// belong to the metering layer.
export type WindowVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export type WindowLimiter = { take(key: string, now: number): WindowVerdict };

export function createWindowLimiter(options: { limit: number; windowMs?: number; maxKeys?: number }): WindowLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key, now) {
      const start = now - (now % windowMs);
      let window = windows.get(key);
      if (window === undefined || window.start !== start) {
        if (window === undefined && windows.size >= maxKeys) sweep(windows, start, maxKeys);
        window = { start, count: 0 };
        windows.set(key, window);
      }
      if (window.count >= options.limit) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - now) / 1000)) };
      }
      window.count += 1;
      return { allowed: true };
    },
  };
}

/** Drops windows that have ended; if every key is current, the oldest inserted go. */
function sweep(windows: Map<string, { start: number }>, current: number, maxKeys: number): void {
  for (const [key, window] of windows) if (window.start !== current) windows.delete(key);
  for (const key of windows.keys()) {
    if (windows.size < maxKeys) break;
    windows.delete(key);
  }
}
