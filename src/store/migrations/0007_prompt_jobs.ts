// Async prompt jobs live in prompt_runs (kind `job`): their priority, the submitter as it was authenticated
// (no secret: ids, scope, domains, limits), and the claim of the replica running one (its id and the end of
// its lease, renewed while it runs; a lease that ran out returns the job to the queue).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('prompt_runs').addColumn('priority', 'integer', (column) => column.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('prompt_runs').addColumn('principal', 'text').execute();
  await db.schema.alterTable('prompt_runs').addColumn('claimed_by', 'text').execute();
  await db.schema.alterTable('prompt_runs').addColumn('claimed_until', 'bigint').execute();
  // The queue's order: status, then priority (0 high … 2 low), then age.
  await db.schema.createIndex('prompt_runs_queue').on('prompt_runs').columns(['status', 'priority', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('prompt_runs_queue').execute();
  for (const column of ['claimed_until', 'claimed_by', 'principal', 'priority']) await db.schema.alterTable('prompt_runs').dropColumn(column).execute();
}
