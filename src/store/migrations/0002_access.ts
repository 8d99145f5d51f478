// Identity and access: organizations, users, API keys, provider credentials, the audit log and the
// event outbox; the request log learns who made each request. Column conventions: ../database.ts.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('is_operator', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  // At most one operator organization, enforced by the database so that gateways bootstrapping the same
  // database at once cannot both create one. A partial index: SQLite and PostgreSQL both have them.
  await db.schema
    .createIndex('organizations_single_operator_key')
    .on('organizations')
    .column('is_operator')
    .unique()
    .where(sql<boolean>`is_operator`)
    .execute();
  await db.schema.createIndex('organizations_created_at_idx').on('organizations').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('password_hash', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('disabled_at', 'bigint')
    // The repository lower-cases emails before writing, so a plain unique column is case-insensitive.
    .addUniqueConstraint('users_email_key', ['email'])
    .execute();
  await db.schema
    .createIndex('users_organization_created_at_idx')
    .on('users')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    .addColumn('created_by', 'text', (column) => column.references('users.id'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('scope', 'text', (column) => column.notNull())
    .addColumn('domains', 'text', (column) => column.notNull())
    .addColumn('prefix', 'text', (column) => column.notNull())
    .addColumn('last_four', 'text', (column) => column.notNull())
    .addColumn('secret_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('rotated_from', 'text', (column) => column.references('api_keys.id'))
    .addColumn('plan', 'text')
    .addColumn('limits', 'text')
    // Every authenticated request looks its key up by this hash.
    .addUniqueConstraint('api_keys_secret_hash_key', ['secret_hash'])
    .execute();
  await db.schema
    .createIndex('api_keys_organization_created_at_idx')
    .on('api_keys')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('provider_credentials')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('sealed_key', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('rotated_at', 'bigint')
    // Also the index of the listing, which is ordered by provider and name.
    .addUniqueConstraint('provider_credentials_name_key', ['organization_id', 'provider', 'name'])
    .execute();

  // No foreign key on organization_id: an audit row must never be refused (a failed login may name
  // no organization, or one that is gone), and the log outlives what it describes.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text')
    .addColumn('actor_type', 'text', (column) => column.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('audit_log_organization_created_at_idx')
    .on('audit_log')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organization_id', 'text', (column) => column.notNull().references('organizations.id'))
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('data', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('outbox_events_organization_created_at_idx')
    .on('outbox_events')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();

  // Who made each request. No foreign keys: the log is written in bulk, off the request path, and must
  // keep its rows whatever happens to the organization or key.
  for (const column of requestLogColumns) {
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    await db.schema.alterTable('request_log').addColumn(column, 'text').execute();
  }
  await db.schema
    .createIndex('request_log_organization_created_at_idx')
    .on('request_log')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();
}

const requestLogColumns = ['organization_id', 'api_key_id', 'user_id', 'byok_hash'] as const;

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('request_log_organization_created_at_idx').execute();
  for (const column of requestLogColumns) await db.schema.alterTable('request_log').dropColumn(column).execute();
  for (const table of ['outbox_events', 'audit_log', 'provider_credentials', 'api_keys', 'users', 'organizations']) {
    await db.schema.dropTable(table).execute();
  }
}
