// Kysely's view of the tables, shared by every repository. One interface per table, added here
// together with the migration that creates it.
//
// Portable column conventions (SQLite and PostgreSQL):
// - timestamps are `bigint` epoch milliseconds (exact in both, sortable, no time-zone parsing);
// - money is `bigint` micro-USD; token counts and durations are `integer`;
// - booleans are `boolean` columns, written as 0/1 on SQLite (better-sqlite3 cannot bind booleans).
// Drivers read these back differently (pg returns int8 as a string, SQLite booleans as 0/1), so
// repositories convert with the helpers in `column-values.ts` before anything leaves the store.
import type { ColumnType, Kysely } from 'kysely';

/** An int8 column: pg reads it as a string, SQLite as a number. */
export type Int8Column = ColumnType<number | string | bigint, number, number>;
export type BooleanColumn = ColumnType<boolean | number, boolean | number, boolean | number>;

export interface RequestLogTable {
  id: string;
  created_at: Int8Column;
  endpoint: string;
  model: string;
  provider: string;
  upstream_model: string;
  stream: BooleanColumn;
  status: number;
  error_code: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_micro_usd: Int8Column;
  latency_ms: number;
  ttft_ms: number | null;
}

export interface DatabaseSchema {
  request_log: RequestLogTable;
}

export type SqlDialect = 'sqlite' | 'postgres';

export type StoreDatabase = Kysely<DatabaseSchema>;
