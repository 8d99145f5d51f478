// The store's composition: open the database, migrate it, build the repositories.
import { AccessRepository, type AccessRepositoryOptions } from './access-repository.js';
import { migrateToLatest } from './migrate.js';
import { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from './open-database.js';
import { RequestLogRepository, type RequestLogRepositoryOptions } from './request-log-repository.js';
import { consoleStoreLogger } from './store-logger.js';
import type { Store } from './types.js';

export type OpenStoreOptions = OpenDatabaseOptions & {
  /** Write-behind tuning of the request log; the defaults suit production. */
  requestLog?: Omit<RequestLogRepositoryOptions, 'db' | 'dialect' | 'logger' | 'sqlite' | 'onQuery'>;
  /** Tuning of the access store (how often a key's last use is written). */
  access?: Pick<AccessRepositoryOptions, 'touchIntervalMs'>;
};

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const database = await openDatabase(options);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return createStore(database, options);
}

/** Builds the repositories on an open, migrated database. The store owns `database` from here on. */
export function createStore(database: DatabaseHandle, options: Pick<OpenStoreOptions, 'logger' | 'requestLog' | 'access'> = {}): Store {
  const logger = options.logger ?? consoleStoreLogger;
  const requestLog = new RequestLogRepository({
    ...options.requestLog,
    db: database.db,
    dialect: database.dialect,
    logger,
    ...(database.sqlite ? { sqlite: database.sqlite } : {}),
    ...(database.onQuery ? { onQuery: database.onQuery } : {}),
  });
  const access = new AccessRepository({
    ...options.access,
    db: database.db,
    dialect: database.dialect,
    logger,
    ...(database.sqlite ? { sqlite: database.sqlite } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    dialect: database.dialect,
    requestLog,
    access,
    close() {
      // Both write what they hold back (logging what they cannot) before the connection goes.
      closing ??= Promise.allSettled([access.close(), requestLog.close()]).then(() => database.close());
      return closing;
    },
  };
}
