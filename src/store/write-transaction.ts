// Write transactions on both dialects, and the mapping of unique violations to DuplicateError.
import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { SqlDialect, StoreDatabase } from './database.js';
import { DuplicateError } from './types.js';

/** Runs `work` in one transaction on the connection it is given; commits when it resolves. */
export type WriteTransaction = <T>(work: (db: StoreDatabase) => Promise<T>) => Promise<T>;

/**
 * PostgreSQL: Kysely's transaction. SQLite: BEGIN IMMEDIATE instead of Kysely's deferred BEGIN, because a
 * deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another connection
 * wrote in between (the busy timeout does not apply to that upgrade); IMMEDIATE takes the write lock
 * first and waits for it. Kysely's SQLite driver has one connection behind a mutex, so holding it keeps
 * this store's other queries (and the request log's batch writes) out of the transaction.
 */
export function writeTransaction(db: StoreDatabase, dialect: SqlDialect, sqlite?: SqliteDatabase.Database): WriteTransaction {
  if (dialect === 'postgres') return (work) => db.transaction().execute(work);
  const fileKey = sqlite === undefined || sqlite.memory ? undefined : sqlite.name;
  return (work) => {
    const run = () =>
      db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        let result;
        try {
          result = await work(connection);
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
        await sql`commit`.execute(connection);
        return result;
      });
    return fileKey === undefined ? run() : takeFileTurn(fileKey, run);
  };
}

/**
 * better-sqlite3 waits for another connection's write lock synchronously, blocking the event loop: a
 * second store of this process on the same file waiting there would stop the first from ever
 * committing. So the stores of one process take turns per file; other processes wait on SQLite's lock.
 */
const fileTurns = new Map<string, Promise<unknown>>();

export async function takeFileTurn<T>(file: string, task: () => Promise<T>): Promise<T> {
  const previous = fileTurns.get(file) ?? Promise.resolve();
  const turn = previous.catch(() => undefined).then(task);
  fileTurns.set(file, turn);
  try {
    return await turn;
  } finally {
    if (fileTurns.get(file) === turn) fileTurns.delete(file);
  }
}

/** Unique constraints and the field a client is told about; SQLite names the columns, pg the constraint. */
const uniqueConstraints = [
  { constraint: 'users_email_key', columns: 'users.email', field: 'email', message: 'A user with this email exists already.' },
  {
    constraint: 'provider_credentials_name_key',
    columns: 'provider_credentials.organization_id, provider_credentials.provider, provider_credentials.name',
    field: 'name',
    message: 'This organization already has a credential of that provider with that name.',
  },
  { constraint: 'api_keys_secret_hash_key', columns: 'api_keys.secret_hash', field: 'secretHash', message: 'An API key with this secret exists already.' },
  {
    constraint: 'organizations_single_operator_key',
    columns: 'organizations.is_operator',
    field: 'isOperator',
    message: 'The operator organization exists already.',
  },
] as const;

/**
 * The DuplicateError for a unique violation (primary keys included, as field `id`), else undefined.
 * Detected by code (SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, pg 23505); which constraint is in pg's
 * `constraint` field, while SQLite reports it only in the message ("UNIQUE constraint failed: t.c").
 */
export function duplicateErrorFor(error: unknown): DuplicateError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, constraint, message } = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new DuplicateError('id', 'A record with this id exists already.');
  if (code === '23505' && typeof constraint === 'string') {
    if (constraint.endsWith('_pkey')) return new DuplicateError('id', 'A record with this id exists already.');
    const known = uniqueConstraints.find((unique) => unique.constraint === constraint);
    return known && new DuplicateError(known.field, known.message);
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string') {
    const columns = message.slice(message.indexOf(':') + 1).trim();
    const known = uniqueConstraints.find((unique) => unique.columns === columns);
    return known && new DuplicateError(known.field, known.message);
  }
  return undefined;
}

/** Rethrows a unique violation as DuplicateError, anything else as it is. */
export async function mappingDuplicates<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw duplicateErrorFor(error) ?? error;
  }
}
