// Metering: the ledger (request_log) learns which credential served a call, its cache status, whether
// its usage was estimated and whether it was billable overage; organizations get a plan and limits of
// their own; prepaid balances with their reservations and transactions; and the optional request-body
// log, kept apart from the ledger so that the ledger stays small. Column conventions: ../database.ts.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // `server`, `byok` or the id of the organization's stored credential.
  await db.schema.alterTable('request_log').addColumn('credential', 'text').execute();
  await db.schema
    .alterTable('request_log')
    .addColumn('cache_status', 'text', (column) => column.notNull().defaultTo('SKIP'))
    .execute();
  await db.schema
    .alterTable('request_log')
    .addColumn('usage_estimated', 'boolean', (column) => column.notNull().defaultTo(false))
    .execute();
  await db.schema
    .alterTable('request_log')
    .addColumn('overage', 'boolean', (column) => column.notNull().defaultTo(false))
    .execute();
  // Usage statistics and history per key, newest first (per organization: 0002's index).
  await db.schema
    .createIndex('request_log_api_key_created_at_idx')
    .on('request_log')
    .columns(['api_key_id', 'created_at', 'id'])
    .execute();

  await db.schema.alterTable('organizations').addColumn('plan', 'text').execute();
  await db.schema.alterTable('organizations').addColumn('limits', 'text').execute();

  await db.schema
    .createTable('balances')
    .addColumn('organization_id', 'text', (column) => column.primaryKey().references('organizations.id'))
    .addColumn('balance_micro_usd', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
  // One row per call in flight on a balance: what it may cost at most, until it settles or expires.
  await db.schema
    .createTable('balance_reservations')
    .addColumn('request_id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    .addColumn('amount_micro_usd', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('balance_reservations_organization_idx')
    .on('balance_reservations')
    .columns(['organization_id', 'expires_at'])
    .execute();
  await db.schema
    .createTable('balance_transactions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    // `credit` (a top-up, positive) or `charge` (a call's real cost, negative).
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('amount_micro_usd', 'bigint', (column) => column.notNull())
    .addColumn('balance_after_micro_usd', 'bigint', (column) => column.notNull())
    .addColumn('request_id', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('balance_transactions_organization_created_at_idx')
    .on('balance_transactions')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();
  // A charge is written once per call, even when a settle is retried.
  await db.schema
    .createIndex('balance_transactions_request_key')
    .on('balance_transactions')
    .column('request_id')
    .unique()
    .where(sql.ref('request_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('request_bodies')
    .addColumn('request_id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('request_body', 'text')
    .addColumn('response_body', 'text')
    .execute();
  await db.schema.createIndex('request_bodies_created_at_idx').on('request_bodies').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('request_bodies').execute();
  await db.schema.dropTable('balance_transactions').execute();
  await db.schema.dropTable('balance_reservations').execute();
  await db.schema.dropTable('balances').execute();
  await db.schema.alterTable('organizations').dropColumn('limits').execute();
  await db.schema.alterTable('organizations').dropColumn('plan').execute();
  await db.schema.dropIndex('request_log_api_key_created_at_idx').execute();
  for (const column of ['overage', 'usage_estimated', 'cache_status', 'credential']) {
    await db.schema.alterTable('request_log').dropColumn(column).execute();
  }
}
