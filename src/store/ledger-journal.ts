// The request log's local journal: every row is appended here before the response's last byte is sent, and
// written to the database later in batches (write-behind-queue.ts). A write is one write(2) to a file
// opened with O_APPEND, so the kernel keeps the line when the process is killed (SIGKILL, OOM) right after;
// a power loss can lose lines the kernel has not written out unless `fsync`.
//
// Two ways in: `append()` writes the line before it returns; `appendBatched()` collects the lines of one
// turn of the event loop and writes them with one write(2) at its end (setImmediate), then resolves, and the
// caller sends the response's last byte after that. Under load that is one system call for many rows.
//
// Segments: one file per process at a time, named `<host>_<pid>_<start ms>_<token>_<n>.ndjson`. When every
// line of the active segment is in the database it is truncated; after `segmentEntries` lines it is
// sealed, a new one is opened, and the sealed one is deleted once its lines are in the database. Lines
// dropped unwritten (the queue was full during an outage) keep their segment on disk for the next start.
// At start-up, `replayJournal()` (journal-replay.ts) inserts the lines of segments whose process is gone.
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { currentOwner } from './journal-replay.js';
import { describeError, type StoreLogger } from './store-logger.js';
import type { RequestLogEntry } from './types.js';

export type LedgerJournalOptions = {
  /** `<dataDir>/ledger-journal`; created at the first append. */
  directory: string;
  logger: StoreLogger;
  /** fdatasync after every line: survives a power loss, at the cost of one disk flush per request. */
  fsync?: boolean;
  /** Lines per segment before a new one is started. */
  segmentEntries?: number;
};

export const ledgerJournalDefaults = { segmentEntries: 4096 } as const;

export const journalDirectoryName = 'ledger-journal';

/** One segment file. Entries hold a reference to theirs until the database has them. */
export class JournalSegment {
  appended = 0;
  settled = 0;
  sealed = false;
  /** Some line was dropped unwritten: the file stays for the next start's replay. */
  keep = false;
  constructor(
    readonly path: string,
    public fd: number | undefined,
  ) {}
}

type BatchedLine = { entry: RequestLogEntry; written: (entry: RequestLogEntry, segment: JournalSegment | undefined) => void };

function journalLine(entry: RequestLogEntry): string {
  return `${JSON.stringify({ ...entry, createdAt: entry.createdAt.getTime() })}\n`;
}

/** How many whole lines the first `bytes` bytes of `lines` (UTF-8) hold: what a short write kept. */
export function wholeLines(lines: string, bytes: number): number {
  const written = Buffer.from(lines).subarray(0, bytes);
  let count = 0;
  for (let at = written.indexOf(0x0a); at !== -1; at = written.indexOf(0x0a, at + 1)) count += 1;
  return count;
}

export class LedgerJournal {
  readonly directory: string;
  readonly #logger: StoreLogger;
  readonly #fsync: boolean;
  readonly #segmentEntries: number;
  readonly #prefix: string;
  #sequence = 0;
  #active: JournalSegment | undefined;
  /** Segments with lines the database may not have yet (the active one included). */
  readonly #open = new Set<JournalSegment>();
  #closed = false;
  #failing = false;
  /** Where lines appended after `close()` go. */
  #latePath: string | undefined;
  /** Lines waiting for the end of this turn (appendBatched), their entries and who hears of them. */
  #batchLines = '';
  #batch: BatchedLine[] = [];
  #batchWritten: Promise<void> | undefined;
  #resolveBatch: (() => void) | undefined;
  /** The segment the last #write() went to. */
  #written: JournalSegment | undefined;

  constructor(options: LedgerJournalOptions) {
    this.directory = options.directory;
    this.#logger = options.logger;
    this.#fsync = options.fsync === true;
    this.#segmentEntries = options.segmentEntries ?? ledgerJournalDefaults.segmentEntries;
    const self = currentOwner();
    this.#prefix = `${self.host}_${self.pid}_${self.start}_${randomBytes(4).toString('hex')}`;
  }

  /**
   * Appends the entry's line; the returned segment is settled when the database has the entry. Never
   * throws: when the disk refuses, the entry still goes to the database, only without the crash guarantee.
   * After `close()` the line is appended to a segment kept for the next start, and nothing is returned.
   */
  append(entry: RequestLogEntry): JournalSegment | undefined {
    const line = journalLine(entry);
    if (this.#closed) {
      this.#appendLate(line);
      return undefined;
    }
    return this.#write(line, 1) === 1 ? this.#written : undefined;
  }

