// Replaying the request log's journal (ledger-journal.ts) at start-up, before serving: the segments of
// processes that are gone are read, their lines inserted (ON CONFLICT (id) DO NOTHING, so nothing counts
// twice) and the files deleted. A segment's name says which process wrote it (host, pid, start time);
// one whose process may still be running, on this host or another, is left alone.
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeError, type StoreLogger } from './store-logger.js';
import type { RequestLogEntry } from './types.js';

export const journalReplayDefaults = { batchSize: 500 } as const;

type Owner = { host: string; pid: number; start: number };

const segmentName = /^(.+)_(\d+)_(\d+)_([0-9a-f]+)_(\d+)\.ndjson$/;

export type JournalReplayOptions = {
  directory: string;
  logger: StoreLogger;
  /** Inserts with ON CONFLICT (id) DO NOTHING; resolves to the number of rows actually inserted. */
  insert(entries: RequestLogEntry[]): Promise<number>;
  /** Also replay segments written under another host name (a moved data directory, a re-created container). */
  replayOtherHosts?: boolean;
  batchSize?: number;
};

export type JournalReplay = {
  /** Segments of stopped processes that were read (and deleted when their lines went in). */
  segments: number;
  entries: number;
  /** Rows the database did not have yet. */
  recovered: number;
  /** Torn or unreadable lines, skipped. */
  skippedLines: number;
  /** Segments left alone because their process may still be running. */
  live: number;
};

/** Replays the segments of processes that are gone, then deletes them. Call before serving. */
export async function replayJournal(options: JournalReplayOptions): Promise<JournalReplay> {
  const report: JournalReplay = { segments: 0, entries: 0, recovered: 0, skippedLines: 0, live: 0 };
  const self = currentOwner();
  const otherHosts = new Set<string>();
  for (const name of listSegments(options.directory)) {
    const owner = parseOwner(name);
    if (owner === undefined) continue;
    if (owner.host !== self.host && options.replayOtherHosts !== true) {
      otherHosts.add(owner.host);
      report.live += 1;
      continue;
    }
    if (owner.host === self.host && ownerRunning(owner, self)) {
      report.live += 1;
      continue;
    }
    await replaySegment(join(options.directory, name), options, report);
  }
  if (otherHosts.size > 0) {
    options.logger.warn(
      { directory: options.directory, hosts: [...otherHosts] },
      'request log journal: segments written on another host are left alone (that gateway may still be running); ' +
        'set database.journal.replayOtherHosts for one start if it is gone',
    );
  }
  return report;
}

async function replaySegment(path: string, options: JournalReplayOptions, report: JournalReplay): Promise<void> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    options.logger.error({ path, error: describeError(error) }, 'request log journal: could not read a segment; it is left in place');
    return;
  }
  const entries = parseSegment(text, path, options.logger, report);
  const batchSize = options.batchSize ?? journalReplayDefaults.batchSize;
  try {
    for (let start = 0; start < entries.length; start += batchSize) {
      report.recovered += await insertBatch(entries.slice(start, start + batchSize), options);
    }
  } catch (error) {
    options.logger.error({ path, error: describeError(error) }, 'request log journal: replaying a segment failed; it is kept for the next start');
    return;
  }
  report.segments += 1;
  report.entries += entries.length;
  try {
    unlinkSync(path);
  } catch (error) {
    options.logger.warn({ path, error: describeError(error) }, 'request log journal: could not delete a replayed segment');
  }
}

/** A batch the database refuses is retried row by row; rows it still refuses are dropped with an error line. */
async function insertBatch(entries: RequestLogEntry[], options: JournalReplayOptions): Promise<number> {
  try {
    return await options.insert(entries);
  } catch (batchError) {
    let inserted = 0;
    let refused = 0;
    for (const entry of entries) {
      try {
        inserted += await options.insert([entry]);
      } catch (error) {
        refused += 1;
        options.logger.error({ requestId: entry.id, error: describeError(error) }, 'request log journal: the database refused a replayed entry; it is dropped');
      }
    }
    if (refused === entries.length) throw batchError;
    return inserted;
  }
}

