// The store's composition: open the database, migrate it, build the repositories, replay the request-log
// journal a stopped process left behind.
import { join } from 'node:path';
import { BalanceRepository } from './balance-repository.js';
import { RequestBodyRepository } from './request-body-repository.js';
import { AccessRepository, type AccessRepositoryOptions } from './access-repository.js';
import { resolveDatabaseTarget } from './database-target.js';
import { replayJournal } from './journal-replay.js';
import { journalDirectoryName, LedgerJournal, type LedgerJournalOptions } from './ledger-journal.js';
import { migrateToLatest } from './migrate.js';
import { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from './open-database.js';
import { RequestLogRepository, type RequestLogRepositoryOptions } from './request-log-repository.js';
import { RoutingGroupRepository } from './routing-group-repository.js';
import { PromptRunRepository } from './prompt-run-repository.js';
import { WebhookRepository } from './webhook-repository.js';
import { consoleStoreLogger, type StoreLogger } from './store-logger.js';
import type { Store } from './types.js';
import { writeTransaction } from './write-transaction.js';
import { UsageRepository } from './usage-repository.js';

export type JournalSettings = {
  /** Default true, except for an in-memory database (nothing of it outlives the process anyway). */
  enabled?: boolean;
  /** fdatasync every line (power-loss safe; one disk flush per request). */
  fsync?: boolean;
  /** Replay segments written under another host name too (see ledger-journal.ts). */
  replayOtherHosts?: boolean;
  segmentEntries?: number;
};

export type OpenStoreOptions = OpenDatabaseOptions & {
  /** Write-behind tuning of the request log; the defaults suit production. */
  requestLog?: Omit<RequestLogRepositoryOptions, 'db' | 'dialect' | 'logger' | 'sqlite' | 'onQuery' | 'journal'>;
  /** Tuning of the access store (how often a key's last use is written). */
  access?: Pick<AccessRepositoryOptions, 'touchIntervalMs'>;
  /** The request log's crash journal under `<dataDir>/ledger-journal`. */
  journal?: JournalSettings;
};

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const database = await openDatabase(options);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  const logger = options.logger ?? consoleStoreLogger;
  const settings = options.journal ?? {};
  const target = resolveDatabaseTarget(options.url, options.dataDir);
  const inMemory = target.dialect === 'sqlite' && target.filename === ':memory:';
  if (settings.enabled === false || (settings.enabled === undefined && inMemory)) return createStore(database, options);
  const journal = new LedgerJournal(journalOptions(options.dataDir, logger, settings));
  const requestLog = newRequestLog(database, logger, options.requestLog, journal);
  const store = assembleStore(database, logger, options.access, requestLog);
  try {
    await recover(journal.directory, logger, requestLog, settings);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Builds the repositories on an open, migrated database (no journal). The store owns `database` from here on. */
export function createStore(database: DatabaseHandle, options: Pick<OpenStoreOptions, 'logger' | 'requestLog' | 'access'> = {}): Store {
  const logger = options.logger ?? consoleStoreLogger;
  return assembleStore(database, logger, options.access, newRequestLog(database, logger, options.requestLog, undefined));
}

function newRequestLog(
  database: DatabaseHandle,
  logger: StoreLogger,
  tuning: OpenStoreOptions['requestLog'],
  journal: LedgerJournal | undefined,
): RequestLogRepository {
  return new RequestLogRepository({
    ...tuning,
    db: database.db,
    dialect: database.dialect,
    logger,
    ...(database.sqlite ? { sqlite: database.sqlite } : {}),
    ...(database.onQuery ? { onQuery: database.onQuery } : {}),
    ...(journal ? { journal } : {}),
  });
}

function assembleStore(
  database: DatabaseHandle,
  logger: StoreLogger,
  tuning: OpenStoreOptions['access'],
  requestLog: RequestLogRepository,
): Store {
  const access = new AccessRepository({
    ...tuning,
    db: database.db,
    dialect: database.dialect,
    logger,
    ...(database.sqlite ? { sqlite: database.sqlite } : {}),
  });
  const usage = new UsageRepository({ db: database.db });
  const balances = new BalanceRepository({
    db: database.db,
    dialect: database.dialect,
    write: writeTransaction(database.db, database.dialect, database.sqlite),
  });
  const bodies = new RequestBodyRepository({ db: database.db, logger });
  const routingGroups = new RoutingGroupRepository({
    db: database.db,
    dialect: database.dialect,
    write: writeTransaction(database.db, database.dialect, database.sqlite),
  });
  const promptRuns = new PromptRunRepository({ db: database.db, dialect: database.dialect, write: writeTransaction(database.db, database.dialect, database.sqlite) });
  const webhooks = new WebhookRepository({ db: database.db, dialect: database.dialect, write: writeTransaction(database.db, database.dialect, database.sqlite) });
  let closing: Promise<void> | undefined;
  return {
    dialect: database.dialect,
    requestLog,
    access,
    usage,
    balances,
    bodies,
    routingGroups,
    promptRuns,
    webhooks,
    close() {
      // Both write what they hold back (logging what they cannot) before the connection goes.
      closing ??= Promise.allSettled([access.close(), requestLog.close(), bodies.close()]).then(() => database.close());
      return closing;
    },
  };
}

function journalOptions(dataDir: string, logger: StoreLogger, settings: JournalSettings): LedgerJournalOptions {
  return {
    directory: join(dataDir, journalDirectoryName),
    logger,
    ...(settings.fsync === undefined ? {} : { fsync: settings.fsync }),
    ...(settings.segmentEntries === undefined ? {} : { segmentEntries: settings.segmentEntries }),
  };
}

/** Before serving: the rows a killed process journaled but had not written yet go in now. */
async function recover(directory: string, logger: StoreLogger, requestLog: RequestLogRepository, settings: JournalSettings): Promise<void> {
  const report = await replayJournal({
    directory,
    logger,
    insert: (entries) => requestLog.restore(entries),
    ...(settings.replayOtherHosts === undefined ? {} : { replayOtherHosts: settings.replayOtherHosts }),
  });
  if (report.segments === 0) return;
  logger.warn(
    { directory, segments: report.segments, entries: report.entries, recovered: report.recovered, skippedLines: report.skippedLines },
    `request log: replayed the journal of a process that stopped without closing the store; recovered ${report.recovered} rows`,
  );
}
