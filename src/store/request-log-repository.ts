// The request log on SQL: write-behind inserts (see write-behind-queue.ts), each entry first appended to the
// local journal when there is one (ledger-journal.ts), and newest-first reads.
import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, sql, type Insertable, type LogEvent, type Selectable } from 'kysely';
import { booleanWriter, readBoolean, readInteger, writeInteger, writeText } from './column-values.js';
import type { RequestLogTable, SqlDialect, StoreDatabase } from './database.js';
import type { JournalSegment, LedgerJournal } from './ledger-journal.js';
import type { StoreLogger } from './store-logger.js';
import type { RequestLog, RequestLogEntry, RequestLogQuery } from './types.js';
import { WriteBehindQueue, type WriteBehindQueueOptions } from './write-behind-queue.js';

export const requestLogListDefaults = { limit: 50, maxLimit: 1000 } as const;

type WriteTuning = Pick<WriteBehindQueueOptions<unknown>, 'batchSize' | 'flushIntervalMs' | 'maxPending' | 'maxRetryDelayMs'>;

export type RequestLogRepositoryOptions = WriteTuning & {
  db: StoreDatabase;
  dialect: SqlDialect;
  logger: StoreLogger;
  /** On SQLite: the raw connection, for batch inserts through one prepared statement. */
  sqlite?: SqliteDatabase.Database;
  /** Told of the batches written through `sqlite`, as Kysely tells of its own queries. */
  onQuery?: (event: LogEvent) => void;
  /** Makes `record()` crash-safe: the entry is on local disk before it returns. */
  journal?: LedgerJournal;
};

type Row = Insertable<RequestLogTable>;
type Queued = { entry: RequestLogEntry; segment: JournalSegment | undefined };

/** Column order of the insert; the parameter layout of every cached statement follows it. */
const columns = [
  'id',
  'created_at',
  'endpoint',
  'model',
  'provider',
  'upstream_model',
  'stream',
  'status',
  'error_code',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_micro_usd',
  'latency_ms',
  'ttft_ms',
  'organization_id',
  'api_key_id',
  'user_id',
  'byok_hash',
  'credential',
  'cache_status',
  'usage_estimated',
  'overage',
  'request_id',
  'attempt',
  'deployment',
] as const satisfies readonly (keyof RequestLogTable)[];

const settled = Promise.resolve();

export class RequestLogRepository implements RequestLog {
  readonly #db: StoreDatabase;
  readonly #queue: WriteBehindQueue<Queued>;
  readonly #journal: LedgerJournal | undefined;
  #closed = false;
  #warnedAfterClose = false;
  readonly #logger: StoreLogger;
  readonly #writeBoolean: (value: boolean) => boolean | number;
  /** Compiled multi-row INSERTs by row count: a batch only binds new parameters. */
  readonly #insertStatements = new Map<number, CompiledQuery>();
  readonly #sqliteInsert: ((rows: readonly Row[]) => number) | undefined;

