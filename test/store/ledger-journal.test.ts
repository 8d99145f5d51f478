// The request log's crash journal: appends, segments, replay of a killed process's lines, and the store
// opening after a SIGKILL with every journaled row in the database (SQLite file and PostgreSQL).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { parseLine, replayJournal } from '../../src/store/journal-replay.js';
import { LedgerJournal, wholeLines, type JournalSegment } from '../../src/store/ledger-journal.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import type { RequestLogEntry } from '../../src/store/types.js';
import { capturingLogger, targets } from './store-fixtures.js';
import { ledgerEntry } from './ledger-entries.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'switchyard-journal-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let clock = Date.UTC(2025, 0, 1, 12, 0, 0, 123);

/** Every field away from its default, with values that test the journal's encoding (large int8, quotes, newlines). */
function entry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  clock += 1;
  return ledgerEntry({
    createdAt: new Date(clock),
    stream: true,
    cachedTokens: 1,
    cacheWriteTokens: 2,
    reasoningTokens: 3,
    costMicroUsd: 9_000_000_000_000,
    ttftMs: null,
    organizationId: randomUUID(),
    byokHash: 'hmac:"quoted"\n',
    cacheStatus: 'MISS',
    usageEstimated: true,
    ...overrides,
  });
}

function freshDirectory(): string {
  const directory = join(scratch, randomUUID());
  mkdirSync(directory);
  return directory;
}

const segments = (directory: string) => (existsSync(directory) ? readdirSync(directory).filter((name) => name.endsWith('.ndjson')).sort() : []);
const linesOf = (path: string) => readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');

/** A database that keeps entries by id, as INSERT … ON CONFLICT (id) DO NOTHING does. */
function fakeDatabase(existing: RequestLogEntry[] = []) {
  const rows = new Map(existing.map((item) => [item.id, item]));
  return {
    rows,
    insert: async (entries: RequestLogEntry[]) => {
      let inserted = 0;
      for (const item of entries) {
        if (rows.has(item.id)) continue;
        rows.set(item.id, item);
        inserted += 1;
      }
      return inserted;
    },
  };
}

type Writer = { child: ChildProcess; entries: RequestLogEntry[]; exited: Promise<void> };

