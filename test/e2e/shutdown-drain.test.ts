// SIGTERM drains: the real gateway process stops taking connections, lets a slow stream run to its end,
// writes the request log and exits 0. A stream longer than `server.drainTimeoutMs` is cut, and still
// leaves its row.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { Agent } from 'undici';
import { startSimulator } from '../../src/simulator/simulator.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';

const reply = Array.from({ length: 24 }, (_, index) => `word${index}`).join(' ');

function ledgerRow(dataDir: string, id: string): { status: number; stream: number; completion_tokens: number } | undefined {
  const database = new Database(join(dataDir, 'switchyard.db'), { readonly: true });
  try {
    return database.prepare('select status, stream, completion_tokens from request_log where id = ?').get(id) as
      | { status: number; stream: number; completion_tokens: number }
      | undefined;
  } finally {
    database.close();
  }
}

/** Resolves once a new connection to `url` is refused (an agent of its own: no kept-alive socket to reuse). */
async function refusesConnections(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const agent = new Agent();
    try {
      const response = await fetch(`${url}/health`, { dispatcher: agent } as RequestInit);
      await response.arrayBuffer();
    } catch {
      return;
    } finally {
      await agent.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the gateway still accepts new connections after SIGTERM');
}

async function withGateway(
  simulatorOptions: { chunkDelayMs: number },
  config: string,
  use: (context: { gateway: Awaited<ReturnType<typeof startGatewayProcess>>; client: OpenAI; dataDir: string }) => Promise<void>,
): Promise<void> {
  const simulator = await startSimulator({ ...simulatorOptions, reply });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-drain-'));
  const configFile = join(dataDir, 'switchyard.yaml');
  writeFileSync(configFile, config);
  const gateway = await startGatewayProcess({
    SWITCHYARD_CONFIG: configFile,
    SWITCHYARD_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${simulator.url}/v1`,
  });
  try {
    const client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
    await use({ gateway, client, dataDir });
  } finally {
    gateway.kill();
    await simulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('SIGTERM mid-stream: no new connections, the stream ends in full, the row is written, exit 0', async () => {
  await withGateway({ chunkDelayMs: 60 }, 'server:\n  drainTimeoutMs: 30000\n', async ({ gateway, client, dataDir }) => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Take your time' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    let text = '';
    let finish: string | null | undefined;
    let chunks = 0;
    let stopped: Promise<number | null> | undefined;
    let refused: Promise<void> | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      chunks += 1;
      if (chunks === 3) {
        stopped = gateway.stop();
        refused = refusesConnections(gateway.url);
      }
    }
    assert.ok(stopped && refused, 'SIGTERM was sent mid-stream');
    await refused;
    assert.equal(text, reply, 'the client received the whole answer');
    assert.equal(finish, 'stop');
    assert.equal(await stopped, 0, 'the gateway exits 0 after draining');
    const row = ledgerRow(dataDir, requestId);
    assert.equal(row?.status, 200);
    assert.equal(row?.stream, 1);
    assert.ok((row?.completion_tokens ?? 0) > 0);
    assert.doesNotMatch(gateway.output(), /shutdown took too long|remaining connections were closed/);
  });
});

test('a stream longer than drainTimeoutMs is cut at the deadline and still leaves its row; exit 0', async () => {
  // 24 words 400 ms apart: ten seconds of stream against a 500 ms drain.
  await withGateway({ chunkDelayMs: 400 }, 'server:\n  drainTimeoutMs: 500\n', async ({ gateway, client, dataDir }) => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Take all day' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    let stopped: Promise<number | null> | undefined;
    await assert.rejects(async () => {
      for await (const _chunk of stream) stopped ??= gateway.stop();
    }, 'the client sees the stream cut, not a clean end');
    assert.equal(await stopped, 0);
    assert.match(gateway.output(), /remaining connections were closed/);
    const row = ledgerRow(dataDir, requestId);
    assert.equal(row?.status, 499, 'metered as cut off, not as a success');
  });
});
