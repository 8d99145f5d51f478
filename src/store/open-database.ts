// Opens the Kysely instance for a database URL: SQLite through better-sqlite3 or PostgreSQL through a
// pg Pool. Connection problems fail here, at start-up, with a message naming the database.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import { resolveDatabaseTarget, type DatabaseTarget } from './database-target.js';
import type { DatabaseSchema, SqlDialect, StoreDatabase } from './database.js';
import { consoleStoreLogger, describeError, type StoreLogger } from './store-logger.js';

export type OpenDatabaseOptions = {
  /** `postgres://…`, `sqlite:<path>`, `file:<path>`, `sqlite::memory:`; absent: `<dataDir>/switchyard.db`. */
  url?: string;
  dataDir: string;
  logger?: StoreLogger;
  /** Sees every query Kysely runs (metrics, tests). Called synchronously after each query. */
  onQuery?: (event: LogEvent) => void;
};

export type DatabaseHandle = {
  readonly db: StoreDatabase;
  readonly dialect: SqlDialect;
  /** Names the database for messages; never contains a password. */
  readonly description: string;
  /** The raw better-sqlite3 connection on SQLite, for the few hot writes that bypass Kysely. */
  readonly sqlite?: SqliteDatabase.Database;
  /** The `onQuery` hook, for queries run outside Kysely. */
  readonly onQuery?: (event: LogEvent) => void;
  close(): Promise<void>;
};

/** How long a PostgreSQL connection attempt may take before it fails (pg's default is forever). */
const postgresConnectTimeoutMs = 10_000;
const postgresPoolSize = 10;
/** How long SQLite waits for another connection's write lock before failing with SQLITE_BUSY. */
const sqliteBusyTimeoutMs = 5_000;

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const target = resolveDatabaseTarget(options.url, options.dataDir);
  const logger = options.logger ?? consoleStoreLogger;
  // Each driver is loaded only for its own dialect.
  const opened = target.dialect === 'postgres' ? { dialect: await postgresDialect(target, logger) } : await sqliteDialect(target);
  const { dialect } = opened;
  const db = new Kysely<DatabaseSchema>({
    dialect,
    ...(options.onQuery === undefined ? {} : { log: options.onQuery }),
  });
  return {
    db,
    dialect: target.dialect,
    description: target.description,
    ...('sqlite' in opened ? { sqlite: opened.sqlite } : {}),
    ...(options.onQuery === undefined ? {} : { onQuery: options.onQuery }),
    close: () => db.destroy(),
  };
}

async function sqliteDialect(
  target: Extract<DatabaseTarget, { dialect: 'sqlite' }>,
): Promise<{ dialect: SqliteDialect; sqlite: SqliteDatabase.Database }> {
  const { default: Sqlite } = await import('better-sqlite3');
  let database: SqliteDatabase.Database | undefined;
  try {
    if (target.filename !== ':memory:') mkdirSync(dirname(target.filename), { recursive: true });
    database = new Sqlite(target.filename);
    database.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
    // WAL lets readers (the dashboard) run while the request log writes; NORMAL is durable in WAL
    // mode except for the last transactions before a power loss, which is fine for a log.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database?.close();
    throw new Error(
      `Cannot open ${target.description}: ${describeError(error)}. ` +
        'Check that the directory exists or can be created, and that the file is writable by this process.',
      { cause: error },
    );
  }
  return { dialect: new SqliteDialect({ database }), sqlite: database };
}


async function postgresDialect(
  target: Extract<DatabaseTarget, { dialect: 'postgres' }>,
  logger: StoreLogger,
): Promise<PostgresDialect> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: postgresPoolSize,
    connectionTimeoutMillis: postgresConnectTimeoutMs,
    application_name: 'switchyard',
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (error) => {
    logger.error({ database: target.description, error: describeError(error) }, 'PostgreSQL connection lost');
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `Cannot connect to ${target.description}: ${describeError(error)}. ` +
        'Check that PostgreSQL is running and reachable from here, that the database exists, ' +
        'and the user and password in database.url.',
      { cause: error },
    );
  }
  return new PostgresDialect({ pool });
}
