// Coalesces "this API key was just used" into at most one write per key per interval. The first use of
// a key is written at once; uses inside the following interval only move the pending timestamp, which
// is written when the interval ends (starting a new one) or when the store closes. Best effort: a
// failed write is logged and forgotten, never thrown.
import { describeError, type StoreLogger } from './store-logger.js';

export type ApiKeyTouchesOptions = {
  /** Writes `last_used_at` for each key id (epoch ms); must not move a timestamp backwards. */
  write: (touches: ReadonlyMap<string, number>) => Promise<void>;
  logger: StoreLogger;
  intervalMs?: number;
};

export const defaultTouchIntervalMs = 60_000;

/** A key written within the current interval; `pending` is the latest use since that write. */
type Window = { pending: number | undefined; timer: NodeJS.Timeout };

export class ApiKeyTouches {
  readonly #write: ApiKeyTouchesOptions['write'];
  readonly #logger: StoreLogger;
  readonly #intervalMs: number;
  readonly #windows = new Map<string, Window>();
  readonly #writing = new Set<Promise<void>>();
  #closed = false;

  constructor(options: ApiKeyTouchesOptions) {
    this.#write = options.write;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? defaultTouchIntervalMs;
  }

  /** Resolves when this use is written (at once for the first use in an interval), never rejects. */
  touch(id: string, at: Date): Promise<void> {
    const time = at.getTime();
    if (this.#closed || !Number.isFinite(time)) return Promise.resolve();
    const window = this.#windows.get(id);
    if (window !== undefined) {
      window.pending = Math.max(window.pending ?? time, time);
      return Promise.resolve();
    }
    this.#openWindow(id);
    return this.#writeNow(new Map([[id, time]]));
  }

  /** Writes every pending use and stops; later touches are ignored. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = new Map<string, number>();
    for (const [id, window] of this.#windows) {
      clearTimeout(window.timer);
      if (window.pending !== undefined) pending.set(id, window.pending);
    }
    this.#windows.clear();
    if (pending.size > 0) void this.#writeNow(pending);
    while (this.#writing.size > 0) await Promise.all(this.#writing);
  }

  #openWindow(id: string): void {
    const timer = setTimeout(() => this.#endWindow(id), this.#intervalMs);
    // Waiting touches must not keep the process alive; close() writes them.
    timer.unref();
    this.#windows.set(id, { pending: undefined, timer });
  }

  #endWindow(id: string): void {
    const window = this.#windows.get(id);
    this.#windows.delete(id);
    if (window?.pending === undefined || this.#closed) return;
    this.#openWindow(id);
    void this.#writeNow(new Map([[id, window.pending]]));
  }

  #writeNow(touches: ReadonlyMap<string, number>): Promise<void> {
    const writing = Promise.resolve()
      .then(() => this.#write(touches))
      .catch((error: unknown) => {
        this.#logger.warn({ keys: touches.size, error: describeError(error) }, 'recording API key use failed');
      })
      .finally(() => this.#writing.delete(writing));
    this.#writing.add(writing);
    return writing;
  }
}
