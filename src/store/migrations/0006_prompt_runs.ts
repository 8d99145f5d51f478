// Prompt runs of the platform API: one row per POST /api/prompt/execute (and, later, per async prompt job),
// with the prompt as sent, the models asked and each model's result, for GET /api/prompts/{id} and the
// history. The model calls themselves are in request_log as always (request ids `<run id>-m<n>`).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('prompt_runs')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    .addColumn('api_key_id', 'text')
    .addColumn('user_id', 'text')
    /** `execute` (a fan-out answered at once) or `job` (an async prompt). */
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    /** The request: prompt or messages, temperature, max_tokens (JSON). */
    .addColumn('request', 'text', (column) => column.notNull())
    /** The models asked, as a JSON array of strings. */
    .addColumn('models', 'text', (column) => column.notNull())
    /** Each model's result as the API shows it (JSON array), null until there is one. */
    .addColumn('results', 'text')
    .addColumn('total_tokens', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('total_cost_micro_usd', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema.createIndex('prompt_runs_organization_created').on('prompt_runs').columns(['organization_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('prompt_runs').execute();
}
