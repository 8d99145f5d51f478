// Write-behind batching for append-only tables (the request log, later usage events): `push()` only
// queues, and one writer drains the queue in batches so a request never waits for the database.
//
// Policy:
// - a batch is written `flushIntervalMs` after the first queued item, or as soon as `batchSize` are
//   queued, whichever comes first; one batch is in flight at a time, oldest first;
// - a failed batch goes back to the front of the queue and is retried with a backoff (from
//   `flushIntervalMs` doubling up to `maxRetryDelayMs`); every failure is logged without item contents;
// - to tell an outage from a bad item, a failed batch is followed by `probe()`: when the database
//   answers, the items are written one by one and those that still fail are dropped with an error log
//   (unless all fail: then it is the table or the connection, not the items, and they are kept);
// - at most `maxPending` items wait; past that the oldest are dropped, logged when dropping starts and
//   summed up once writes succeed again. 100k request-log rows are roughly 50 MB of memory.
import { describeError, type StoreLogger } from './store-logger.js';

export type WriteBehindQueueOptions<T> = {
  /** Names the queue in log lines, e.g. `request log`. */
  name: string;
  writeBatch(items: readonly T[]): Promise<void>;
  writeOne(item: T): Promise<void>;
  /** A cheap round trip (`select 1`): resolves when the database answers. */
  probe(): Promise<void>;
  /** What to log about an item that is dropped: an id, never its contents. */
  describeItem(item: T): object;
  logger: StoreLogger;
  /**
   * Told of items leaving the queue: written, refused by the database for good, or dropped unwritten
   * past `maxPending` (a journal keeps the dropped ones for later).
   */
  onSettled?(items: readonly T[], outcome: 'written' | 'refused' | 'dropped'): void;
  /** What becomes of items still unwritten at close: a journal may keep them (default: they are lost). */
  unwrittenOnClose?: 'lost' | 'kept';
  batchSize?: number;
  flushIntervalMs?: number;
  maxPending?: number;
  maxRetryDelayMs?: number;
};

export const writeBehindDefaults = {
  batchSize: 200,
  flushIntervalMs: 25,
  maxPending: 100_000,
  maxRetryDelayMs: 5_000,
} as const;

type Entry<T> = { readonly seq: number; readonly item: T };
type Waiter = { readonly target: number; resolve(): void; reject(error: Error): void };
type BatchOutcome = { ok: true } | { ok: false; error: unknown };

export class WriteBehindQueue<T> {
  readonly #options: WriteBehindQueueOptions<T>;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxPending: number;
  readonly #maxRetryDelayMs: number;
  /** Queued entries from `#head` on; the in-flight batch is held apart in `#inFlight`. */
  #entries: Entry<T>[] = [];
  #head = 0;
  #inFlight: Entry<T>[] = [];
  #pushed = 0;
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #running = false;
  #failures = 0;
  #droppedSinceWrite = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #warnedAfterClose = false;

