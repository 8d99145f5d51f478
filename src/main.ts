#!/usr/bin/env node
// Composition root: reads config, builds the ports, starts the server. Nothing else.
import { MasterKeyError } from './access/secret-box.js';
import { createApp } from './app.js';
import { cliCommands, runCli, UsageError } from './cli/cli.js';
import { openGatewayState } from './cli/open-gateway-state.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { drainServer } from './http/drain.js';
import { createLogger } from './observability/logger.js';
import { version } from './observability/version.js';
import { bootstrapOperator, type BootstrapResult } from './identity/bootstrap.js';
import type { SimulatorHandle } from './simulator/simulator.js';

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logging.level);

  const simulator = await maybeStartSimulator(config);
  if (simulator) {
    config = Object.freeze({
      ...config,
      providers: Object.freeze({ ...config.providers, sim: { apiKey: 'sim', baseURL: `${simulator.url}/v1` } }),
    });
  }

  const { store, masterKey } = await openGatewayState(config, logger);
  if (masterKey.source === 'generated') logger.warn({ path: masterKey.path }, 'generated a new master key; back this file up');
  const bootstrap = await bootstrapOperator(store.access, config.auth.admin);
  const redis = await maybeConnectRedis(config);
  const limiter = redis === undefined ? undefined : (await import('./state/redis/redis-limiter.js')).createRedisLimiter(redis, { prefix: config.limits.redisPrefix });
  const breakerStore = redis === undefined ? undefined : (await import('./state/redis/redis-breaker-store.js')).createRedisBreakerStore(redis, { prefix: config.routing.breaker.redisPrefix });
  // With Redis the response cache is shared by every replica on the prefix, within one byte bound.
  const responseCache =
    redis === undefined || !config.cache.enabled
      ? undefined
      : (await import('./state/redis/redis-response-cache.js')).createRedisResponseCache(redis, {
          prefix: config.cache.redisPrefix,
          maxBytes: config.cache.maxBytes,
          ...(config.cache.maxEntryBytes === undefined ? {} : { maxEntryBytes: config.cache.maxEntryBytes }),
        });
  const app = createApp(config, {
    store,
    logger,
    masterKey: masterKey.key,
    ...(limiter === undefined ? {} : { limiter }),
    ...(breakerStore === undefined ? {} : { breakerStore }),
    ...(responseCache === undefined ? {} : { responseCache }),
  });
  const { url } = await app.listen();
  printBanner(config, url, store.dialect, simulator !== undefined, [...app.providers.adapters.keys()], bootstrap);

  // A second signal cuts the drain short.
  const cut = new AbortController();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return cut.abort();
    stopping = true;
    const { drainTimeoutMs } = config.server;
    logger.info({ signal, drainTimeoutMs }, 'shutting down: draining in-flight requests');
    // After the drain the store gets this long to write what it holds; rows it cannot write stay in its journal.
    const force = setTimeout(() => {
      logger.error({ signal }, 'shutdown took too long; exiting without a clean close');
      process.exit(1);
    }, drainTimeoutMs + storeCloseTimeoutMs).unref();
    const { drained } = await drainServer(app.server, drainTimeoutMs, cut.signal);
    if (!drained) logger.warn({ drainTimeoutMs }, 'drain ended before every request did: the remaining connections were closed');
    await app.close();
    await store.close();
    await limiter?.close();
    redis?.disconnect();
    await simulator?.close();
    clearTimeout(force);
    logger.info({ signal }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** How long closing the store (writing the request log's queue) may take after the drain. */
const storeCloseTimeoutMs = 15_000;

/** With `limits.backend: redis`, one connection shared by the limit counters; fails the start when unreachable. */
async function maybeConnectRedis(config: Readonly<Config>) {
  if (config.limits.backend !== 'redis') return undefined;
  const url = config.limits.redisUrl;
  if (url === undefined) throw new ConfigError('limits.backend is redis but limits.redisUrl (or REDIS_URL) is not set.');
  // Loaded only when used: a single-process gateway does not carry the Redis client.
  const { Redis } = await import('ioredis');
  // No auto-pipelining: the limiter already sends every check and settlement of one turn as one script call,
  // and ioredis's pipelining added about 17 µs of CPU to each call (measured with a sequential loop here).
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`);
  }
  return redis;
}

/** The simulator serves as provider `sim` when asked to, or (auto) when no real provider has a credential. */
async function maybeStartSimulator(config: Readonly<Config>): Promise<SimulatorHandle | undefined> {
  const { enabled, port } = config.simulator;
  const anyCredential = Object.entries(config.providers).some(
    ([id, provider]) => id !== 'sim' && provider.enabled !== false && (provider.apiKey || provider.baseURL),
  );
  if (enabled === false || (enabled === 'auto' && anyCredential)) return undefined;
  // Loaded only when used: a gateway with real providers does not carry the simulator's code.
  const { startSimulator } = await import('./simulator/simulator.js');
  return startSimulator({ port });
}

function printBanner(
  config: Readonly<Config>,
  url: string,
  dialect: string,
  simulated: boolean,
  providers: string[],
  bootstrap: BootstrapResult,
): void {
  const shown = config.server.publicURL ?? url.replace('://0.0.0.0:', '://127.0.0.1:');
  const model = simulated ? 'sim-chat' : 'gpt-4o-mini';
  const lines = [
    `Switchyard ${version} listening on ${shown} (${config.server.environment}, store: ${dialect})`,
    `Providers: ${providers.length > 0 ? providers.join(', ') : 'none'}`,
  ];
  if (simulated) {
    lines.push(
      'No provider credentials configured: serving the built-in simulator as provider "sim".',
      'Its answers are simulated, not produced by a model. Set e.g. OPENAI_API_KEY to use a real provider.',
    );
  }
  if (bootstrap.created) {
    lines.push(
      '',
      'First start: created the operator organization and its admin.',
      `  Admin API key (shown only once, store it now): ${bootstrap.apiKey}`,
      `  Admin sign-in: ${bootstrap.email}` +
        (bootstrap.password === undefined ? ' (password from configuration)' : ` / password ${bootstrap.password} (shown only once)`),
    );
  }
  const key = bootstrap.created ? bootstrap.apiKey : '$SWITCHYARD_API_KEY';
  lines.push(
    '',
    'Try it:',
    ...(bootstrap.created ? [`  export SWITCHYARD_API_KEY=${key}`] : ['  (use an API key; create one with: npx switchyard keys create)']),
    `  curl ${shown}/v1/chat/completions -H "Authorization: Bearer $SWITCHYARD_API_KEY" -H 'content-type: application/json' \\`,
    `    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello!"}]}'`,
    `  curl ${shown}/v1/models -H "Authorization: Bearer $SWITCHYARD_API_KEY"`,
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

const command = process.argv[2];
if (command !== undefined && (cliCommands as readonly string[]).includes(command)) {
  runCli(process.argv.slice(2)).catch((error: unknown) => {
    const expected = error instanceof UsageError || error instanceof ConfigError || error instanceof MasterKeyError;
    process.stderr.write(`switchyard: ${expected ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(expected ? 2 : 1);
  });
} else if (command !== undefined) {
  process.stderr.write(`switchyard: unknown command '${command}'; try 'switchyard help'.\n`);
  process.exit(2);
} else {
  main().catch((error: unknown) => {
    if (error instanceof MasterKeyError || error instanceof ConfigError) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`switchyard: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