  constructor(options: RequestLogRepositoryOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#journal = options.journal;
    this.#writeBoolean = booleanWriter(options.dialect);
    this.#sqliteInsert = options.sqlite ? sqliteBatchInsert(options.sqlite, options.onQuery) : undefined;
    const journal = options.journal;
    this.#queue = new WriteBehindQueue<Queued>({
      name: 'request log',
      writeBatch: async (items) => void (await this.#insert(items.map((item) => item.entry))),
      writeOne: async (item) => void (await this.#insert([item.entry])),
      probe: async () => {
        await sql`select 1`.execute(this.#db);
      },
      describeItem: (item) => ({ requestId: item.entry.id }),
      logger: options.logger,
      ...(journal === undefined
        ? {}
        : {
            unwrittenOnClose: 'kept' as const,
            onSettled: (items: readonly Queued[], outcome: 'written' | 'refused' | 'dropped') => {
              for (const { segment } of items) {
                if (segment === undefined) continue;
                if (outcome === 'dropped') journal.retain(segment);
                else journal.settle(segment);
              }
            },
          }),
      ...pickTuning(options),
    });
  }

  record(entry: RequestLogEntry): void {
    const journal = this.#journal;
    if (journal === undefined) return this.#queue.push({ entry, segment: undefined });
    if (this.#closed) return this.#keepAfterClose(journal, entry);
    this.#queue.push({ entry, segment: journal.append(entry) });
  }

  recordBatched(entry: RequestLogEntry): Promise<void> {
    const journal = this.#journal;
    if (journal === undefined || this.#closed) {
      this.record(entry);
      return settled;
    }
    return journal.appendBatched(entry, this.#journaled);
  }

  /** A batched entry's line is written (segment undefined: it could not be): now the database may have it. */
  readonly #journaled = (entry: RequestLogEntry, segment: JournalSegment | undefined): void => {
    this.#queue.push({ entry, segment });
  };

  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /** Flushes, then lets the journal delete what the database has; the connection itself belongs to the store. */
  async close(): Promise<void> {
    this.#closed = true;
    // Lines batched in this turn go to the queue before it closes.
    this.#journal?.flushBatch();
    await this.#queue.close();
    this.#journal?.close();
  }

  /**
   * Inserts entries now, bypassing the queue and the journal (the journal's replay at start-up). Entries
   * whose id is already there are skipped; resolves to the number of rows inserted.
   */
  restore(entries: readonly RequestLogEntry[]): Promise<number> {
    return this.#insert(entries);
  }

  /** Entries queued and not yet written. */
  get pending(): number {
    return this.#queue.pending;
  }

  /** A stream that outlived the store (cut at shutdown) still ends with a row: the next start writes it. */
  #keepAfterClose(journal: LedgerJournal, entry: RequestLogEntry): void {
    journal.append(entry);
    if (this.#warnedAfterClose) return;
    this.#warnedAfterClose = true;
    this.#logger.error(
      { requestId: entry.id },
      'request log: an entry arrived after the store was closed; it is kept in the journal and written at the next start',
    );
  }

  async list(query: RequestLogQuery = {}): Promise<RequestLogEntry[]> {
    const limit = clampInteger(query.limit, requestLogListDefaults.limit, 0, requestLogListDefaults.maxLimit);
    const offset = clampInteger(query.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    let select = this.#db.selectFrom('request_log').selectAll();
    if (query.model !== undefined) select = select.where('model', '=', query.model);
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    return rows.map(toEntry);
  }

  async get(id: string): Promise<RequestLogEntry | undefined> {
    const row = await this.#db.selectFrom('request_log').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toEntry(row);
  }

  /** Reads the database only: attempts still queued (see `flush()`) are not among them. */
  async attemptsOf(requestId: string): Promise<RequestLogEntry[]> {
    const rows = await this.#db
      .selectFrom('request_log')
      .selectAll()
      .where('request_id', '=', requestId)
      .orderBy('attempt')
      .orderBy('id')
      .execute();
    return rows.map(toEntry);
  }

  /**
   * One multi-row INSERT per batch. Kysely compiles the statement the first time a batch of this
   * size is seen; later batches of the same size reuse its SQL with a fresh parameter array.
   * ON CONFLICT makes a retried batch harmless if the first attempt did commit.
   */
  async #insert(entries: readonly RequestLogEntry[]): Promise<number> {
    const rows = entries.map((entry) => this.#toRow(entry));
    const sqliteInsert = this.#sqliteInsert;
    // Through Kysely's connection mutex, so a batch never lands inside (and rolls back with) another
    // repository's open transaction on the same connection.
    if (sqliteInsert) return this.#db.connection().execute(async () => sqliteInsert(rows));
    const cached = this.#insertStatements.get(rows.length);
    if (cached !== undefined) {
      return insertedRows(await this.#db.executeQuery(CompiledQuery.raw(cached.sql, flattenRows(rows))));
    }
    const compiled = this.#db
      .insertInto('request_log')
      .values(rows)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .compile();
    const result = await this.#db.executeQuery(compiled);
    // Cache only when the parameter layout is the one flattenRows() produces.
    if (sameParameters(compiled.parameters, flattenRows(rows))) this.#insertStatements.set(rows.length, compiled);
    return insertedRows(result);
  }

  #toRow(entry: RequestLogEntry): Row {
    return {
      id: writeText(entry.id),
      created_at: writeInteger(entry.createdAt.getTime()),
      endpoint: writeText(entry.endpoint),
      model: writeText(entry.model),
      provider: writeText(entry.provider),
      upstream_model: writeText(entry.upstreamModel),
      stream: this.#writeBoolean(entry.stream),
      status: writeInteger(entry.status),
      error_code: entry.errorCode === null ? null : writeText(entry.errorCode),
      prompt_tokens: writeInteger(entry.promptTokens),
      completion_tokens: writeInteger(entry.completionTokens),
      cached_tokens: writeInteger(entry.cachedTokens),
      cache_write_tokens: writeInteger(entry.cacheWriteTokens),
      reasoning_tokens: writeInteger(entry.reasoningTokens),
      cost_micro_usd: writeInteger(entry.costMicroUsd),
      latency_ms: writeInteger(entry.latencyMs),
      ttft_ms: entry.ttftMs === null ? null : writeInteger(entry.ttftMs),
      organization_id: optionalText(entry.organizationId),
      api_key_id: optionalText(entry.apiKeyId),
      user_id: optionalText(entry.userId),
      byok_hash: optionalText(entry.byokHash),
      credential: optionalText(entry.credential),
      cache_status: entry.cacheStatus,
      usage_estimated: this.#writeBoolean(entry.usageEstimated),
      overage: this.#writeBoolean(entry.overage),
      request_id: writeText(entry.requestId ?? entry.id),
      attempt: writeInteger(entry.attempt ?? 1),
      deployment: optionalText(entry.deployment ?? null),
    };
  }
}

/** A row as the store port shows it (also read by the usage queries). */
export function toEntry(row: Selectable<RequestLogTable>): RequestLogEntry {
  return {
    id: row.id,
    createdAt: new Date(readInteger(row.created_at)),
    endpoint: row.endpoint as RequestLogEntry['endpoint'],
    model: row.model,
    provider: row.provider,
    upstreamModel: row.upstream_model,
    stream: readBoolean(row.stream),
    status: row.status,
    errorCode: row.error_code,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    cachedTokens: row.cached_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    costMicroUsd: readInteger(row.cost_micro_usd),
    latencyMs: row.latency_ms,
    ttftMs: row.ttft_ms,
    organizationId: row.organization_id,
    apiKeyId: row.api_key_id,
    userId: row.user_id,
    byokHash: row.byok_hash,
    credential: row.credential,
    cacheStatus: row.cache_status as RequestLogEntry['cacheStatus'],
    usageEstimated: readBoolean(row.usage_estimated),
    overage: readBoolean(row.overage),
    // '' is the column's default, left only by a gateway that predates attempts: a request of its own.
    requestId: row.request_id === '' ? row.id : row.request_id,
    attempt: row.attempt,
    deployment: row.deployment,
  };
}

/**
 * SQLite: one prepared single-row INSERT run for every row inside one transaction. Measured against
 * Kysely's multi-row INSERT, which better-sqlite3 must prepare afresh for every batch size, this costs
 * half the CPU per row and keeps no statement per size in memory.
 */
function sqliteBatchInsert(database: SqliteDatabase.Database, onQuery: ((event: LogEvent) => void) | undefined) {
  const text = `insert into "request_log" (${columns.map((column) => `"${column}"`).join(', ')}) values (${columns
    .map(() => '?')
    .join(', ')}) on conflict ("id") do nothing`;
  const statement = database.prepare(text);
  const writeAll = database.transaction((rows: readonly Row[]) => {
    let inserted = 0;
    for (const row of rows) inserted += statement.run(columns.map((column) => row[column])).changes;
    return inserted;
  });
  return (rows: readonly Row[]): number => {
    const started = performance.now();
    const inserted = writeAll(rows);
    onQuery?.({
      level: 'query',
      query: CompiledQuery.raw(`${text} -- ×${rows.length} in one transaction`, flattenRows(rows)),
      queryDurationMillis: performance.now() - started,
    });
    return inserted;
  };
}

function insertedRows(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}

function optionalText(value: string | null): string | null {
  return value === null ? null : writeText(value);
}

function flattenRows(rows: readonly Row[]): unknown[] {
  const parameters: unknown[] = [];
  for (const row of rows) for (const column of columns) parameters.push(row[column]);
  return parameters;
}

function sameParameters(left: readonly unknown[], right: readonly unknown[]): boolean {
  return left.length === right.length && left.every((value, index) => Object.is(value, right[index]));
}

function clampInteger(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(Math.max(Math.trunc(value), min), max);
}

function pickTuning(options: WriteTuning): WriteTuning {
  const tuning: WriteTuning = {};
  if (options.batchSize !== undefined) tuning.batchSize = options.batchSize;
  if (options.flushIntervalMs !== undefined) tuning.flushIntervalMs = options.flushIntervalMs;
  if (options.maxPending !== undefined) tuning.maxPending = options.maxPending;
  if (options.maxRetryDelayMs !== undefined) tuning.maxRetryDelayMs = options.maxRetryDelayMs;
  return tuning;
}
