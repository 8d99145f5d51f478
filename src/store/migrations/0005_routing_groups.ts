// Model groups an organization defines through the platform API (besides the configuration file's): one
// row per organization and public model name, the definition as JSON text. A definition references stored
// provider credentials by id and never holds a key.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('routing_groups')
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('definition', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    // One group of a name per organization; also the index of the listing, which is ordered by name.
    .addPrimaryKeyConstraint('routing_groups_pkey', ['organization_id', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('routing_groups').execute();
}
