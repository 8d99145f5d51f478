// The request log conformance suite, run on SQLite (file and in-memory) and on PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Migrator, sql, type LogEvent } from 'kysely';
import type { StoreDatabase } from '../../src/store/database.js';
import { folderMigrationProvider, migrateToLatest } from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open-database.js';
import { createStore, openStore, type OpenStoreOptions } from '../../src/store/open-store.js';
import { DuplicateError, type RequestLogEntry, type Store } from '../../src/store/types.js';
import { capturingLogger, targets, withStore as withFreshStore, type StoreContext } from './store-fixtures.js';
import { ledgerEntry } from './ledger-entries.js';


let clock = Date.UTC(2025, 0, 1, 12, 0, 0, 123);

function entry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  clock += 1;
  return ledgerEntry({ createdAt: new Date(clock), ...overrides });
}

/** Parameters each entry binds in an INSERT. */
const columnsPerRow = 28;

const insertsInto = (events: LogEvent[]) =>
  events.filter((event) => event.level === 'query' && /^insert into "request_log"/.test(event.query.sql));

for (const target of targets) {
  describe(`request log on ${target.name}`, { skip: target.skip }, () => {
    const withStore = (use: (store: Store, context: StoreContext) => Promise<void>, options: Partial<OpenStoreOptions> = {}) =>
      withFreshStore(target, use, options);

    test('migrations are idempotent', async () => {
      const location = await target.fresh();
      try {
        const database = await openDatabase({ url: location.url, dataDir: location.dataDir });
        try {
          assert.deepEqual(await migrateToLatest(database), ['0001_request_log', '0002_access', '0003_metering', '0004_attempts', '0005_routing_groups', '0006_prompt_runs', '0007_prompt_jobs', '0008_webhooks']);
          assert.deepEqual(await migrateToLatest(database), []);
        } finally {
          await database.close();
        }
        if (!target.durable) return;
        const first = await openStore({ url: location.url, dataDir: location.dataDir });
        const kept = entry();
        first.requestLog.record(kept);
        await first.close();
        const second = await openStore({ url: location.url, dataDir: location.dataDir });
        try {
          assert.deepEqual(await second.requestLog.list(), [kept]);
        } finally {
          await second.close();
        }
      } finally {
        await location.cleanup();
      }
    });

    test('stores opening a new database at once apply each migration exactly once', { skip: target.durable ? false : 'an in-memory database is private to one connection' }, async () => {
      const location = await target.fresh();
      const databases = await Promise.all(
        Array.from({ length: 4 }, () => openDatabase({ url: location.url, dataDir: location.dataDir })),
      );
      try {
        const applied = await Promise.all(databases.map((database) => migrateToLatest(database)));
        assert.deepEqual(applied.flat(), ['0001_request_log', '0002_access', '0003_metering', '0004_attempts', '0005_routing_groups', '0006_prompt_runs', '0007_prompt_jobs', '0008_webhooks']);
      } finally {
        await Promise.all(databases.map((database) => database.close()));
        await location.cleanup();
      }
    });

    test('the attempts of one request: linked by request id, numbered, each with its deployment, read in order', async () => {
      await withStore(async (store) => {
        const requestId = randomUUID();
        const rows = [1, 2, 3].map((attempt) =>
          entry({ id: attempt === 1 ? requestId : `${requestId}.${attempt}`, requestId, attempt, deployment: `deployment-${attempt}`, status: attempt === 3 ? 200 : 502 }),
        );
        const other = entry();
        // Written out of order and across batches: the order comes from the attempt numbers.
        store.requestLog.record(rows[2]!);
        store.requestLog.record(other);
        await store.requestLog.flush();
        store.requestLog.record(rows[0]!);
        store.requestLog.record(rows[1]!);
        await store.requestLog.flush();
        for (const row of rows) assert.deepEqual(await store.requestLog.get(row.id), row);
        assert.deepEqual(await store.requestLog.attemptsOf(requestId), rows);
        assert.deepEqual(await store.requestLog.attemptsOf(other.id), [other]);
        assert.deepEqual(await store.requestLog.attemptsOf(randomUUID()), []);
        // Every attempt is a row of the ledger.
        assert.equal((await store.requestLog.list()).length, 4);
      });
    });

    test('a row recorded without the attempt fields is the first attempt of its own request', async () => {
      await withStore(async (store) => {
        const { requestId: _requestId, attempt: _attempt, deployment: _deployment, ...bare } = entry();
        store.requestLog.record(bare);
        await store.requestLog.flush();
        const first = { ...bare, requestId: bare.id, attempt: 1, deployment: null };
        assert.deepEqual(await store.requestLog.get(bare.id), first);
        assert.deepEqual(await store.requestLog.attemptsOf(bare.id), [first]);
      });
    });

    test('migration 0004 gives existing rows their id as request id, attempt 1 and no deployment; request_id is NOT NULL', async () => {
      const location = await target.fresh();
      const database = await openDatabase({ url: location.url, dataDir: location.dataDir });
      try {
        await new Migrator({ db: database.db, provider: folderMigrationProvider }).migrateTo('0003_metering');
        await insertBareRow(database.db, 'before-attempts', target.name === 'PostgreSQL');
        assert.deepEqual(await migrateToLatest(database), ['0004_attempts', '0005_routing_groups', '0006_prompt_runs', '0007_prompt_jobs', '0008_webhooks']);
        const row = await database.db
          .selectFrom('request_log')
          .select(['request_id', 'attempt', 'deployment'])
          .where('id', '=', 'before-attempts')
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, { request_id: 'before-attempts', attempt: 1, deployment: null });
        await assert.rejects(
          sql`update request_log set request_id = null where id = 'before-attempts'`.execute(database.db),
          /not[- ]null/i,
        );
      } finally {
        await database.close();
        await location.cleanup();
      }
    });

    test('a row written by a gateway that predates attempts (no attempt columns) reads as its own first attempt', { skip: target.durable ? false : 'an in-memory database is private to one connection' }, async () => {
      const location = await target.fresh();
      const database = await openDatabase({ url: location.url, dataDir: location.dataDir });
      try {
        await migrateToLatest(database);
        await insertBareRow(database.db, 'from-an-older-gateway', target.name === 'PostgreSQL');
        const store = await openStore({ url: location.url, dataDir: location.dataDir });
        try {
          const read = await store.requestLog.get('from-an-older-gateway');
          assert.deepEqual([read?.requestId, read?.attempt, read?.deployment], ['from-an-older-gateway', 1, null]);
        } finally {
          await store.close();
        }
      } finally {
        await database.close();
        await location.cleanup();
      }
    });

    test('round-trips every field exactly', async () => {
      await withStore(async (store) => {
        assert.equal(store.dialect, target.name === 'PostgreSQL' ? 'postgres' : 'sqlite');
        const full = entry({
          endpoint: 'embeddings',
          model: 'claude-sonnet',
          provider: 'anthropic',
          upstreamModel: 'claude-sonnet-4-20250514',
          stream: true,
          status: 504,
          errorCode: 'upstream_timeout',
          promptTokens: 2_000_000_000,
          completionTokens: 7,
          cachedTokens: 1_024,
          cacheWriteTokens: 2_048,
          reasoningTokens: 512,
          costMicroUsd: 9_000_000_000_000,
          latencyMs: 86_400_000,
          ttftMs: 0,
          organizationId: randomUUID(),
          apiKeyId: randomUUID(),
          userId: randomUUID(),
          byokHash: 'hmac-sha256:5f0d6c1e8a',
        });
        const sparse = entry({ stream: false, status: 499, errorCode: null, ttftMs: null, costMicroUsd: 0, byokHash: 'only-byok' });
        // Two batches of the same size: the second reuses the compiled INSERT with new parameters.
        const again = [entry({ model: 'gemini-2.5-flash', costMicroUsd: Number.MAX_SAFE_INTEGER }), entry({ endpoint: 'completions' })];
        store.requestLog.record(full);
        store.requestLog.record(sparse);
        await store.requestLog.flush();
        for (const next of again) store.requestLog.record(next);
        await store.requestLog.flush();

        for (const expected of [full, sparse, ...again]) {
          assert.deepEqual(await store.requestLog.get(expected.id), expected);
        }
        assert.equal(await store.requestLog.get(randomUUID()), undefined);
        assert.deepEqual(await store.requestLog.list(), [...again].reverse().concat([sparse, full]));
      });
    });

    test('lists newest first, filters by model, pages with limit and offset', async () => {
      await withStore(async (store) => {
        const entries = Array.from({ length: 10 }, (_, index) => entry({ model: index % 2 === 0 ? 'alpha' : 'beta' }));
        // Recorded out of order: the order comes from createdAt, not from insertion.
        for (const index of [3, 9, 0, 5, 1, 8, 2, 7, 4, 6]) store.requestLog.record(entries[index]!);
        await store.requestLog.flush();
        const newestFirst = [...entries].reverse();
        const ids = (list: RequestLogEntry[]) => list.map((item) => item.id);

        assert.deepEqual(ids(await store.requestLog.list()), ids(newestFirst));
        assert.deepEqual(ids(await store.requestLog.list({ limit: 3 })), ids(newestFirst.slice(0, 3)));
        assert.deepEqual(ids(await store.requestLog.list({ limit: 3, offset: 3 })), ids(newestFirst.slice(3, 6)));
        assert.deepEqual(ids(await store.requestLog.list({ offset: 8 })), ids(newestFirst.slice(8)));
        const alpha = newestFirst.filter((item) => item.model === 'alpha');
        assert.deepEqual(ids(await store.requestLog.list({ model: 'alpha' })), ids(alpha));
        assert.deepEqual(ids(await store.requestLog.list({ model: 'alpha', limit: 2, offset: 1 })), ids(alpha.slice(1, 3)));
        assert.deepEqual(await store.requestLog.list({ model: 'gamma' }), []);
      });
    });

    test('orders entries of the same millisecond by id, descending', async () => {
      await withStore(async (store) => {
        const createdAt = new Date(Date.UTC(2025, 5, 1));
        const same = ['b', 'c', 'a'].map((prefix) => entry({ id: `${prefix}-${randomUUID()}`, createdAt }));
        for (const item of same) store.requestLog.record(item);
        await store.requestLog.flush();
        const listed = (await store.requestLog.list()).map((item) => item.id[0]);
        assert.deepEqual(listed, ['c', 'b', 'a']);
      });
    });

    test('limit defaults to 50 and is capped at 1000', async () => {
      await withStore(async (store) => {
        for (let index = 0; index < 1005; index += 1) store.requestLog.record(entry());
        await store.requestLog.flush();
        assert.equal((await store.requestLog.list()).length, 50);
        assert.equal((await store.requestLog.list({ limit: 5000 })).length, 1000);
        assert.equal((await store.requestLog.list({ limit: 1000, offset: 1000 })).length, 5);
        assert.deepEqual(await store.requestLog.list({ limit: 0 }), []);
      });
    });

    test('writes many records in few multi-row INSERT statements', async () => {
      await withStore(async (store, { queries }) => {
        for (let index = 0; index < 1000; index += 1) store.requestLog.record(entry());
        await store.requestLog.flush();
        const inserts = insertsInto(queries);
        assert.equal(inserts.length, 5);
        for (const insert of inserts) assert.equal(insert.query.parameters.length, 200 * columnsPerRow);
        assert.equal((await store.requestLog.list({ limit: 1000 })).length, 1000);
      });
    });

    test('writes queued records on its own, in one batch, without flush()', async () => {
      await withStore(async (store, { queries }) => {
        const recorded = [entry(), entry(), entry()];
        for (const item of recorded) store.requestLog.record(item);
        assert.equal(insertsInto(queries).length, 0, 'record() only queues');
        const deadline = Date.now() + 10_000;
        while (insertsInto(queries).length === 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const inserts = insertsInto(queries);
        assert.equal(inserts.length, 1);
        assert.equal(inserts[0]!.query.parameters.length, 3 * columnsPerRow);
        assert.equal((await store.requestLog.list()).length, 3);
      });
    });

    test('close() writes what is still queued', async () => {
      const location = await target.fresh();
      try {
        const queries: LogEvent[] = [];
        const store = await openStore({ url: location.url, dataDir: location.dataDir, onQuery: (event) => void queries.push(event) });
        const recorded = Array.from({ length: 20 }, () => entry());
        for (const item of recorded) store.requestLog.record(item);
        await store.close();
        assert.equal(insertsInto(queries).reduce((rows, insert) => rows + insert.query.parameters.length / columnsPerRow, 0), 20);
        if (!target.durable) return;
        const reopened = await openStore({ url: location.url, dataDir: location.dataDir });
        try {
          assert.deepEqual(await reopened.requestLog.list(), [...recorded].reverse());
        } finally {
          await reopened.close();
        }
      } finally {
        await location.cleanup();
      }
    });

    test('recordBatched() rows are written like record() ones, and close() writes a batch of this very turn', async () => {
      const location = await target.fresh();
      try {
        const store = await openStore({ url: location.url, dataDir: location.dataDir });
        const first = entry();
        await store.requestLog.recordBatched(first);
        await store.requestLog.flush();
        assert.deepEqual(await store.requestLog.get(first.id), first);
        const late = [entry(), entry()];
        for (const item of late) void store.requestLog.recordBatched(item);
        await store.close();
        if (!target.durable) return;
        const reopened = await openStore({ url: location.url, dataDir: location.dataDir });
        try {
          assert.deepEqual(await reopened.requestLog.list(), [...late].reverse().concat(first));
        } finally {
          await reopened.close();
        }
      } finally {
        await location.cleanup();
      }
    });

    test('record() never throws after close()', async () => {
      const logger = capturingLogger();
      const location = await target.fresh();
      try {
        const store = await openStore({ url: location.url, dataDir: location.dataDir, logger });
        await store.close();
        assert.doesNotThrow(() => store.requestLog.record(entry()));
        assert.doesNotThrow(() => store.requestLog.record(entry()));
        assert.equal(logger.lines.filter((line) => line.level === 'error').length, 1, 'logged once, not per entry');
        await store.requestLog.flush();
        await store.close();
      } finally {
        await location.cleanup();
      }
    });

    /** A store whose table can be moved away and back, to break and heal writes. */
    async function withBreakableStore(
      use: (store: Store, table: { hide(): Promise<void>; restore(): Promise<void> }, logger: ReturnType<typeof capturingLogger>) => Promise<void>,
      requestLog: OpenStoreOptions['requestLog'] = {},
    ): Promise<void> {
      const location = await target.fresh();
      const logger = capturingLogger();
      const database = await openDatabase({ url: location.url, dataDir: location.dataDir, logger });
      await migrateToLatest(database);
      const store = createStore(database, { logger, requestLog: { maxRetryDelayMs: 50, ...requestLog } });
      const table = {
        hide: () => database.db.schema.alterTable('request_log').renameTo('request_log_away').execute(),
        restore: () => database.db.schema.alterTable('request_log_away').renameTo('request_log').execute(),
      };
      try {
        await use(store, table, logger);
      } finally {
        await store.close();
        await location.cleanup();
      }
    }

    test('record() never throws while writes fail; entries are kept and written once the table is back', async () => {
      await withBreakableStore(async (store, table, logger) => {
        await table.hide();
        const recorded = Array.from({ length: 5 }, () => entry({ model: 'private-model-name' }));
        for (const item of recorded) assert.doesNotThrow(() => store.requestLog.record(item));
        await assert.rejects(store.requestLog.flush(), /request log: 5 entries are not written yet/);
        assert.ok(logger.lines.some((line) => line.level === 'error' && /writing a batch failed/.test(line.msg ?? '')));
        const logged = JSON.stringify(logger.lines);
        assert.doesNotMatch(logged, /private-model-name/, 'log lines carry no entry contents');

        await table.restore();
        await store.requestLog.flush();
        assert.deepEqual(await store.requestLog.list(), [...recorded].reverse());
        assert.ok(logger.lines.some((line) => line.level === 'warn' && /writing again/.test(line.msg ?? '')));
      });
    });

    test('drops the oldest entries past maxPending and says so', async () => {
      await withBreakableStore(
        async (store, table, logger) => {
          await table.hide();
          const recorded = Array.from({ length: 15 }, () => entry());
          for (const item of recorded) store.requestLog.record(item);
          await assert.rejects(store.requestLog.flush());
          assert.ok(logger.lines.some((line) => line.level === 'error' && /dropping the oldest/.test(line.msg ?? '')));
          await table.restore();
          await store.requestLog.flush();
          const listed = await store.requestLog.list();
          assert.deepEqual(
            listed.map((item) => item.id),
            recorded.slice(5).reverse().map((item) => item.id),
          );
          assert.ok(logger.lines.some((line) => line.level === 'warn' && (line.obj as { dropped?: number }).dropped === 5));
        },
        { maxPending: 10 },
      );
    });

    test('a batch written while an access write is rolled back is kept', async () => {
      let duringTransaction: (() => void) | undefined;
      await withStore(
        async (store) => {
          const organization = { id: randomUUID(), name: 'Acme', isOperator: false, createdAt: new Date(clock) };
          await store.access.createOrganization(organization);
          const admin = { id: randomUUID(), organizationId: organization.id, email: 'ada@example.com', passwordHash: 'x', role: 'admin' as const, createdAt: new Date(clock), disabledAt: null };
          await store.access.createUser(admin);
          const kept = entry({ organizationId: organization.id, userId: admin.id });
          let flushed: Promise<void> | undefined;
          // Records and flushes the moment the next transaction has begun, before it fails and rolls back.
          duringTransaction = () => {
            duringTransaction = undefined;
            store.requestLog.record(kept);
            flushed = store.requestLog.flush();
          };
          await assert.rejects(store.access.createUser({ ...admin, id: randomUUID() }), DuplicateError);
          assert.ok(flushed !== undefined, 'the request log was written during the transaction');
          await flushed;
          assert.deepEqual(await store.requestLog.get(kept.id), kept);
        },
        { onQuery: (event) => void (/^begin/i.test(event.query.sql) ? duringTransaction?.() : undefined) },
      );
    });

    test('an id written twice neither fails nor blocks the queue', async () => {
      await withStore(async (store, { logger }) => {
        const first = entry();
        store.requestLog.record(first);
        await store.requestLog.flush();
        const later = entry();
        store.requestLog.record({ ...first, model: 'other' });
        store.requestLog.record(later);
        await store.requestLog.flush();
        assert.deepEqual(await store.requestLog.list(), [later, first]);
        assert.deepEqual(logger.lines, []);
      });
    });

    test('concurrent writers all land', async () => {
      const location = await target.fresh();
      const writers = 4;
      const perWriter = 250;
      // Separate stores (connections) where the database is shared; one store for :memory:.
      const stores = await Promise.all(
        Array.from({ length: target.durable ? writers : 1 }, () => openStore({ url: location.url, dataDir: location.dataDir })),
      );
      try {
        const recorded: RequestLogEntry[] = [];
        await Promise.all(
          Array.from({ length: writers }, async (_, writer) => {
            const store = stores[writer % stores.length]!;
            for (let index = 0; index < perWriter; index += 1) {
              const item = entry({ model: `writer-${writer}` });
              recorded.push(item);
              store.requestLog.record(item);
              if (index % 60 === 0) await store.requestLog.flush();
              else if (index % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
            }
            await store.requestLog.flush();
          }),
        );
        const listed = await stores[0]!.requestLog.list({ limit: 1000 });
        assert.equal(listed.length, writers * perWriter);
        assert.deepEqual(new Set(listed.map((item) => item.id)), new Set(recorded.map((item) => item.id)));
        for (let writer = 0; writer < writers; writer += 1) {
          assert.equal((await stores[0]!.requestLog.list({ model: `writer-${writer}`, limit: 1000 })).length, perWriter);
        }
      } finally {
        await Promise.all(stores.map((store) => store.close()));
        await location.cleanup();
      }
    });
  });
}

/** A ledger row with only the columns of migration 0001, as the gateway of that time wrote it. */
async function insertBareRow(db: StoreDatabase, id: string, postgres: boolean): Promise<void> {
  await db
    .insertInto('request_log')
    .values({
      id,
      created_at: 1,
      endpoint: 'chat',
      model: 'm',
      provider: 'p',
      upstream_model: 'u',
      stream: postgres ? false : 0,
      status: 200,
      error_code: null,
      prompt_tokens: 1,
      completion_tokens: 1,
      cached_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      cost_micro_usd: 0,
      latency_ms: 1,
      ttft_ms: null,
    })
    .execute();
}
