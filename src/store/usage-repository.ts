// Usage statistics and call history over the ledger (request_log). Sums are taken in SQL over integer
// columns (tokens, micro-USD), so money is never added up as floats; pg returns int8 and numeric sums as
// strings, which `readInteger` turns back into numbers. Every query is confined to one organization, and
// served by the (organization_id, created_at) or (api_key_id, created_at) index.
import { sql, type SelectQueryBuilder } from 'kysely';
import { readInteger } from './column-values.js';
import type { DatabaseSchema, StoreDatabase } from './database.js';
import { requestLogListDefaults, toEntry } from './request-log-repository.js';
import type { ModelUsage, RequestLogEntry, UsageHistoryQuery, UsageOwner, UsageQueries, UsageSummary } from './types.js';

type LedgerQuery<O> = SelectQueryBuilder<DatabaseSchema, 'request_log', O>;
type Count = number | string | bigint;
type Sum = Count | null;

/** Literals rather than parameters inside CASE: PostgreSQL cannot type a bare parameter summed over. */
const cacheHit = sql<number>`case when cache_status = 'HIT' then 1 else 0 end`;
const failed = sql<number>`case when status >= 400 then 1 else 0 end`;

export class UsageRepository implements UsageQueries {
  readonly #db: StoreDatabase;

  constructor(options: { db: StoreDatabase }) {
    this.#db = options.db;
  }

  async summarize(query: UsageOwner & { from?: Date; to?: Date }): Promise<UsageSummary> {
    let select = ownedBy(this.#db.selectFrom('request_log'), query);
    if (query.from !== undefined) select = select.where('created_at', '>=', query.from.getTime());
    if (query.to !== undefined) select = select.where('created_at', '<', query.to.getTime());
    const rows = await select
      .select((eb) => [
        'model' as const,
        eb.fn.countAll<Count>().as('calls'),
        eb.fn.sum<Sum>(cacheHit).as('cache_hits'),
        eb.fn.sum<Sum>(failed).as('failed_calls'),
        eb.fn.sum<Sum>('prompt_tokens').as('prompt_tokens'),
        eb.fn.sum<Sum>('completion_tokens').as('completion_tokens'),
        eb.fn.sum<Sum>('cached_tokens').as('cached_tokens'),
        eb.fn.sum<Sum>('cache_write_tokens').as('cache_write_tokens'),
        eb.fn.sum<Sum>('reasoning_tokens').as('reasoning_tokens'),
        eb.fn.sum<Sum>('cost_micro_usd').as('cost_micro_usd'),
      ])
      .groupBy('model')
      .execute();
    const byModel: ModelUsage[] = rows.map((row) => ({
      model: row.model,
      calls: sumOf(row.calls),
      cacheHits: sumOf(row.cache_hits),
      failedCalls: sumOf(row.failed_calls),
      promptTokens: sumOf(row.prompt_tokens),
      completionTokens: sumOf(row.completion_tokens),
      cachedTokens: sumOf(row.cached_tokens),
      cacheWriteTokens: sumOf(row.cache_write_tokens),
      reasoningTokens: sumOf(row.reasoning_tokens),
      costMicroUsd: sumOf(row.cost_micro_usd),
    }));
    // Sorted here, not in SQL: collations differ between SQLite and PostgreSQL.
    byModel.sort((left, right) => right.calls - left.calls || (left.model < right.model ? -1 : left.model > right.model ? 1 : 0));
    const totals = emptyTotals();
    for (const usage of byModel) {
      for (const name of totalNames) totals[name] += usage[name];
    }
    return { ...totals, byModel };
  }

  async history(query: UsageHistoryQuery): Promise<{ total: number; entries: RequestLogEntry[] }> {
    const limit = clampInteger(query.limit, requestLogListDefaults.limit, 0, requestLogListDefaults.maxLimit);
    const offset = clampInteger(query.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    let base = ownedBy(this.#db.selectFrom('request_log'), query);
    if (query.model !== undefined) base = base.where('model', '=', query.model);
    if (query.withoutRunCalls === true) base = base.where('request_id', 'not like', '%-m%');
    const [counted, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll<Count>().as('total')).executeTakeFirstOrThrow(),
      base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    ]);
    return { total: sumOf(counted.total), entries: rows.map(toEntry) };
  }
}

const totalNames = [
  'calls',
  'cacheHits',
  'failedCalls',
  'promptTokens',
  'completionTokens',
  'cachedTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'costMicroUsd',
] as const satisfies readonly (keyof Omit<ModelUsage, 'model'>)[];

function emptyTotals(): Omit<ModelUsage, 'model'> {
  return Object.fromEntries(totalNames.map((name) => [name, 0])) as Omit<ModelUsage, 'model'>;
}

function ownedBy<O>(select: LedgerQuery<O>, owner: UsageOwner): LedgerQuery<O> {
  let query = select.where('organization_id', '=', owner.organizationId);
  if (owner.apiKeyId !== undefined) query = query.where('api_key_id', '=', owner.apiKeyId);
  if (owner.userId !== undefined) query = query.where('user_id', '=', owner.userId);
  return query;
}

/** SUM over no rows is NULL; pg gives int8 and numeric sums as strings. */
function sumOf(value: Sum): number {
  return value === null ? 0 : readInteger(value);
}

function clampInteger(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(Math.max(Math.trunc(value), min), max);
}
