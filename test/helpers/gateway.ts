// Builds a running gateway for a test in one line: the simulator as upstream of every provider family,
// a real HTTP server on a free port, and a store (in-memory SQLite unless a database URL is given).
import type { ResponseCache } from '../../src/state/response-cache.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { bootstrapOperator } from '../../src/identity/bootstrap.js';
import { createLogger } from '../../src/observability/logger.js';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { openStore } from '../../src/store/open-store.js';
import type { Limiter } from '../../src/state/limiter.js';
import type { Store } from '../../src/store/types.js';

export type TestGateway = {
  url: string;
  /** Base URL for the openai SDK. */
  v1: string;
  /** The operator organization's admin key (scope admin, every domain), created at bootstrap. */
  adminKey: string;
  operatorOrganizationId: string;
  /** Sign-in of the operator's admin user. */
  admin: { email: string; password: string };
  masterKey: Buffer;
  app: App;
  store: Store;
  simulator: SimulatorHandle;
  /** Every log line the gateway wrote, for assertions that secrets never appear. */
  logs: string[];
  close(): Promise<void>;
};

export type TestGatewayOptions = {
  simulator?: SimulatorOptions;
  databaseUrl?: string;
  /** Extra config merged over the defaults below (`providers` merged provider by provider); a function receives the simulator's URL. */
  config?: Record<string, unknown> | ((simulatorUrl: string) => Record<string, unknown>);
  masterKey?: Buffer;
  /** Limit counters (e.g. on Redis); default: in memory. */
  limiter?: Limiter;
  /** The response cache's store (e.g. on Redis); default: in memory when `cache.enabled`. */
  responseCache?: ResponseCache;
  /** A database another test gateway set up (a second replica, a restart): no bootstrap; its admin key and organization. */
  join?: { adminKey: string; operatorOrganizationId: string };
};

export const testKeys = { openai: 'sk-test-openai', anthropic: 'test-anthropic-key', gemini: 'test-gemini-key' };

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const simulator = await startSimulator(options.simulator);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const extra = typeof options.config === 'function' ? options.config(simulator.url) : (options.config ?? {});
  const config = parseConfig({
    server: { host: '127.0.0.1', port: 0, environment: 'test', bodyLimit: 1024 * 1024 },
    dataDir,
    logging: { level: 'debug', requests: true },
    providers: {
      openai: { apiKey: testKeys.openai, baseURL: `${simulator.url}/v1` },
      anthropic: { apiKey: testKeys.anthropic, baseURL: simulator.url },
      gemini: { apiKey: testKeys.gemini, baseURL: simulator.url },
      groq: { apiKey: 'test-groq-key', baseURL: `${simulator.url}/v1` },
      sim: { apiKey: 'sim', baseURL: `${simulator.url}/v1` },
      ...(extra.providers as Record<string, unknown> | undefined),
    },
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'providers')),
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger('debug', sink);
  const store = await openStore({ url: options.databaseUrl ?? 'sqlite::memory:', dataDir, logger });
  const admin = { email: 'admin@switchyard.test', password: 'correct horse battery staple' };
  const bootstrap = options.join === undefined ? await bootstrapOperator(store.access, admin) : { created: true, apiKey: options.join.adminKey, organizationId: options.join.operatorOrganizationId };
  if (!bootstrap.created) throw new Error('test gateway: the store was not empty');
  const masterKey = options.masterKey ?? randomBytes(32);
  const app = createApp(config, { store, logger, masterKey, ...(options.limiter ? { limiter: options.limiter } : {}), ...(options.responseCache ? { responseCache: options.responseCache } : {}) });
  const { url } = await app.listen(0, '127.0.0.1');
  return {
    url,
    v1: `${url}/v1`,
    adminKey: bootstrap.apiKey,
    operatorOrganizationId: bootstrap.organizationId,
    admin,
    masterKey,
    app,
    store,
    simulator,
    logs,
    async close() {
      await app.close();
      await store.close();
      await simulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