  constructor(options: WriteBehindQueueOptions<T>) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? writeBehindDefaults.batchSize;
    this.#flushIntervalMs = options.flushIntervalMs ?? writeBehindDefaults.flushIntervalMs;
    this.#maxPending = options.maxPending ?? writeBehindDefaults.maxPending;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? writeBehindDefaults.maxRetryDelayMs;
  }

  /** Items not yet written, including the batch in flight. */
  get pending(): number {
    return this.#queued() + this.#inFlight.length;
  }

  /** Queues an item. Never throws: a lost log line must not fail a request. */
  push(item: T): void {
    try {
      if (this.#closed) return this.#rejectAfterClose();
      this.#entries.push({ seq: this.#pushed++, item });
      if (this.#queued() > this.#maxPending) this.#dropOldest(this.#queued() - this.#maxPending);
      this.#scheduleAfterPush();
    } catch (error) {
      this.#log('error', { error: describeError(error) }, `${this.#options.name}: could not queue an entry`);
    }
  }

  /** Resolves once everything pushed before the call is written (or dropped); rejects when a write fails. */
  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ target: this.#pushed, resolve, reject });
    });
    // An explicit flush also cuts a retry backoff short.
    if (!this.#running) this.#startRun();
    return done;
  }

  /** Stops the timers after one last attempt to write what is queued; later pushes are dropped. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    try {
      await this.flush();
    } catch (error) {
      const kept = this.#options.unwrittenOnClose === 'kept';
      this.#log(
        'error',
        { [kept ? 'unwritten' : 'lost']: this.pending, error: describeError(error) },
        `${this.#options.name}: entries could not be written before closing${kept ? '; they are kept for the next start' : ' and are lost'}`,
      );
    }
    this.#clearSchedule();
  }

  #queued(): number {
    return this.#entries.length - this.#head;
  }

  #scheduleAfterPush(): void {
    if (this.#running || this.#immediate !== undefined) return;
    // While failing, the retry timer owns the schedule: a full batch must not bypass the backoff.
    if (this.#queued() >= this.#batchSize && this.#failures === 0) {
      this.#clearSchedule();
      this.#immediate = setImmediate(() => this.#startRun());
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#startRun(), this.#flushIntervalMs).unref();
    }
  }

  #clearSchedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  #startRun(): void {
    this.#clearSchedule();
    void this.#run();
  }

  /** Writes batches while there is a reason to: the first always, then full batches or a waiting flush. */
  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    let failure: unknown;
    try {
      let first = true;
      while (this.#queued() > 0 && (first || this.#queued() >= this.#batchSize || this.#waiters.length > 0)) {
        first = false;
        const outcome = await this.#writeNextBatch();
        if (!outcome.ok) {
          failure = outcome.error;
          break;
        }
        this.#settleWaiters();
      }
    } catch (error) {
      failure = error;
    } finally {
      this.#running = false;
      this.#settleWaiters(failure);
      this.#scheduleAfterRun(failure !== undefined);
    }
  }

  #scheduleAfterRun(failed: boolean): void {
    if (this.#queued() === 0 || (this.#closed && failed)) return;
    if (failed) {
      const delay = Math.min(this.#flushIntervalMs * 2 ** (this.#failures - 1), this.#maxRetryDelayMs);
      this.#timer = setTimeout(() => this.#startRun(), delay).unref();
    } else {
      this.#scheduleAfterPush();
    }
  }

  async #writeNextBatch(): Promise<BatchOutcome> {
    const batch = this.#entries.slice(this.#head, this.#head + this.#batchSize);
    this.#head += batch.length;
    this.#compact();
    this.#inFlight = batch;
    try {
      const items = batch.map((entry) => entry.item);
      const outcome = await this.#write(items);
      if (outcome.ok) this.#succeeded();
      else this.#requeue(batch);
      return outcome;
    } finally {
      this.#inFlight = [];
    }
  }

  async #write(items: T[]): Promise<BatchOutcome> {
    try {
      await this.#options.writeBatch(items);
      this.#settled(items, 'written');
      return { ok: true };
    } catch (error) {
      this.#failures += 1;
      this.#log(
        'error',
        { error: describeError(error), batch: items.length, pending: this.pending, attempt: this.#failures },
        `${this.#options.name}: writing a batch failed; it will be retried`,
      );
      return this.#isolateBadItems(items, error);
    }
  }

  /** After a failed batch: if the database answers, write one by one and drop only the items it refuses. */
  async #isolateBadItems(items: T[], batchError: unknown): Promise<BatchOutcome> {
    if (items.length < 2) return { ok: false, error: batchError };
    try {
      await this.#options.probe();
    } catch {
      return { ok: false, error: batchError };
    }
    const refused: { item: T; error: unknown }[] = [];
    const written: T[] = [];
    for (const item of items) {
      await this.#options.writeOne(item).then(
        () => written.push(item),
        (error: unknown) => refused.push({ item, error }),
      );
    }
    if (refused.length === items.length) return { ok: false, error: batchError };
    this.#settled(written, 'written');
    this.#settled(
      refused.map(({ item }) => item),
      'refused',
    );
    for (const { item, error } of refused) {
      this.#log(
        'error',
        { ...this.#options.describeItem(item), error: describeError(error) },
        `${this.#options.name}: the database refused an entry; it is dropped`,
      );
    }
    return { ok: true };
  }

  #succeeded(): void {
    if (this.#failures > 0 || this.#droppedSinceWrite > 0) {
      this.#log(
        'warn',
        { failedAttempts: this.#failures, dropped: this.#droppedSinceWrite },
        `${this.#options.name}: writing again`,
      );
    }
    this.#failures = 0;
    this.#droppedSinceWrite = 0;
  }

  #requeue(batch: Entry<T>[]): void {
    this.#entries = batch.concat(this.#entries.slice(this.#head));
    this.#head = 0;
    if (this.#queued() > this.#maxPending) this.#dropOldest(this.#queued() - this.#maxPending);
  }

  #dropOldest(count: number): void {
    if (this.#droppedSinceWrite === 0) {
      this.#log(
        'error',
        { maxPending: this.#maxPending },
        `${this.#options.name}: too many entries waiting to be written; dropping the oldest`,
      );
    }
    if (this.#options.onSettled !== undefined) {
      this.#settled(
        this.#entries.slice(this.#head, this.#head + count).map((entry) => entry.item),
        'dropped',
      );
    }
    this.#head += count;
    this.#droppedSinceWrite += count;
    this.#compact();
  }

  #settled(items: readonly T[], outcome: 'written' | 'refused' | 'dropped'): void {
    if (items.length === 0 || this.#options.onSettled === undefined) return;
    try {
      this.#options.onSettled(items, outcome);
    } catch (error) {
      this.#log('error', { error: describeError(error) }, `${this.#options.name}: settling written entries failed`);
    }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The sequence number of the oldest entry neither written nor dropped. */
  #oldestUnsettled(): number {
    return this.#inFlight[0]?.seq ?? this.#entries[this.#head]?.seq ?? this.#pushed;
  }

  #settleWaiters(failure?: unknown): void {
    if (this.#waiters.length === 0) return;
    const oldest = this.#oldestUnsettled();
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.target <= oldest) waiter.resolve();
      else if (failure !== undefined) waiter.reject(this.#flushError(failure));
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }

  #flushError(failure: unknown): Error {
    const retry = this.#closed ? '' : '; they stay queued and will be retried';
    return new Error(`${this.#options.name}: ${this.pending} entries are not written yet${retry}: ${describeError(failure)}`, {
      cause: failure,
    });
  }

  #rejectAfterClose(): void {
    if (this.#warnedAfterClose) return;
    this.#warnedAfterClose = true;
    this.#log('error', {}, `${this.#options.name}: an entry arrived after the store was closed; it is dropped`);
  }

  #log(level: 'warn' | 'error', obj: object, msg: string): void {
    try {
      this.#options.logger[level](obj, msg);
    } catch {
      // A broken logger must not break the writer.
    }
  }
}
