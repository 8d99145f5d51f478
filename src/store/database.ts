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
export type NullableInt8Column = ColumnType<number | string | bigint | null, number | null, number | null>;
export type BooleanColumn = ColumnType<boolean | number, boolean | number, boolean | number>;
/** A boolean column with a default: inserts may leave it out. */
export type DefaultedBooleanColumn = ColumnType<boolean | number, boolean | number | undefined, boolean | number>;
/** JSON stored as text (portable; nothing queries inside it). */
export type JsonTextColumn = string;

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
  organization_id: string | null;
  api_key_id: string | null;
  user_id: string | null;
  byok_hash: string | null;
  credential: ColumnType<string | null, string | null | undefined, string | null>;
  cache_status: ColumnType<string, string | undefined, string>;
  usage_estimated: DefaultedBooleanColumn;
  overage: DefaultedBooleanColumn;
  /** The client request the row is an attempt of ('' only in a row a gateway older than migration 0004 wrote). */
  request_id: ColumnType<string, string | undefined, string>;
  attempt: ColumnType<number, number | undefined, number>;
  deployment: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  is_operator: BooleanColumn;
  created_at: Int8Column;
  plan: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON object of limit name → integer (see limits/plans.ts). */
  limits: ColumnType<JsonTextColumn | null, JsonTextColumn | null | undefined, JsonTextColumn | null>;
}

export interface UsersTable {
  id: string;
  organization_id: string;
  /** Lower-cased before it is written; unique. */
  email: string;
  password_hash: string;
  role: string;
  created_at: Int8Column;
  disabled_at: NullableInt8Column;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  created_by: string | null;
  name: string;
  description: string | null;
  scope: string;
  /** `"*"` or a JSON array of domain names. */
  domains: JsonTextColumn;
  prefix: string;
  last_four: string;
  secret_hash: string;
  created_at: Int8Column;
  expires_at: NullableInt8Column;
  revoked_at: NullableInt8Column;
  last_used_at: NullableInt8Column;
  rotated_from: string | null;
  plan: string | null;
  limits: JsonTextColumn | null;
}

export interface ProviderCredentialsTable {
  id: string;
  organization_id: string;
  provider: string;
  name: string;
  sealed_key: string;
  created_at: Int8Column;
  rotated_at: NullableInt8Column;
}

export interface AuditLogTable {
  id: string;
  organization_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: JsonTextColumn | null;
  created_at: Int8Column;
}

export interface OutboxEventsTable {
  id: string;
  organization_id: string;
  type: string;
  data: JsonTextColumn;
  created_at: Int8Column;
}

export interface BalancesTable {
  organization_id: string;
  balance_micro_usd: Int8Column;
  updated_at: Int8Column;
}

export interface BalanceReservationsTable {
  request_id: string;
  organization_id: string;
  amount_micro_usd: Int8Column;
  expires_at: Int8Column;
}

export interface BalanceTransactionsTable {
  id: string;
  organization_id: string;
  kind: string;
  amount_micro_usd: Int8Column;
  balance_after_micro_usd: Int8Column;
  request_id: string | null;
  note: string | null;
  created_at: Int8Column;
}

export interface RequestBodiesTable {
  request_id: string;
  organization_id: string | null;
  created_at: Int8Column;
  request_body: string | null;
  response_body: string | null;
}

export interface DatabaseSchema {
  request_log: RequestLogTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  provider_credentials: ProviderCredentialsTable;
  audit_log: AuditLogTable;
  outbox_events: OutboxEventsTable;
  balances: BalancesTable;
  balance_reservations: BalanceReservationsTable;
  balance_transactions: BalanceTransactionsTable;
  request_bodies: RequestBodiesTable;
}

export type SqlDialect = 'sqlite' | 'postgres';

export type StoreDatabase = Kysely<DatabaseSchema>;
