// Shared by the store suites: the databases they run on (SQLite file, SQLite in memory, PostgreSQL) and a store per test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEvent } from 'kysely';
import { openStore, type OpenStoreOptions } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { postgresTestDatabase } from '../helpers/postgres.js';

export type Location = { url: string; dataDir: string; cleanup(): Promise<void> };
export type Target = {
  name: string;
  /** A second open (another connection) sees the same data: false for :memory:. */
  durable: boolean;
  skip: string | false;
  fresh(): Promise<Location>;
};

async function temporaryDirectory(): Promise<{ dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-store-'));
  return { dataDir, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

const postgresCheck = await postgresTestDatabase();
if (!('skip' in postgresCheck)) await postgresCheck.drop();

export const targets: Target[] = [
  {
    name: 'SQLite file',
    durable: true,
    skip: false,
    async fresh() {
      const directory = await temporaryDirectory();
      return { url: `sqlite:${join(directory.dataDir, 'store.db')}`, ...directory };
    },
  },
  {
    name: 'SQLite in memory',
    durable: false,
    skip: false,
    async fresh() {
      return { url: 'sqlite::memory:', ...(await temporaryDirectory()) };
    },
  },
  {
    name: 'PostgreSQL',
    durable: true,
    skip: 'skip' in postgresCheck ? postgresCheck.skip : false,
    async fresh() {
      const database = await postgresTestDatabase();
      if ('skip' in database) throw new Error(database.skip);
      const directory = await temporaryDirectory();
      return {
        url: database.url,
        dataDir: directory.dataDir,
        cleanup: async () => {
          await database.drop();
          await directory.cleanup();
        },
      };
    },
  },
];

export type LogLine = { level: 'warn' | 'error'; obj: object; msg: string | undefined };

export function capturingLogger() {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (obj: object, msg?: string) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg?: string) => void lines.push({ level: 'error', obj, msg }),
  };
}

export type StoreContext = { location: Location; queries: LogEvent[]; logger: ReturnType<typeof capturingLogger> };

/** Opens a store on a fresh database of `target`, hands it to `use`, then closes and removes everything. */
export async function withStore(
  target: Target,
  use: (store: Store, context: StoreContext) => Promise<void>,
  options: Partial<OpenStoreOptions> = {},
): Promise<void> {
  const location = await target.fresh();
  const queries: LogEvent[] = [];
  const logger = capturingLogger();
  const store = await openStore({
    url: location.url,
    dataDir: location.dataDir,
    logger,
    onQuery: (event) => void queries.push(event),
    ...options,
  });
  try {
    await use(store, { location, queries, logger });
  } finally {
    await store.close();
    await location.cleanup();
  }
}