function parseSegment(text: string, path: string, logger: StoreLogger, report: JournalReplay): RequestLogEntry[] {
  const lines = text.split('\n');
  // A complete segment ends with a newline; anything after the last one was torn by the crash.
  const torn = lines.pop();
  if (torn !== undefined && torn !== '') {
    report.skippedLines += 1;
    logger.warn({ path, line: lines.length + 1 }, 'request log journal: the last line of a segment is incomplete (torn by the crash); skipped');
  }
  const entries: RequestLogEntry[] = [];
  lines.forEach((line, index) => {
    if (line === '') return;
    const entry = parseLine(line);
    if (entry !== undefined) entries.push(entry);
    else {
      report.skippedLines += 1;
      logger.warn({ path, line: index + 1 }, 'request log journal: an unreadable line was skipped');
    }
  });
  return entries;
}

type FieldKind = 'string' | 'string?' | 'integer' | 'integer?' | 'boolean';

const fieldKinds = {
  id: 'string',
  createdAt: 'integer',
  endpoint: 'string',
  model: 'string',
  provider: 'string',
  upstreamModel: 'string',
  stream: 'boolean',
  status: 'integer',
  errorCode: 'string?',
  promptTokens: 'integer',
  completionTokens: 'integer',
  cachedTokens: 'integer',
  cacheWriteTokens: 'integer',
  reasoningTokens: 'integer',
  costMicroUsd: 'integer',
  latencyMs: 'integer',
  ttftMs: 'integer?',
  organizationId: 'string?',
  apiKeyId: 'string?',
  userId: 'string?',
  byokHash: 'string?',
  credential: 'string?',
  cacheStatus: 'string',
  usageEstimated: 'boolean',
  overage: 'boolean',
  // Absent from lines written before attempts existed: the defaults apply.
  requestId: 'string?',
  attempt: 'integer?',
  deployment: 'string?',
} as const satisfies Record<keyof RequestLogEntry, FieldKind>;

/** Fields a line may lack (added after the journal format began). */
const optionalFields = new Set<keyof RequestLogEntry>(['requestId', 'attempt', 'deployment']);

const fieldEntries = Object.entries(fieldKinds) as [keyof RequestLogEntry, FieldKind][];

const endpoints = new Set<string>(['chat', 'completions', 'embeddings']);
const cacheStatuses = new Set<string>(['HIT', 'MISS', 'SKIP']);

/** One journal line back to an entry; undefined when it is not one. */
export function parseLine(line: string): RequestLogEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const [field, kind] of fieldEntries) {
    if (record[field] === undefined && optionalFields.has(field)) continue;
    if (!hasKind(record[field], kind)) return undefined;
  }
  if (!endpoints.has(record.endpoint as string) || !cacheStatuses.has(record.cacheStatus as string)) return undefined;
  const entry = {} as Record<string, unknown>;
  for (const [field] of fieldEntries) if (record[field] !== undefined) entry[field] = record[field];
  entry.createdAt = new Date(record.createdAt as number);
  return entry as RequestLogEntry;
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  if (value === null) return kind.endsWith('?');
  if (kind === 'boolean') return typeof value === 'boolean';
  if (kind.startsWith('string')) return typeof value === 'string';
  return Number.isSafeInteger(value);
}

function listSegments(directory: string): string[] {
  try {
    return readdirSync(directory).filter((name) => segmentName.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function parseOwner(name: string): Owner | undefined {
  const match = segmentName.exec(name);
  if (match === null) return undefined;
  return { host: match[1]!, pid: Number(match[2]), start: Number(match[3]) };
}

/** How far two readings of one process's start may differ (the boot time in /proc/stat has whole seconds). */
const startToleranceMs = 2_000;

/**
 * Whether the process that wrote a segment on this host may still be running: its pid is alive and
 * started when the segment's name says (a pid reused after a restart, as in containers, is not it).
 */
function ownerRunning(owner: Owner, self: Owner): boolean {
  // This very process (another store opened in it) or an earlier one that had the same pid.
  if (owner.pid === self.pid) return Math.abs(owner.start - self.start) <= startToleranceMs;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = processStartTime(owner.pid);
  // Without /proc (not Linux) a live pid is taken at its word.
  return started === undefined || Math.abs(started - owner.start) <= startToleranceMs;
}

/** This process as segment names record it; the start is read the way `ownerRunning()` reads others'. */
export function currentOwner(): Owner {
  return {
    host: hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'host',
    pid: process.pid,
    start: processStartTime(process.pid) ?? Math.round(performance.timeOrigin),
  };
}

/** Linux: a process's start as epoch ms, from /proc (boot time + start in clock ticks of 1/100 s). */
function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(bootSeconds)) return undefined;
    return bootSeconds * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}
