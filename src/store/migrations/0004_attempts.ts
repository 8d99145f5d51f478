// Attempts: a client request may reach several deployments (fallbacks, retries, hedges), each attempt its own
// ledger row. `request_id` links them (the first attempt's row keeps the request id as its `id`, later ones are
// `<request id>.<n>`), `attempt` numbers them from 1 and `deployment` names what served each.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite adds a NOT NULL column to a filled table only with a default. The same DDL on both dialects keeps
  // one schema; '' is replaced here in every existing row, every insert of this version writes the column,
  // and a row a gateway without this migration writes meanwhile is still taken (read back as its own request).
  await db.schema
    .alterTable('request_log')
    .addColumn('request_id', 'text', (column) => column.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('request_log')
    .addColumn('attempt', 'integer', (column) => column.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('request_log').addColumn('deployment', 'text').execute();
  await sql`update request_log set request_id = id`.execute(db);
  // The attempts of one request, in order.
  await db.schema.createIndex('request_log_request_id_idx').on('request_log').columns(['request_id', 'attempt']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('request_log_request_id_idx').execute();
  for (const column of ['deployment', 'attempt', 'request_id']) {
    await db.schema.alterTable('request_log').dropColumn(column).execute();
  }
}
