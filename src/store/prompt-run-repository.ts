// Prompt runs on SQL (table prompt_runs, migration 0006): fan-outs answered at once and async prompt jobs,
// with their per-model results. Every read is confined to one organization (and, for a generator, to its
// own key or user), served by the (organization_id, created_at) index.
import { sql, type ColumnType, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import { readInteger, writeText } from './column-values.js';
import type { DatabaseSchema, Int8Column, JsonTextColumn, NullableInt8Column, SqlDialect, StoreDatabase } from './database.js';
import type { WriteTransaction } from './write-transaction.js';
import type { JobClaim, PromptRunQuery, PromptRunRecord, PromptRunStore, UsageOwner } from './types.js';

export interface PromptRunsTable {
  id: string;
  organization_id: string;
  api_key_id: string | null;
  user_id: string | null;
  kind: string;
  status: string;
  request: JsonTextColumn;
  models: JsonTextColumn;
  results: JsonTextColumn | null;
  total_tokens: Int8Column;
  total_cost_micro_usd: Int8Column;
  created_at: Int8Column;
  completed_at: NullableInt8Column;
  priority: ColumnType<number, number | undefined, number>;
  principal: JsonTextColumn | null;
  claimed_by: string | null;
  claimed_until: NullableInt8Column;
}

type RunDatabase = Kysely<DatabaseSchema & { prompt_runs: PromptRunsTable }>;

export class PromptRunRepository implements PromptRunStore {
  readonly #db: RunDatabase;
  readonly #dialect: SqlDialect;
  readonly #write: WriteTransaction;

  constructor(options: { db: StoreDatabase; dialect: SqlDialect; write: WriteTransaction }) {
    this.#db = withRuns(options.db);
    this.#dialect = options.dialect;
    this.#write = options.write;
  }

  async save(run: PromptRunRecord): Promise<void> {
    const row = {
      id: run.id,
      organization_id: run.organizationId,
      api_key_id: run.apiKeyId,
      user_id: run.userId,
      kind: run.kind,
      status: run.status,
      request: writeText(JSON.stringify(run.request)),
      models: writeText(JSON.stringify(run.models)),
      results: run.results === null ? null : writeText(JSON.stringify(run.results)),
      total_tokens: run.totalTokens,
      total_cost_micro_usd: run.totalCostMicroUsd,
      created_at: run.createdAt.getTime(),
      completed_at: run.completedAt === null ? null : run.completedAt.getTime(),
      priority: run.priority ?? 1,
      principal: run.principal == null ? null : writeText(JSON.stringify(run.principal)),
    };
    const { id: _id, organization_id: _organization, created_at: _created, ...changes } = row;
    await this.#db.insertInto('prompt_runs').values(row).onConflict((conflict) => conflict.column('id').doUpdateSet(changes)).execute();
  }

  async get(owner: UsageOwner, id: string): Promise<PromptRunRecord | undefined> {
    const row = await ownedBy(this.#db.selectFrom('prompt_runs').selectAll(), owner).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(query: PromptRunQuery): Promise<{ total: number; runs: PromptRunRecord[] }> {
    let base = ownedBy(this.#db.selectFrom('prompt_runs'), query);
    // The models column is a JSON array of strings: a model is in it as its JSON string.
    if (query.model !== undefined) base = base.where(sql<boolean>`models like ${`%${escapeLike(JSON.stringify(query.model))}%`} escape '\\'`);
    const [counted, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll<number | string | bigint>().as('total')).executeTakeFirstOrThrow(),
      base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
    ]);
    return { total: readInteger(counted.total), runs: rows.map(toRecord) };
  }

  claimJob(claim: JobClaim): Promise<PromptRunRecord | undefined> {
    return this.#write(async (transaction) => {
      const db = withRuns(transaction);
      // A replica that stopped renewing its lease (a crash) gives its jobs back to the queue.
      await db
        .updateTable('prompt_runs')
        .set({ status: 'queued', claimed_by: null, claimed_until: null })
        .where('kind', '=', 'job')
        .where('status', '=', 'running')
        .where('claimed_until', '<', claim.now)
        .execute();
      let next = db
        .selectFrom('prompt_runs as r')
        .selectAll('r')
        .where('r.kind', '=', 'job')
        .where('r.status', '=', 'queued')
        .where(sql<boolean>`(select count(*) from prompt_runs busy where busy.organization_id = r.organization_id and busy.status = 'running') < ${claim.perOrganization}`)
        .orderBy('r.priority')
        .orderBy('r.created_at')
        .orderBy('r.id')
        .limit(1);
      // PostgreSQL: replicas skip a row another is claiming; SQLite's write transactions are serial anyway.
      if (this.#dialect === 'postgres') next = next.forUpdate().skipLocked();
      const row = await next.executeTakeFirst();
      if (row === undefined) return undefined;
      const claimedUntil = claim.now + claim.leaseMs;
      await db.updateTable('prompt_runs').set({ status: 'running', claimed_by: claim.workerId, claimed_until: claimedUntil }).where('id', '=', row.id).execute();
      return toRecord({ ...row, status: 'running', claimed_by: claim.workerId, claimed_until: claimedUntil });
    });
  }

  async updateClaimed(run: PromptRunRecord, workerId: string, claimedUntil: number | null): Promise<boolean> {
    const result = await this.#db
      .updateTable('prompt_runs')
      .set({
        status: run.status,
        results: run.results === null ? null : writeText(JSON.stringify(run.results)),
        total_tokens: run.totalTokens,
        total_cost_micro_usd: run.totalCostMicroUsd,
        completed_at: run.completedAt === null ? null : run.completedAt.getTime(),
        claimed_until: claimedUntil,
      })
      .where('id', '=', run.id)
      .where('claimed_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async cancel(owner: UsageOwner, id: string, at: Date): Promise<{ run: PromptRunRecord; cancelled: boolean } | undefined> {
    let update = this.#db
      .updateTable('prompt_runs')
      .set({ status: 'cancelled', completed_at: at.getTime() })
      .where('id', '=', id)
      .where('organization_id', '=', owner.organizationId)
      .where('kind', '=', 'job')
      .where('status', 'in', ['queued', 'running']);
    if (owner.apiKeyId !== undefined) update = update.where('api_key_id', '=', owner.apiKeyId);
    if (owner.userId !== undefined) update = update.where('user_id', '=', owner.userId);
    const result = await update.executeTakeFirst();
    const run = await this.get(owner, id);
    return run === undefined ? undefined : { run, cancelled: Number(result.numUpdatedRows) > 0 };
  }
}

function withRuns(db: StoreDatabase): RunDatabase {
  return db.withTables<{ prompt_runs: PromptRunsTable }>();
}



type RunSelect<O> = SelectQueryBuilder<DatabaseSchema & { prompt_runs: PromptRunsTable }, 'prompt_runs', O>;

function ownedBy<O>(select: RunSelect<O>, owner: UsageOwner): RunSelect<O> {
  let query = select.where('organization_id', '=', owner.organizationId);
  if (owner.apiKeyId !== undefined) query = query.where('api_key_id', '=', owner.apiKeyId);
  if (owner.userId !== undefined) query = query.where('user_id', '=', owner.userId);
  return query;
}

/** `%` and `_` in a model name are matched as themselves (ESCAPE '\'). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function toRecord(row: Selectable<PromptRunsTable>): PromptRunRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    apiKeyId: row.api_key_id,
    userId: row.user_id,
    kind: row.kind as PromptRunRecord['kind'],
    status: row.status as PromptRunRecord['status'],
    request: JSON.parse(row.request) as Record<string, unknown>,
    models: JSON.parse(row.models) as string[],
    results: row.results === null ? null : (JSON.parse(row.results) as unknown[]),
    totalTokens: readInteger(row.total_tokens),
    totalCostMicroUsd: readInteger(row.total_cost_micro_usd),
    createdAt: new Date(readInteger(row.created_at)),
    completedAt: row.completed_at === null ? null : new Date(readInteger(row.completed_at)),
    priority: readInteger(row.priority),
    principal: row.principal === null ? null : (JSON.parse(row.principal) as Record<string, unknown>),
  };
}

