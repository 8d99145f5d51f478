// Limits hold across replicas: two gateway processes on one PostgreSQL database and one Redis share a key's
// counters, so a key allowed 100 requests a minute gets exactly 100 answers between them, whichever replica
// each request reaches, and the ledger holds exactly those 100 calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { redisServerUrl, redisTestConnection } from '../helpers/redis.js';

const limit = 100;
const total = 300;
const concurrency = 20;
// Limits count in UTC calendar minutes: a run that straddles two minutes would rightly admit more than 100.
const minimumSecondsLeftInMinute = 25;

type Outcome =
  | { status: 200; replica: number; remaining: string | null; reset: string | null; requestId: string | null }
  | { status: 429; replica: number; retryAfter: string | null; reset: string | null };

test('two replicas on one PostgreSQL and one Redis admit exactly 100 of 300 requests for a 100-a-minute key', async (t) => {
  const database = await postgresTestDatabase(t);
  if ('skip' in database) return;
  const redis = await redisTestConnection(t);
  if ('skip' in redis) return;
  const simulator = await startSimulator();
  // Replicas share the database and Redis, never a data directory (it holds per-process files).
  const dataDirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'switchyard-replica-')));
  // The counters go under this test's own Redis prefix (limits.redisPrefix), removed with the connection.
  const configFile = join(dataDirs[0]!, 'switchyard.yaml');
  writeFileSync(configFile, `limits:\n  redisPrefix: "${redis.prefix}"\n`);
  const env = {
    SWITCHYARD_CONFIG: configFile,
    DATABASE_URL: database.url,
    REDIS_URL: redisServerUrl(),
    SWITCHYARD_MASTER_KEY: randomBytes(32).toString('hex'),
    SWITCHYARD_SIMULATOR: 'false',
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${simulator.url}/v1`,
    LOG_LEVEL: 'warn',
  };
  const replicas: GatewayProcess[] = [];
  try {
    // One after the other: bootstrapping is race-safe, but the test wants to know which one prints the key.
    for (const dataDir of dataDirs) replicas.push(await startGatewayProcess({ ...env, SWITCHYARD_DATA_DIR: dataDir }));
    const [first, second] = replicas as [GatewayProcess, GatewayProcess];
    assert.ok(first.adminKey, `the first replica bootstraps the store and prints the admin key:\n${first.output()}`);
    assert.equal(second.adminKey, undefined, 'the second replica finds the store bootstrapped');
    assert.match(first.output(), /store: postgres/);

    const { outcomes, keyId, upstreamCalls } = await runOnce(replicas, first.adminKey, simulator);
    const counters = await redis.redis.keys(`${redis.prefix}key:${keyId}:*`);
    assert.ok(counters.length > 0, 'the key is counted under the configured prefix');
    const admitted = outcomes.filter((outcome) => outcome.status === 200);
    const refused = outcomes.filter((outcome) => outcome.status === 429);
    assert.equal(admitted.length, limit, 'exactly the limit is admitted across both replicas');
    assert.equal(refused.length, total - limit);
    assert.equal(upstreamCalls, limit, 'a refused request never reaches the provider');
    for (const replica of [0, 1]) {
      assert.ok(admitted.some((outcome) => outcome.replica === replica), `replica ${replica + 1} admitted some of the 100`);
      assert.ok(refused.some((outcome) => outcome.replica === replica), `replica ${replica + 1} refused some of the 200`);
    }
    // Each admitted request took its own place in the one shared counter: 99 down to 0, none twice.
    const remaining = admitted.map((outcome) => Number(outcome.remaining)).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: limit }, (_, index) => index));
    for (const outcome of refused) {
      assert.ok(Number(outcome.retryAfter) >= 1 && Number(outcome.retryAfter) <= 60, `Retry-After ${outcome.retryAfter}`);
    }

    // Refusals happen before a model call starts, so they leave no ledger row; SIGTERM flushes the ledger.
    assert.equal(await first.stop(), 0, first.output());
    assert.equal(await second.stop(), 0, second.output());
    const ledger = await readLedger(database.url, keyId);
    assert.equal(ledger.rows.length, limit);
    assert.ok(ledger.rows.every((row) => Number(row.status) === 200));
    assert.deepEqual(
      ledger.rows.map((row) => row.id).sort(),
      admitted.map((outcome) => outcome.requestId).sort(),
      'the ledger holds exactly the admitted requests, by X-Request-Id',
    );
    assert.equal(ledger.refusedRows, 0, 'no row for a refused request');
  } finally {
    for (const replica of replicas) replica.kill();
    await simulator.close();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * Creates a fresh 100-a-minute key and sends the 300 requests within one minute window. The windows are
 * UTC minutes, so a run that crosses into the next minute (a very slow machine) is not evidence either way:
 * it is detected by the reset times the answers carry and repeated once with a new key.
 */
async function runOnce(replicas: GatewayProcess[], adminKey: string, simulator: SimulatorHandle) {
  for (let attempt = 1; ; attempt++) {
    const { id: keyId, secret } = await createLimitedKey(replicas[0]!, adminKey);
    await awaitRoomInMinute();
    const upstreamBefore = simulator.stats().requests;
    const outcomes = await sendAll(replicas, secret);
    const upstreamCalls = simulator.stats().requests - upstreamBefore;
    const resets = new Set(outcomes.map((outcome) => outcome.reset));
    assert.ok(!resets.has(null), 'every answer carries X-RateLimit-Reset');
    if (resets.size === 1) return { outcomes, keyId, upstreamCalls };
    if (attempt === 2) assert.fail(`two runs in a row straddled a minute boundary (resets ${[...resets].join(', ')})`);
  }
}

async function createLimitedKey(replica: GatewayProcess, adminKey: string): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${replica.url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'replicated limit', limits: { requests_per_minute: limit } }),
  });
  const body = (await response.json()) as { key: { id: string; limits: unknown }; secret: string };
  assert.equal(response.status, 201, JSON.stringify(body));
  assert.deepEqual(body.key.limits, { requests_per_minute: limit });
  return { id: body.key.id, secret: body.secret };
}

async function awaitRoomInMinute(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < minimumSecondsLeftInMinute * 1000) await new Promise((resolve) => setTimeout(resolve, left + 250));
}

/** Request i goes to replica i mod 2, `concurrency` at a time; the SDK retries nothing. */
async function sendAll(replicas: GatewayProcess[], secret: string): Promise<Outcome[]> {
  const clients = replicas.map((replica) => new OpenAI({ apiKey: secret, baseURL: replica.v1, maxRetries: 0 }));
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      outcomes.push(await sendOne(clients[index % 2]!, index % 2, index));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

async function sendOne(client: OpenAI, replica: number, index: number): Promise<Outcome> {
  try {
    const { response } = await client.chat.completions
      .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `request ${index}` }] })
      .withResponse();
    const header = (name: string) => response.headers.get(name);
    return { status: 200, replica, remaining: header('x-ratelimit-remaining'), reset: header('x-ratelimit-reset'), requestId: header('x-request-id') };
  } catch (error) {
    if (!(error instanceof OpenAI.RateLimitError)) throw error;
    assert.equal(error.headers?.get('x-ratelimit-remaining'), '0');
    return { status: 429, replica, retryAfter: error.headers?.get('retry-after') ?? null, reset: error.headers?.get('x-ratelimit-reset') ?? null };
  }
}

async function readLedger(url: string, keyId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ id: string; status: number }>('select id, status from request_log where api_key_id = $1', [keyId]);
    const refused = await client.query<{ count: string }>('select count(*) as count from request_log where status = 429');
    return { rows: rows.rows, refusedRows: Number(refused.rows[0]!.count) };
  } catch (error) {
    throw new Error(`reading the ledger: ${(error as Error).message}`);
  } finally {
    await client.end();
  }
}