/** Starts journal-writer-process.ts and resolves once it has journaled its entries. */
async function startWriter(mode: 'journal' | 'store', dataDir: string, count: number, url = ''): Promise<Writer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/journal-writer-process.ts', mode, url, dataDir, String(count)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.endsWith('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before it was ready: ${errors}`)));
  });
  const entries = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => parseLine(line)!);
  return { child, entries, exited };
}

async function kill(writer: Writer): Promise<void> {
  writer.child.kill('SIGKILL');
  // Reaped: a zombie would still answer kill(pid, 0).
  await writer.exited;
}

/** A pid no process has any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

const thisHost = hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'host';

describe('LedgerJournal', () => {
  test('appends one line per entry before append() returns; dates and every field round-trip', () => {
    const directory = freshDirectory();
    const journal = new LedgerJournal({ directory, logger: capturingLogger() });
    const recorded = [entry(), entry({ ttftMs: 0, errorCode: 'upstream_error', status: 502 }), entry({ endpoint: 'embeddings', cacheStatus: 'HIT' })];
    const held = recorded.map((item) => journal.append(item));
    const [file] = segments(directory);
    assert.ok(file, 'a segment file exists');
    assert.deepEqual(linesOf(join(directory, file)).map((line) => parseLine(line)), recorded);
    assert.ok(held.every((segment) => segment !== undefined && segment === held[0]));
    assert.equal(typeof JSON.parse(linesOf(join(directory, file))[0]!).createdAt, 'number', 'createdAt is epoch ms');
    journal.close();
  });

  test('empties the active segment when the database has every line, seals one per segmentEntries and deletes it once written', () => {
    const directory = freshDirectory();
    const journal = new LedgerJournal({ directory, logger: capturingLogger(), segmentEntries: 3 });
    const held = Array.from({ length: 7 }, () => journal.append(entry())!);
    assert.equal(segments(directory).length, 3, 'two sealed segments of 3 lines and an active one');
    const [first, second, third] = segments(directory);
    assert.deepEqual([first, second, third].map((name) => linesOf(join(directory, name!)).length), [3, 3, 1]);

    for (const segment of held.slice(0, 3)) journal.settle(segment);
    assert.deepEqual(segments(directory), [second, third], 'a written sealed segment is deleted');
    for (const segment of held.slice(3)) journal.settle(segment);
    assert.deepEqual(segments(directory), [third]);
    assert.equal(readFileSync(join(directory, third!), 'utf8'), '', 'the active segment is emptied, not replaced');

    journal.append(entry());
    assert.equal(linesOf(join(directory, third!)).length, 1, 'appends go on in the emptied file');
    journal.close();
    assert.deepEqual(segments(directory), [third], 'an unwritten line is kept at close');
  });

  test('close() deletes what the database has; lines appended after close() are kept for the next start', () => {
    const directory = freshDirectory();
    const logger = capturingLogger();
    const journal = new LedgerJournal({ directory, logger });
    journal.settle(journal.append(entry())!);
    journal.close();
    assert.deepEqual(segments(directory), []);
    const late = entry();
    assert.equal(journal.append(late), undefined);
    const [kept] = segments(directory);
    assert.deepEqual(linesOf(join(directory, kept!)).map((line) => parseLine(line)), [late]);
  });

  test('an entry dropped unwritten keeps its segment on disk', () => {
    const directory = freshDirectory();
    const logger = capturingLogger();
    const journal = new LedgerJournal({ directory, logger });
    const dropped = journal.append(entry())!;
    const written = journal.append(entry())!;
    journal.retain(dropped);
    journal.settle(written);
    journal.close();
    const [kept] = segments(directory);
    assert.equal(linesOf(join(directory, kept!)).length, 2);
    assert.ok(logger.lines.some((line) => line.level === 'warn' && /dropped/.test(line.msg ?? '')));
  });

  test('with fsync every line is still appended', () => {
    const directory = freshDirectory();
    const journal = new LedgerJournal({ directory, logger: capturingLogger(), fsync: true });
    const recorded = [entry(), entry()];
    for (const item of recorded) journal.append(item);
    assert.deepEqual(linesOf(join(directory, segments(directory)[0]!)).map((line) => parseLine(line)), recorded);
    journal.close();
  });

  test('appendBatched() writes one turn\'s lines together at its end, then hands each entry on and resolves', async () => {
    const directory = freshDirectory();
    const journal = new LedgerJournal({ directory, logger: capturingLogger(), segmentEntries: 3 });
    const handed: Array<[RequestLogEntry, JournalSegment | undefined, number]> = [];
    const onWritten = (item: RequestLogEntry, segment: JournalSegment | undefined) => {
      handed.push([item, segment, segments(directory).flatMap((name) => linesOf(join(directory, name))).length]);
    };
    const recorded = [entry(), entry({ status: 502, errorCode: 'upstream_error' }), entry(), entry()];
    const promises = recorded.map((item) => journal.appendBatched(item, onWritten));
    assert.equal(new Set(promises).size, 1, 'one promise for the turn');
    assert.deepEqual(segments(directory), [], 'nothing is written before the turn ends');
    await promises[0];
    assert.deepEqual(handed.map(([item]) => item), recorded, 'handed on in order');
    assert.ok(handed.every(([, , lines]) => lines === recorded.length), 'every line was on disk before the first was handed on');
    const [file] = segments(directory);
    assert.deepEqual(linesOf(join(directory, file!)).map((line) => parseLine(line)), recorded);
    assert.ok(handed.every(([, segment]) => segment !== undefined && segment === handed[0]![1]));
    assert.equal(handed[0]![1]!.sealed, true, 'a batch past segmentEntries seals its segment');

    // The next turn starts a new batch and a new segment; settling every line deletes the sealed one.
    const later = entry();
    await journal.appendBatched(later, onWritten);
    assert.equal(segments(directory).length, 2);
    for (const [, segment] of handed) journal.settle(segment!);
    assert.equal(segments(directory).length, 1);
    journal.close();
  });

  test('close() writes the lines batched in this turn before it closes the files', () => {
    const directory = freshDirectory();
    const journal = new LedgerJournal({ directory, logger: capturingLogger() });
    const handed: RequestLogEntry[] = [];
    const item = entry();
    void journal.appendBatched(item, (written) => void handed.push(written));
    journal.close();
    assert.deepEqual(handed, [item]);
    const [kept] = segments(directory);
    assert.deepEqual(linesOf(join(directory, kept!)).map((line) => parseLine(line)), [item], 'unsettled, so kept for the next start');
  });

  test('a batch the disk refuses still hands its entries on (without a segment) and resolves', async () => {
    const blocker = join(freshDirectory(), 'file');
    writeFileSync(blocker, '');
    const logger = capturingLogger();
    const journal = new LedgerJournal({ directory: join(blocker, 'ledger-journal'), logger });
    const handed: Array<JournalSegment | undefined> = [];
    await Promise.all([entry(), entry()].map((item) => journal.appendBatched(item, (_written, segment) => void handed.push(segment))));
    assert.deepEqual(handed, [undefined, undefined]);
    assert.equal(logger.lines.filter((line) => line.level === 'error').length, 1);
  });

  test('after a short write, only the lines whose every byte was written count (bytes, not characters)', () => {
    const lines = '{"byokHash":"é"}\n{"id":"b"}\n';
    const first = Buffer.byteLength('{"byokHash":"é"}\n');
    assert.equal(first, '{"byokHash":"é"}\n'.length + 1, 'é is two bytes');
    assert.equal(wholeLines(lines, first - 1), 0);
    assert.equal(wholeLines(lines, first), 1);
    assert.equal(wholeLines(lines, Buffer.byteLength(lines) - 1), 1);
    assert.equal(wholeLines(lines, Buffer.byteLength(lines)), 2);
  });

  test('a journal that cannot write logs once and never throws', () => {
    const blocker = join(freshDirectory(), 'file');
    writeFileSync(blocker, '');
    const logger = capturingLogger();
    const journal = new LedgerJournal({ directory: join(blocker, 'ledger-journal'), logger });
    let segment: JournalSegment | undefined;
    assert.doesNotThrow(() => (segment = journal.append(entry())));
    assert.doesNotThrow(() => journal.append(entry()));
    assert.equal(segment, undefined);
    assert.equal(logger.lines.filter((line) => line.level === 'error').length, 1);
  });
});

describe('replayJournal', () => {
  test('inserts the lines of a killed process and deletes its segments', async () => {
    const dataDir = freshDirectory();
    const writer = await startWriter('journal', dataDir, 25);
    await kill(writer);
    const directory = join(dataDir, 'ledger-journal');
    assert.equal(segments(directory).length, 1);
    const database = fakeDatabase();
    const report = await replayJournal({ directory, logger: capturingLogger(), insert: database.insert, batchSize: 10 });
    assert.deepEqual(report, { segments: 1, entries: 25, recovered: 25, skippedLines: 0, live: 0 });
    assert.deepEqual([...database.rows.values()], writer.entries);
    assert.deepEqual(segments(directory), []);
  });

  test('counts as recovered only the rows the database did not have', async () => {
    const dataDir = freshDirectory();
    const writer = await startWriter('journal', dataDir, 6);
    await kill(writer);
    const database = fakeDatabase(writer.entries.slice(0, 4));
    const report = await replayJournal({ directory: join(dataDir, 'ledger-journal'), logger: capturingLogger(), insert: database.insert });
    assert.equal(report.entries, 6);
    assert.equal(report.recovered, 2);
    assert.equal(database.rows.size, 6);
  });

  test('leaves the segments of a running process alone, and replays them once it is gone', async () => {
    const dataDir = freshDirectory();
    const directory = join(dataDir, 'ledger-journal');
    const writer = await startWriter('journal', dataDir, 3);
    try {
      const database = fakeDatabase();
      const report = await replayJournal({ directory, logger: capturingLogger(), insert: database.insert });
      assert.equal(report.live, 1);
      assert.equal(database.rows.size, 0);
      assert.equal(segments(directory).length, 1);
    } finally {
      await kill(writer);
    }
    const database = fakeDatabase();
    assert.equal((await replayJournal({ directory, logger: capturingLogger(), insert: database.insert })).recovered, 3);
  });

  test('leaves the segments of another journal of this same process alone', async () => {
    const directory = freshDirectory();
    const journal = new LedgerJournal({ directory, logger: capturingLogger() });
    journal.append(entry());
    const database = fakeDatabase();
    const report = await replayJournal({ directory, logger: capturingLogger(), insert: database.insert });
    assert.equal(report.live, 1);
    assert.equal(database.rows.size, 0);
    journal.close();
  });

  test('a torn last line and an unreadable line are skipped with a warning, not a failure', async () => {
    const directory = freshDirectory();
    const good = [entry(), entry()];
    const serialize = (item: RequestLogEntry) => JSON.stringify({ ...item, createdAt: item.createdAt.getTime() });
    const name = `${thisHost}_${deadPid()}_${Date.now()}_0badc0de_1.ndjson`;
    writeFileSync(
      join(directory, name),
      `${serialize(good[0]!)}\n{"id":"not an entry"}\n${serialize(good[1]!)}\n${serialize(entry()).slice(0, 40)}`,
    );
    const logger = capturingLogger();
    const database = fakeDatabase();
    const report = await replayJournal({ directory, logger, insert: database.insert });
    assert.equal(report.recovered, 2);
    assert.equal(report.skippedLines, 2);
    assert.deepEqual([...database.rows.values()], good);
    assert.ok(logger.lines.some((line) => line.level === 'warn' && /torn/.test(line.msg ?? '')));
    assert.ok(logger.lines.every((line) => line.level === 'warn'), 'nothing is an error');
    assert.deepEqual(segments(directory), []);
  });

  test('a pid now used by another process does not make its segment live', { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, async () => {
    const directory = freshDirectory();
    const item = entry();
    // Our parent is alive, but did not start in 2001.
    writeFileSync(join(directory, `${thisHost}_${process.ppid}_1000000000000_0badc0de_1.ndjson`), `${JSON.stringify({ ...item, createdAt: item.createdAt.getTime() })}\n`);
    const database = fakeDatabase();
    const report = await replayJournal({ directory, logger: capturingLogger(), insert: database.insert });
    assert.equal(report.recovered, 1);
  });

  test('segments of another host are left alone unless replayOtherHosts is set', async () => {
    const directory = freshDirectory();
    const item = entry();
    writeFileSync(join(directory, `other-host.example_${deadPid()}_1000000000000_0badc0de_1.ndjson`), `${JSON.stringify({ ...item, createdAt: item.createdAt.getTime() })}\n`);
    const logger = capturingLogger();
    const database = fakeDatabase();
    assert.equal((await replayJournal({ directory, logger, insert: database.insert })).live, 1);
    assert.equal(database.rows.size, 0);
    assert.ok(logger.lines.some((line) => line.level === 'warn' && /another host/.test(line.msg ?? '')));
    assert.equal((await replayJournal({ directory, logger, insert: database.insert, replayOtherHosts: true })).recovered, 1);
    assert.deepEqual(segments(directory), []);
  });

  test('a segment the database refuses whole is kept for the next start', async () => {
    const dataDir = freshDirectory();
    const writer = await startWriter('journal', dataDir, 2);
    await kill(writer);
    const directory = join(dataDir, 'ledger-journal');
    const logger = capturingLogger();
    const report = await replayJournal({
      directory,
      logger,
      insert: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    assert.equal(report.segments, 0);
    assert.equal(segments(directory).length, 1);
    assert.ok(logger.lines.some((line) => line.level === 'error' && /kept for the next start/.test(line.msg ?? '')));
  });
});

for (const target of targets.filter((candidate) => candidate.durable)) {
  describe(`the journal under openStore on ${target.name}`, { skip: target.skip }, () => {
    test('rows a process journaled but had not written when it was killed are in the database after the next open', async () => {
      const location = await target.fresh();
      try {
        const writer = await startWriter('store', location.dataDir, 40, location.url);
        await kill(writer);
        const logger = capturingLogger();
        const store = await openStore({ url: location.url, dataDir: location.dataDir, logger });
        try {
          for (const item of writer.entries) assert.deepEqual(await store.requestLog.get(item.id), item);
          assert.equal((await store.requestLog.list({ limit: 1000 })).length, 40);
          const recovered = logger.lines.find((line) => /recovered 40 rows/.test(line.msg ?? ''));
          assert.ok(recovered, JSON.stringify(logger.lines));
          assert.deepEqual(segments(join(location.dataDir, 'ledger-journal')), []);
        } finally {
          await store.close();
        }
        const again = capturingLogger();
        const reopened = await openStore({ url: location.url, dataDir: location.dataDir, logger: again });
        await reopened.close();
        assert.deepEqual(again.lines, [], 'nothing left to replay');
      } finally {
        await location.cleanup();
      }
    });

    test('entries the database could not take before close stay in the journal and go in at the next open', async () => {
      const location = await target.fresh();
      const side = await openDatabase({ url: location.url, dataDir: location.dataDir });
      try {
        await migrateToLatest(side);
        const logger = capturingLogger();
        const store = await openStore({ url: location.url, dataDir: location.dataDir, logger, requestLog: { maxRetryDelayMs: 20 } });
        await side.db.schema.alterTable('request_log').renameTo('request_log_away').execute();
        const recorded = [entry(), entry(), entry()];
        for (const item of recorded) store.requestLog.record(item);
        await store.close();
        assert.ok(logger.lines.some((line) => /kept for the next start/.test(line.msg ?? '')), JSON.stringify(logger.lines));
        assert.equal(segments(join(location.dataDir, 'ledger-journal')).length, 1);

        await side.db.schema.alterTable('request_log_away').renameTo('request_log').execute();
        // The segment is this (live) process's: give it the name it would have once this process is gone.
        const directory = join(location.dataDir, 'ledger-journal');
        const [kept] = segments(directory);
        renameSync(join(directory, kept!), join(directory, kept!.replace(/_\d+_(\d+_[0-9a-f]+_\d+\.ndjson)$/, `_${deadPid()}_$1`)));
        const reopened = await openStore({ url: location.url, dataDir: location.dataDir, logger: capturingLogger() });
        try {
          for (const item of recorded) assert.deepEqual(await reopened.requestLog.get(item.id), item);
        } finally {
          await reopened.close();
        }
        assert.deepEqual(segments(join(location.dataDir, 'ledger-journal')), []);
      } finally {
        await side.close();
        await location.cleanup();
      }
    });

    test('with the journal switched off nothing is written to the data directory', async () => {
      const location = await target.fresh();
      try {
        const store = await openStore({ url: location.url, dataDir: location.dataDir, journal: { enabled: false } });
        store.requestLog.record(entry());
        await store.requestLog.flush();
        await store.close();
        assert.ok(!existsSync(join(location.dataDir, 'ledger-journal')));
      } finally {
        await location.cleanup();
      }
    });
  });
}

/** A journal line as a gateway without attempts wrote it: none of the attempt fields. */
function lineBeforeAttempts(item: RequestLogEntry): string {
  const { requestId: _requestId, attempt: _attempt, deployment: _deployment, ...old } = item;
  return JSON.stringify({ ...old, createdAt: old.createdAt.getTime() });
}

test('journal lines with and without the attempt fields parse; a wrong type is refused', () => {
  const old = entry();
  const parsed = parseLine(lineBeforeAttempts(old));
  assert.ok(parsed, 'parsed');
  assert.equal(parsed.id, old.id);
  assert.deepEqual([parsed.requestId, parsed.attempt, parsed.deployment], [undefined, undefined, undefined]);
  const withAttempts = entry({ requestId: 'r', attempt: 2, deployment: 'd' });
  const again = parseLine(JSON.stringify({ ...withAttempts, createdAt: withAttempts.createdAt.getTime() }));
  assert.deepEqual(again, withAttempts);
  assert.equal(parseLine(JSON.stringify({ ...withAttempts, attempt: 'two', createdAt: 1 })), undefined, 'a wrong type is refused');
  assert.equal(parseLine(JSON.stringify({ ...withAttempts, requestId: 7, createdAt: 1 })), undefined, 'a wrong type is refused');
});

for (const target of targets.filter((candidate) => candidate.durable)) {
  test(`on ${target.name}, a journal line written before attempts existed replays as the first attempt of its own request`, { skip: target.skip }, async () => {
    const location = await target.fresh();
    try {
      const old = entry({ deployment: 'never written by the old format' });
      const requestId = randomUUID();
      const later = entry({ id: `${requestId}.2`, requestId, attempt: 2, deployment: 'openai/gpt-4o-mini' });
      const directory = join(location.dataDir, 'ledger-journal');
      mkdirSync(directory);
      const current = JSON.stringify({ ...later, createdAt: later.createdAt.getTime() });
      writeFileSync(join(directory, `${thisHost}_${deadPid()}_${Date.now()}_0badc0de_1.ndjson`), `${lineBeforeAttempts(old)}\n${current}\n`);
      const logger = capturingLogger();
      const store = await openStore({ url: location.url, dataDir: location.dataDir, logger });
      try {
        assert.ok(logger.lines.some((line) => /recovered 2 rows/.test(line.msg ?? '')), JSON.stringify(logger.lines));
        assert.deepEqual(await store.requestLog.get(old.id), { ...old, requestId: old.id, attempt: 1, deployment: null });
        assert.deepEqual(await store.requestLog.get(later.id), later);
        assert.deepEqual(await store.requestLog.attemptsOf(old.id), [{ ...old, requestId: old.id, attempt: 1, deployment: null }]);
      } finally {
        await store.close();
      }
    } finally {
      await location.cleanup();
    }
  });
}
