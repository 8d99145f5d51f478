// The ledger never loses a request the client received in full: the real gateway process serves concurrent
// load (streamed and not, OpenAI and Anthropic clients, translated and pass-through paths), is killed with
// SIGKILL the moment a response completes, starts again on the same data, and the request log then holds
// every request id the clients completed, each once. On SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import pg from 'pg';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { postgresTestDatabase } from '../helpers/postgres.js';

let simulator: SimulatorHandle;
before(async () => {
  // A little latency keeps requests in flight when the kill comes.
  simulator = await startSimulator({ latencyMs: 2, chunkDelayMs: 1 });
});
after(() => simulator.close());

type Ledger = { rows(): Promise<{ id: string; status: number }[]> };

/** One kind of request: resolves to its X-Request-Id once the whole response has arrived, else throws. */
type Call = (clients: { openai: OpenAI; anthropic: Anthropic }) => Promise<string>;

const calls: Call[] = [
  async ({ openai }) => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Not streamed, please' }] })
      .withResponse();
    assert.equal(data.choices[0]?.finish_reason, 'stop');
    return response.headers.get('x-request-id')!;
  },
  async ({ openai }) => {
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream a few words back' }] })
      .withResponse();
    let finish: string | null | undefined;
    for await (const chunk of stream) finish ??= chunk.choices[0]?.finish_reason;
    assert.equal(finish, 'stop');
    return response.headers.get('x-request-id')!;
  },
  // Anthropic's client on an Anthropic model: the same-dialect pass-through.
  async ({ anthropic }) => {
    const { data: stream, response } = await anthropic.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Stream to me' }] })
      .withResponse();
    let stopped = false;
    for await (const event of stream) stopped ||= event.type === 'message_stop';
    assert.ok(stopped);
    return response.headers.get('x-request-id')!;
  },
  // Anthropic's client on an OpenAI model: decoded, translated and encoded by the gateway.
  async ({ anthropic }) => {
    const { data, response } = await anthropic.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'Translate me' }] })
      .withResponse();
    assert.equal(data.stop_reason, 'end_turn');
    return response.headers.get('x-request-id')!;
  },
  async ({ anthropic }) => {
    const { data: stream, response } = await anthropic.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Translate a stream' }] })
      .withResponse();
    let stopped = false;
    for await (const event of stream) stopped ||= event.type === 'message_stop';
    assert.ok(stopped);
    return response.headers.get('x-request-id')!;
  },
];

const concurrency = 8;
const killAfter = 150;

async function crashAndRecover(env: Record<string, string>, ledger: Ledger): Promise<{ completed: number; recovered: number }> {
  const gateway = await startGatewayProcess(env);
  let restarted: GatewayProcess | undefined;
  try {
    assert.ok(gateway.adminKey, 'the first start prints the admin key');
    const clients = {
      openai: new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 }),
      anthropic: new Anthropic({ apiKey: gateway.adminKey, baseURL: gateway.url, maxRetries: 0 }),
    };
    const completed: string[] = [];
    let killed = false;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let index = worker; !killed; index += 1) {
          let requestId: string;
          try {
            requestId = await calls[index % calls.length]!(clients);
          } catch (error) {
            if (killed) return;
            throw error;
          }
          if (killed) return;
          completed.push(requestId);
          if (completed.length >= killAfter) {
            killed = true;
            // In the same tick as the client saw its response end: the row cannot have been batched yet.
            process.kill(gateway.pid, 'SIGKILL');
          }
        }
      }),
    );
    assert.equal(await gateway.stop(), null, 'the gateway died of the SIGKILL');

    // The journal is replayed before the restarted gateway serves (its health check answers).
    restarted = await startGatewayProcess(env);
    const rows = await ledger.rows();
    const ids = new Set(rows.map((row) => row.id));
    assert.equal(ids.size, rows.length, 'no request id is in the ledger twice');
    const missing = completed.filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${completed.length} completed requests are missing from the ledger`);
    const status = new Map(rows.map((row) => [row.id, row.status]));
    assert.ok(completed.every((id) => status.get(id) === 200), 'every completed request is recorded as a success');
    // How many rows were only in the journal depends on where the last batch stood at the kill (usually some).
    const recovered = await waitForRecovery(restarted);
    assert.equal(await restarted.stop(), 0);
    return { completed: completed.length, recovered };
  } finally {
    gateway.kill();
    restarted?.kill();
  }
}

/** The restart's log line saying it replayed the killed process's journal, and how many rows were missing. */
async function waitForRecovery(gateway: GatewayProcess): Promise<number> {
  const line = /recovered (\d+) rows/;
  for (let attempt = 0; attempt < 100 && !line.test(gateway.output()); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const match = line.exec(gateway.output());
  assert.ok(match, `the restart logs the rows it recovered; its output:\n${gateway.output()}`);
  return Number(match[1]);
}

function report(t: { diagnostic(message: string): void }, outcome: { completed: number; recovered: number }): void {
  t.diagnostic(`${outcome.completed} completed before the kill; ${outcome.recovered} rows were only in the journal`);
}

function providerEnv(dataDir: string): Record<string, string> {
  return {
    SWITCHYARD_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${simulator.url}/v1`,
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    ANTHROPIC_BASE_URL: simulator.url,
  };
}

const sqliteLedger = (dataDir: string): Ledger => ({
  async rows() {
    const database = new Database(join(dataDir, 'switchyard.db'), { readonly: true });
    try {
      return database.prepare('select id, status from request_log').all() as { id: string; status: number }[];
    } finally {
      database.close();
    }
  },
});

const postgresLedger = (url: string): Ledger => ({
  async rows() {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ id: string; status: number }>('select id, status from request_log')).rows;
    } finally {
      await client.end();
    }
  },
});

describe('a gateway killed with SIGKILL under load', () => {
  test('on SQLite, every request a client completed is in the ledger after the restart', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
    try {
      report(t, await crashAndRecover(providerEnv(dataDir), sqliteLedger(dataDir)));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('on PostgreSQL, every request a client completed is in the ledger after the restart', async (t) => {
    const database = await postgresTestDatabase(t);
    if ('skip' in database) return;
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
    const env = { ...providerEnv(dataDir), DATABASE_URL: database.url, SWITCHYARD_MASTER_KEY: randomBytes(32).toString('hex') };
    try {
      report(t, await crashAndRecover(env, postgresLedger(database.url)));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
