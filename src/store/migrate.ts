// Runs the schema migrations at start-up. Migrations are the modules in ./migrations/, named
// `NNNN_what_it_does.ts` and applied in name order; adding one is adding one file. Each exports
// `up` (and `down`) taking a `Kysely<unknown>`: a migration is frozen in time and must not depend
// on today's table types. Kysely's Migrator records applied names in `kysely_migration`.
import { readdir } from 'node:fs/promises';
import type SqliteDatabase from 'better-sqlite3';
import { Migrator, sql, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { SqlDialect, StoreDatabase } from './database.js';
import { describeError } from './store-logger.js';
import { takeFileTurn } from './write-transaction.js';

const migrationsFolder = new URL('./migrations/', import.meta.url);
/** `0001_request_log.ts` (run from source) or `.js` (compiled); declaration and map files are skipped. */
const migrationFile = /^(\d{4}_[a-z0-9_]+)\.(?:ts|js|mjs)$/;
/** Our advisory lock key on PostgreSQL ('SWYDMIGR' as an int8); Kysely's own lock is taken too late. */
const postgresMigrationLockKey = sql.raw('6005366778011141970');

export const folderMigrationProvider: MigrationProvider = {
  async getMigrations() {
    const migrations: Record<string, Migration> = {};
    for (const file of (await readdir(migrationsFolder)).sort()) {
      const name = migrationFile.exec(file)?.[1];
      if (name === undefined || name in migrations) continue;
      const module: Partial<Migration> = await import(new URL(file, migrationsFolder).href);
      if (typeof module.up !== 'function') throw new Error(`Migration ${file} does not export an up() function.`);
      migrations[name] = { up: module.up, ...(module.down === undefined ? {} : { down: module.down }) };
    }
    return migrations;
  },
};

export type MigrationTarget = {
  db: StoreDatabase;
  dialect: SqlDialect;
  description: string;
  /** On SQLite, the raw connection: its file keys the turns shared with write transactions. */
  sqlite?: SqliteDatabase.Database;
};

/** Applies pending migrations; returns the names applied now (empty when the schema was current). */
export async function migrateToLatest(target: MigrationTarget): Promise<string[]> {
  const { error, results = [] } = await withMigrationLock(target, (db) =>
    new Migrator({ db, provider: folderMigrationProvider }).migrateToLatest(),
  );
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const which = failed === undefined ? '' : ` in migration ${failed.migrationName}`;
    throw new Error(`Migrating ${target.description} failed${which}: ${describeError(error)}`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/**
 * Serialises gateways starting at once on the same database. Kysely creates its bookkeeping tables
 * before taking its lock (and takes none on SQLite), so two first starts can both try to create them.
 * PostgreSQL: a session advisory lock on one connection. SQLite: BEGIN IMMEDIATE, which also makes a
 * failed migration roll back whole (SQLite DDL is transactional; Kysely runs it without a transaction).
 */
async function withMigrationLock(
  target: MigrationTarget,
  run: (db: StoreDatabase) => Promise<MigrationResultSet>,
): Promise<MigrationResultSet> {
  if (target.dialect === 'postgres') {
    return target.db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${postgresMigrationLockKey})`.execute(connection);
      try {
        return await run(connection);
      } finally {
        await sql`select pg_advisory_unlock(${postgresMigrationLockKey})`.execute(connection);
      }
    });
  }
  // Stores of this process take turns per file, with the store's write transactions (see write-transaction.ts).
  return takeFileTurn(target.sqlite && !target.sqlite.memory ? target.sqlite.name : target.description, () => inSqliteWriteTransaction(target.db, run));
}

async function inSqliteWriteTransaction(
  db: StoreDatabase,
  run: (db: StoreDatabase) => Promise<MigrationResultSet>,
): Promise<MigrationResultSet> {
  // Kysely's SQLite driver has a single connection, so these statements and the migrator share it.
  await sql`begin immediate`.execute(db);
  let outcome: MigrationResultSet;
  try {
    outcome = await run(db);
  } catch (error) {
    await sql`rollback`.execute(db);
    throw error;
  }
  await sql.raw(outcome.error === undefined ? 'commit' : 'rollback').execute(db);
  return outcome;
}
