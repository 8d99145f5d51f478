// Builds a running gateway for a test in one line: the simulator as upstream of every provider family,
// a real HTTP server on a free port, and a store (in-memory SQLite unless a database URL is given).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';

export type TestGateway = {
  url: string;
  /** Base URL for the openai SDK. */
  v1: string;
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
  /** Extra config merged over the defaults below. */
  config?: Record<string, unknown>;
};

export const testKeys = { openai: 'sk-test-openai', anthropic: 'test-anthropic-key', gemini: 'test-gemini-key' };

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const simulator = await startSimulator(options.simulator);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
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
    },
    ...options.config,
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
  const app = createApp(config, { store, logger });
  const { url } = await app.listen(0, '127.0.0.1');
  return {
    url,
    v1: `${url}/v1`,
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
