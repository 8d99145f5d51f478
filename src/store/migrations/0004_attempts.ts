// Attempts: a client request may reach several deployments (fallbacks, retries, hedges), each attempt its own
// ledger row. `request_id` links them (the first attempt's row keeps the request id as its `id`, later ones are
// `<request id>.<n>`), `attempt` numbers them from 1 and `deployment` names what served each.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Nullable so SQLite can add it to a filled table; every row is given one here and every insert writes one.
  await db.schema.alterTable('request_log').addColumn('request_id', 'text').execute();
  await db.schema
    .alterTable('request_log')
    .addColumn('attempt', 'integer', (column) => column.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('request_log').addColumn('deployment', 'text').execute();
  await sql`update request_log set request_id = id where request_id is null`.execute(db);
  await db.schema.createIndex('request_log_request_id_idx').on('request_log').columns(['request_id', 'attempt']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('request_log_request_id_idx').execute();
  await db.schema.alterTable('request_log').dropColumn('deployment').execute();
  await db.schema.alterTable('request_log').dropColumn('attempt').execute();
  await db.schema.alterTable('request_log').dropColumn('request_id').execute();
}
