// The windows limits are counted in: fixed, aligned to UTC (the minute, the hour, the day, the calendar
// month), so every replica agrees on a window without coordination, and a counter's name carries its window.

export type WindowKind = 'minute' | 'hour' | 'day' | 'month';

export type Window = { kind: WindowKind; start: number; end: number; id: string };

const fixedLengths = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

export function windowAt(kind: WindowKind, now: number): Window {
  if (kind === 'month') {
    const date = new Date(now);
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    return { kind, start, end, id: `mo${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}` };
  }
  const length = fixedLengths[kind];
  const start = now - (now % length);
  return { kind, start, end: start + length, id: `${kind[0]}${start / length}` };
}

/** Seconds until the window ends, at least 1: the `Retry-After` and `X-RateLimit-Reset` arithmetic. */
export function secondsLeft(window: Window, now: number): number {
  return Math.max(1, Math.ceil((window.end - now) / 1000));
}
