import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { resolveDatabaseTarget } from '../../src/store/database-target.js';
import { openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import { postgresServerUrl, postgresTestDatabase } from '../helpers/postgres.js';

let dataDir = '';
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'switchyard-open-store-'));
});
after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('resolveDatabaseTarget', () => {
  test('chooses PostgreSQL for postgres:// and postgresql:// and describes it without the password', () => {
    for (const url of ['postgres://gateway:hunter2@db.internal:6543/switchyard', 'postgresql://gateway:hunter2@db.internal:6543/switchyard']) {
      const target = resolveDatabaseTarget(url, '/data');
      assert.equal(target.dialect, 'postgres');
      assert.equal(target.description, 'PostgreSQL database "switchyard" at gateway@db.internal:6543');
      assert.doesNotMatch(target.description, /hunter2/);
    }
  });

  test('chooses in-memory SQLite for sqlite::memory: and :memory:', () => {
    for (const url of ['sqlite::memory:', ':memory:']) {
      assert.deepEqual(resolveDatabaseTarget(url, '/data'), {
        dialect: 'sqlite',
        filename: ':memory:',
        description: 'SQLite in memory',
      });
    }
  });

  test('reads a SQLite file path from sqlite:, sqlite:///, file: and file:// URLs', () => {
    const cases: [string, string][] = [
      ['sqlite:/var/lib/switchyard/log.db', '/var/lib/switchyard/log.db'],
      ['sqlite:///var/lib/switchyard/log.db', '/var/lib/switchyard/log.db'],
      ['sqlite:relative/log.db', resolve('relative/log.db')],
      ['file:/srv/gateway.db', '/srv/gateway.db'],
      [pathToFileURL('/srv/with space.db').href, '/srv/with space.db'],
    ];
    for (const [url, filename] of cases) {
      const target = resolveDatabaseTarget(url, '/data');
      assert.equal(target.dialect, 'sqlite', url);
      assert.equal(target.dialect === 'sqlite' && target.filename, filename, url);
    }
  });

  test('defaults to <dataDir>/switchyard.db', () => {
    const target = resolveDatabaseTarget(undefined, '/data/dir');
    assert.equal(target.dialect === 'sqlite' && target.filename, '/data/dir/switchyard.db');
  });

  test('rejects other schemes with the accepted forms, password redacted', () => {
    assert.throws(
      () => resolveDatabaseTarget('mysql://root:hunter2@localhost/db', '/data'),
      (error: Error) => /Unsupported database\.url/.test(error.message) && /postgres:\/\//.test(error.message) && !/hunter2/.test(error.message),
    );
  });
});

describe('openStore on SQLite', () => {
  test('creates <dataDir>/switchyard.db, directories included, in WAL mode with synchronous NORMAL', async () => {
    const nested = join(dataDir, 'nested', 'data');
    const store = await openStore({ dataDir: nested });
    assert.deepEqual(await store.access.listOrganizations(), []);
    await store.close();
    assert.ok(existsSync(join(nested, 'switchyard.db')));

    const database = await openDatabase({ dataDir: nested });
    try {
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
      assert.equal(journal.rows[0]?.journal_mode, 'wal');
      const synchronous = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
      assert.equal(synchronous.rows[0]?.synchronous, 1, 'NORMAL');
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(database.db);
      assert.ok((busy.rows[0]?.timeout ?? 0) > 0);
    } finally {
      await database.close();
    }
  });

  test('opens the file a sqlite: or file: URL names', async () => {
    for (const url of [`sqlite:${join(dataDir, 'a', 'one.db')}`, `file:${join(dataDir, 'b', 'two.db')}`]) {
      const store = await openStore({ url, dataDir: join(dataDir, 'unused') });
      assert.equal(store.dialect, 'sqlite');
      await store.close();
    }
    assert.ok(existsSync(join(dataDir, 'a', 'one.db')));
    assert.ok(existsSync(join(dataDir, 'b', 'two.db')));
    assert.ok(!existsSync(join(dataDir, 'unused')));
  });

  test('names the file and what to check when it cannot be opened', async () => {
    const notADirectory = join(dataDir, 'plain-file');
    await writeFile(notADirectory, 'not a directory');
    await assert.rejects(
      openStore({ dataDir: notADirectory }),
      (error: Error) =>
        error.message.includes(join(notADirectory, 'switchyard.db')) && /Check that the directory/.test(error.message),
    );
  });
});

describe('openStore on PostgreSQL', () => {
  test('names the database, not the password, and what to check when the server is unreachable', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    await assert.rejects(openStore({ url: 'postgres://gateway:hunter2@127.0.0.1:1/switchyard', dataDir }), (error: Error) => {
      assert.match(error.message, /Cannot connect to PostgreSQL database "switchyard" at gateway@127\.0\.0\.1:1/);
      assert.match(error.message, /ECONNREFUSED/);
      assert.match(error.message, /Check that PostgreSQL is running/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  });

  test('names a database that does not exist', async (t) => {
    const database = await postgresTestDatabase(t);
    if ('skip' in database) return;
    await database.drop();
    await assert.rejects(openStore({ url: database.url, dataDir }), (error: Error) => {
      assert.match(error.message, /Cannot connect to PostgreSQL database "switchyard_test_/);
      assert.match(error.message, /does not exist/);
      return true;
    });
  });

  test('reports the dialect and works on a fresh database', async (t) => {
    const database = await postgresTestDatabase(t);
    if ('skip' in database) return;
    assert.notEqual(database.url, postgresServerUrl());
    const store = await openStore({ url: database.url, dataDir });
    try {
      assert.equal(store.dialect, 'postgres');
      assert.deepEqual(await store.requestLog.list(), []);
      assert.deepEqual(await store.access.listOrganizations(), []);
    } finally {
      await store.close();
    }
  });
});
