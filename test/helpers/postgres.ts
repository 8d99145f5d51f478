// A fresh PostgreSQL database per test (or per file), dropped afterwards.
// Server: SWITCHYARD_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres.
// Unreachable server: the test fails when CI=true (PostgreSQL is mandatory there), else it is skipped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type PostgresTestDatabase = {
  /** Connection URL of the new database. */
  url: string;
  /** Drops the database (idempotent). */
  drop(): Promise<void>;
};

export type PostgresSkip = { skip: string };

/** The parts of node:test's TestContext used here, so a `describe` or a `test` context both fit. */
export type TestContextLike = {
  skip?(message?: string): void;
  after?(fn: () => Promise<void>): void;
};

export const postgresServerUrl = (): string =>
  process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates `switchyard_test_<random>` on the server. With `t`, skips `t` when the server is unreachable
 * and drops the database after `t`; without it, call `drop()` yourself.
 */
export async function postgresTestDatabase(t?: TestContextLike): Promise<PostgresTestDatabase | PostgresSkip> {
  const serverUrl = postgresServerUrl();
  const name = `switchyard_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  try {
    await withAdminClient(serverUrl, (client) => client.query(`create database "${name}"`));
  } catch (error) {
    const reason = `PostgreSQL not reachable at ${redact(serverUrl)}: ${errorText(error)}`;
    if (process.env.CI === 'true') {
      throw new Error(`${reason}. PostgreSQL is mandatory in CI: start it or set SWITCHYARD_TEST_DATABASE_URL.`, {
        cause: error,
      });
    }
    t?.skip?.(reason);
    return { skip: reason };
  }
  let dropped: Promise<void> | undefined;
  const database: PostgresTestDatabase = {
    url: withDatabaseName(serverUrl, name),
    drop() {
      // WITH (FORCE) ends connections a failed test left open (PostgreSQL 13+).
      dropped ??= withAdminClient(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
      return dropped;
    },
  };
  t?.after?.(() => database.drop());
  return database;
}

async function withAdminClient(url: string, use: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A connection lost mid-test would otherwise be an uncaught 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))).join('; ');
  }
  return error instanceof Error ? error.message || String((error as { code?: unknown }).code) : String(error);
}