  /**
   * Queues the entry's line for the end of this turn of the event loop, where the turn's lines are written
   * with one write(2). Then `written(entry, segment)` is called for each (segment undefined: the line could
   * not be written, see append()), and the returned promise resolves: send the response's last byte after
   * it. Never rejects. After `close()` the line is appended at once, as append() does.
   */
  appendBatched(entry: RequestLogEntry, written: (entry: RequestLogEntry, segment: JournalSegment | undefined) => void): Promise<void> {
    if (this.#closed) {
      this.append(entry);
      written(entry, undefined);
      return Promise.resolve();
    }
    this.#batchLines += journalLine(entry);
    this.#batch.push({ entry, written });
    if (this.#batchWritten === undefined) {
      this.#batchWritten = new Promise((resolve) => (this.#resolveBatch = resolve));
      setImmediate(this.#flushBatch);
    }
    return this.#batchWritten;
  }

  /** Writes the lines queued by appendBatched() now (also run at the end of the turn, and by close()). */
  flushBatch(): void {
    this.#flushBatch();
  }

  readonly #flushBatch = (): void => {
    const batch = this.#batch;
    if (batch.length === 0) return;
    const lines = this.#batchLines;
    const resolve = this.#resolveBatch!;
    this.#batch = [];
    this.#batchLines = '';
    this.#batchWritten = undefined;
    this.#resolveBatch = undefined;
    // close() writes the batch before it closes the files: the journal is open here.
    const whole = this.#write(lines, batch.length);
    const segment = this.#written;
    for (let index = 0; index < batch.length; index += 1) {
      const { entry, written } = batch[index]!;
      try {
        written(entry, index < whole ? segment : undefined);
      } catch (error) {
        this.#logger.error({ error: describeError(error) }, 'request log journal: handing on a written entry failed');
      }
    }
    resolve();
  };

  /**
   * Writes `count` whole lines with one write(2) to the active segment; returns how many of them are whole on
   * disk (all unless the disk refused or took part of them). Never throws.
   */
  #write(lines: string, count: number): number {
    let whole = 0;
    try {
      const segment = this.#active ?? this.#startSegment();
      this.#written = segment;
      const written = writeSync(segment.fd!, lines);
      const size = Buffer.byteLength(lines);
      whole = written === size ? count : wholeLines(lines, written);
      if (whole > 0 && this.#fsync) fdatasyncSync(segment.fd!);
      segment.appended += whole;
      // A short write leaves a torn line: the next one must not be glued to it.
      if (whole < count || segment.appended >= this.#segmentEntries) this.#seal(segment);
      if (whole < count) throw new Error(`short write (${written} of ${size} bytes)`);
      this.#failing = false;
      return whole;
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        this.#logger.error(
          { directory: this.directory, error: describeError(error) },
          'request log journal: appending failed; entries are written to the database without the crash guarantee',
        );
      }
      return whole;
    }
  }

  #appendLate(lines: string): void {
    try {
      this.#latePath ??= this.#nextPath();
      mkdirSync(this.directory, { recursive: true });
      appendFileSync(this.#latePath, lines);
    } catch (error) {
      this.#logger.error({ directory: this.directory, error: describeError(error) }, 'request log journal: keeping an entry for the next start failed');
    }
  }

  /** The database has the entry (or refused it for good). */
  settle(segment: JournalSegment): void {
    segment.settled += 1;
    if (segment.settled === segment.appended) this.#release(segment);
  }

  /** The entry was dropped unwritten: its segment stays on disk for the next start. */
  retain(segment: JournalSegment): void {
    if (!segment.keep) {
      segment.keep = true;
      this.#logger.warn(
        { path: segment.path },
        'request log journal: entries dropped from the write queue stay in this segment and are written at the next start',
      );
    }
    this.settle(segment);
  }

  /** Deletes the segments the database has whole, closes the files; later appends are kept for the next start. */
  close(): void {
    if (this.#closed) return;
    this.#flushBatch();
    this.#closed = true;
    let kept = 0;
    for (const segment of this.#open) {
      this.#closeFile(segment);
      if (segment.settled === segment.appended && !segment.keep) this.#unlink(segment);
      else kept += segment.appended - segment.settled;
    }
    this.#open.clear();
    this.#active = undefined;
    if (kept > 0) {
      this.#logger.warn(
        { directory: this.directory, entries: kept },
        'request log journal: entries not written to the database are kept and will be written at the next start',
      );
    }
  }

  #startSegment(): JournalSegment {
    // Created on first use: a store that records nothing (the command line) leaves no directory behind.
    if (this.#sequence === 0) mkdirSync(this.directory, { recursive: true });
    const path = this.#nextPath();
    const segment = new JournalSegment(path, openSync(path, 'a'));
    this.#active = segment;
    this.#open.add(segment);
    return segment;
  }

  #nextPath(): string {
    this.#sequence += 1;
    return join(this.directory, `${this.#prefix}_${this.#sequence}.ndjson`);
  }

  #seal(segment: JournalSegment): void {
    segment.sealed = true;
    if (this.#active === segment) this.#active = undefined;
    this.#closeFile(segment);
  }

  #release(segment: JournalSegment): void {
    if (segment.keep) {
      this.#seal(segment);
      this.#open.delete(segment);
    } else if (!segment.sealed) {
      // The database has every line: empty the file rather than open a new one (one syscall).
      try {
        ftruncateSync(segment.fd!, 0);
        segment.appended = 0;
        segment.settled = 0;
      } catch {
        // Replaying it at the next start is harmless (ON CONFLICT DO NOTHING).
        segment.keep = true;
        this.#release(segment);
      }
    } else {
      this.#unlink(segment);
      this.#open.delete(segment);
    }
  }

  #closeFile(segment: JournalSegment): void {
    if (segment.fd === undefined) return;
    try {
      closeSync(segment.fd);
    } catch {
      // Already closed: nothing is lost.
    }
    segment.fd = undefined;
  }

  #unlink(segment: JournalSegment): void {
    try {
      unlinkSync(segment.path);
    } catch (error) {
      this.#logger.warn({ path: segment.path, error: describeError(error) }, 'request log journal: could not delete a written segment');
    }
  }
}
