// Builds the gateway from a frozen config and its ports. main.ts and the tests both come through here.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mergeModels } from './catalogue/from-config.js';
import { defaultModels } from './catalogue/default-models.js';
import type { Config } from './config/schema.js';
import { createHttpServer } from './http/server.js';
import type { Logger } from './observability/logger.js';
import { createModelDirectory, type ModelDirectory } from './pipeline/model-directory.js';
import { createProviders, providerIds, type ProviderSet } from './providers/registry.js';
import type { Store } from './store/types.js';
import { healthRoute } from './surfaces/health.js';
import { openAIRoutes, renderOpenAIError } from './surfaces/openai/openai-routes.js';

export type AppPorts = { store: Store; logger: Logger };

export type App = {
  server: Server;
  directory: ModelDirectory;
  providers: ProviderSet;
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops accepting connections, waits for in-flight requests, closes upstream pools. Not the store. */
  close(): Promise<void>;
};

export function createApp(config: Readonly<Config>, ports: AppPorts): App {
  const providers = createProviders(config.providers);
  const directory = createModelDirectory(mergeModels(defaultModels, config.models), providers.adapters, new Set(providerIds));
  const meter = { requestLog: ports.store.requestLog, logger: ports.logger, logRequests: config.logging.requests };
  const server = createHttpServer({
    logger: ports.logger,
    renderNotFound: renderOpenAIError,
    routes: [healthRoute(config.server.environment), ...openAIRoutes({ directory, meter, bodyLimit: config.server.bodyLimit })],
  });
  return {
    server,
    directory,
    providers,
    listen(port = config.server.port, host = config.server.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ url: `http://${shownHost}:${address.port}`, port: address.port });
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await providers.close();
    },
  };
}
