// A process that journals request-log entries and then waits to be killed, for the journal's crash tests.
// argv: mode (`journal`: a bare journal in <dataDir>/ledger-journal; `store`: openStore with a queue that
// never writes on its own), database URL (store mode), data dir, how many entries.
// Prints the entries (one JSON line each, createdAt in epoch ms), then `ready`.
import { join } from 'node:path';
import { LedgerJournal } from '../../src/store/ledger-journal.js';
import { openStore } from '../../src/store/open-store.js';
import type { RequestLogEntry } from '../../src/store/types.js';
import { ledgerEntry } from './ledger-entries.js';

const [mode, url = '', dataDir = '', count = '0'] = process.argv.slice(2);
const logger = { warn: () => undefined, error: () => undefined };

const entries: RequestLogEntry[] = Array.from({ length: Number(count) }, (_, index) =>
  ledgerEntry({
    createdAt: new Date(Date.UTC(2025, 2, 1, 9, 0, 0, index)),
    endpoint: index % 3 === 0 ? 'embeddings' : 'chat',
    stream: index % 2 === 0,
    promptTokens: 10 + index,
    completionTokens: 20,
    costMicroUsd: 1_000 + index,
    latencyMs: 42,
    ttftMs: index % 2 === 0 ? 7 : null,
  }),
);

if (mode === 'journal') {
  const journal = new LedgerJournal({ directory: join(dataDir, 'ledger-journal'), logger });
  for (const entry of entries) journal.append(entry);
} else {
  const store = await openStore({ url, dataDir, logger, requestLog: { flushIntervalMs: 3_600_000, batchSize: 1_000_000 } });
  for (const entry of entries) store.requestLog.record(entry);
}
for (const entry of entries) process.stdout.write(`${JSON.stringify({ ...entry, createdAt: entry.createdAt.getTime() })}\n`);
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
