// Builds the gateway from a frozen config and its ports. main.ts and the tests both come through here.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mergeModels } from './catalogue/from-config.js';
import { defaultModels } from './catalogue/default-models.js';
import type { Config } from './config/schema.js';
import { createByokHasher } from './access/byok-hash.js';
import { createMemoryLoginThrottle } from './access/login-throttle.js';
import { createSecretBox, deriveKey } from './access/secret-box.js';
import { createTokenIssuer } from './access/tokens.js';
import { createHttpServer, type ErrorRenderer, type Route } from './http/server.js';
import { createAuthenticator, type Authenticator } from './identity/authenticator.js';
import { createCredentialVault } from './identity/credential-vault.js';
import type { IdentityDeps } from './identity/identity-deps.js';
import { defaultPlans } from './limits/plans.js';
import { createCallLimits } from './limits/call-limits.js';
import { createMinuteWindow } from './limits/minute-window.js';
import { createPolicySource } from './limits/policies.js';
import type { Logger } from './observability/logger.js';
import { countedRequestLog, createMetrics, type Metrics } from './observability/metrics.js';
import { createModelDirectory, type ModelDirectory } from './pipeline/model-directory.js';
import { DeploymentStats } from './pipeline/routing/deployment-stats.js';
import { createRouter, defaultTimeouts } from './pipeline/routing/router.js';
import { createProviders, providerIds, type ProviderSet } from './providers/registry.js';
import type { Limiter } from './state/limiter.js';
import { cacheLimits, type ResponseCache } from './state/response-cache.js';
import { createMemoryResponseCache } from './state/memory/memory-response-cache.js';
import type { ResponseCaching } from './pipeline/cache/response-caching.js';
import { createMemoryLimiter } from './state/memory/memory-limiter.js';
import type { Store } from './store/types.js';
import { deploymentHealthRoute, healthRoute } from './surfaces/health.js';
import { metricsRoute } from './surfaces/metrics-route.js';
import { createCircuitBreakers, type BreakerStore } from './state/circuit-breakers.js';
import { createMemoryBreakerStore } from './state/memory/memory-breaker-store.js';
import { anthropicRoutes, renderAnthropicError } from './surfaces/anthropic/anthropic-routes.js';
import { geminiRoutes, renderGeminiError } from './surfaces/gemini/gemini-routes.js';
import { openAIRoutes, renderOpenAIError } from './surfaces/openai/openai-routes.js';
import { nativeRoutes, subdomainRewriter } from './surfaces/native/native-routes.js';
import { simpleRoutes } from './surfaces/simple/simple-routes.js';
import { renderPlatformError } from './surfaces/platform/platform-io.js';
import { fanOutRoutes } from './surfaces/platform/fan-out.js';
import { createJobRunner, promptJobRoutes, type JobDeps } from './surfaces/platform/prompt-jobs.js';
import { runView } from './surfaces/platform/prompt-history.js';
import { newId } from './identity/ids.js';
import { createWebhookService } from './webhooks/webhook-service.js';
import type { DeliveryWorker } from './webhooks/delivery-worker.js';
import type { PromptRunRecord } from './store/types.js';
import { platformRoutes } from './surfaces/platform/platform-routes.js';

export type AppPorts = {
  store: Store;
  logger: Logger;
  /** 32 bytes: seals provider credentials; the token and BYOK-hash keys are derived from it. */
  masterKey: Buffer;
  /** Limit counters; absent: in this process's memory. */
  limiter?: Limiter;
  /** Where circuit breakers are shared (Redis); absent: this process's memory. */
  breakerStore?: BreakerStore;
  /** Where the response cache keeps answers (Redis, shared by replicas); absent: this process's memory. */
  responseCache?: ResponseCache;
};

export type App = {
  server: Server;
  directory: ModelDirectory;
  providers: ProviderSet;
  identity: IdentityDeps;
  authenticator: Authenticator;
  /** Every route the server serves, with its declared access (documentation and tests read it). */
  routes: readonly Route[];
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops accepting connections, waits for in-flight requests, closes upstream pools. Not the store. */
  close(): Promise<void>;
};

export function createApp(config: Readonly<Config>, ports: AppPorts): App {
  const providers = createProviders(config.providers, { connectTimeoutMs: config.routing.timeouts.connectMs ?? defaultTimeouts.connectMs });
  const directory = createModelDirectory(
    mergeModels(defaultModels, config.models),
    providers.adapters,
    new Set(providerIds),
    providers.adapterFor,
  );
  const stats = new DeploymentStats();
  const router = createRouter({ config: config.routing, directory, providers, stats, groupStore: ports.store.routingGroups });
  const breakerConfig = config.routing.breaker;
  const breakers = breakerConfig.enabled
    ? createCircuitBreakers(ports.breakerStore ?? createMemoryBreakerStore(), {
        ...breakerConfig,
        syncIntervalMs: ports.breakerStore === undefined ? 0 : 1000,
        logger: ports.logger,
      })
    : undefined;
  const metrics: Metrics | undefined = config.metrics.enabled
    ? createMetrics({ breakers, stats, catalogue: directory.catalogue, deployments: () => router.deployments().map((each) => each.id) })
    : undefined;
  // Every ledger row is also counted in the metrics (one per model-call attempt).
  const requestLog = metrics === undefined ? ports.store.requestLog : countedRequestLog(ports.store.requestLog, metrics);
  const meter = { requestLog, logger: ports.logger, logRequests: config.logging.requests };
  const limiter = ports.limiter ?? createMemoryLimiter();
  const identity = createIdentity(config, ports, limiter);
  const { authenticator, vault } = identity;
  const webhooks = createWebhookService({
    store: ports.store.webhooks,
    box: identity.box,
    logger: ports.logger,
    settings: config.webhooks,
    recordEvents: (events) => ports.store.access.recordEvents(events),
  });
  const policies = createPolicySource({
    access: ports.store.access,
    balances: ports.store.balances,
    plans: { ...defaultPlans, ...config.limits.plans },
    defaultPlan: knownPlan(config),
    ttlMs: config.auth.cacheSeconds * 1000,
  });
  const limits = createCallLimits({
    limiter,
    policies,
    plans: { ...defaultPlans, ...config.limits.plans },
    balances: ports.store.balances,
    recordEvents: (events) => ports.store.access.recordEvents(events),
    logger: ports.logger,
  });
  const cache = responseCaching(config, ports);
  const bodyLog = config.logging.bodies;
  const bodies = bodyLog.enabled ? { log: ports.store.bodies, maxBytes: bodyLog.maxBytes } : undefined;
  const pruneBodies = bodyLog.enabled ? scheduleBodyPruning(ports, bodyLog.retentionDays) : undefined;
  const modelDeps = {
    directory,
    router,
    stats,
    ...(breakers === undefined ? {} : { breakers }),
    maxRequestFallbacks: config.routing.maxRequestFallbacks,
    vault,
    meter,
    bodyLimit: config.server.bodyLimit,
    connectionFor: providers.connectionFor,
    limits,
    ...(bodies === undefined ? {} : { bodies }),
    ...(cache === undefined ? {} : { cache }),
  };
  const jobDeps: JobDeps = {
    model: modelDeps,
    runs: ports.store.promptRuns,
    access: ports.store.access,
    logger: ports.logger,
    options: { maxModels: config.prompts.maxModels, maxTimeoutMs: config.prompts.timeoutMs, ...config.prompts.jobs, allowPrivateCallbacks: config.webhooks.allowPrivateAddresses },
    onFinished: (run) => promptCompleted(ports, webhooks.worker, run),
  };
  const jobs = createJobRunner(jobDeps);
  const routes: Route[] = [
    healthRoute(config.server.environment),
    deploymentHealthRoute({ router, stats, breakers }),
    ...(metrics === undefined ? [] : [metricsRoute({ metrics, public: config.metrics.public, isOperator: async (id) => (await ports.store.access.getOrganization(id))?.isOperator === true })]),
    ...openAIRoutes(modelDeps),
    ...anthropicRoutes(modelDeps),
    ...geminiRoutes(modelDeps),
    ...simpleRoutes(modelDeps),
    ...fanOutRoutes(modelDeps, { runs: ports.store.promptRuns, maxModels: config.prompts.maxModels, maxTimeoutMs: config.prompts.timeoutMs }),
    ...promptJobRoutes(jobDeps, jobs),
    ...nativeRoutes({ ...modelDeps, providers, providerIds }),
    ...platformRoutes({
      routingGroups: { store: ports.store.routingGroups, directory, forget: router.forget },
      webhooks: { store: webhooks.store, secrets: webhooks.secrets, worker: webhooks.worker },
      identity,
      bodyLimit: config.server.bodyLimit,
      trustProxy: config.server.trustProxy,
      usage: ports.store.usage,
      runs: ports.store.promptRuns,
      // The plan limits shown beside usage statistics: the same (cached) policy the limits step applies.
      limitsFor: async (caller) => (await policies.policyFor(caller.organizationId)).limits,
      billing: { balances: ports.store.balances, plans: { ...defaultPlans, ...config.limits.plans }, policies },
      limits,
    }),
  ];
  const server = createHttpServer({
    logger: ports.logger,
    renderNotFound: (exchange, error) => notFoundRenderer(exchange.request.url)(exchange, error),
    authorize: authenticator.authorize,
    rewriteUrl: subdomainRewriter(providerIds),
    routes,
  });
  return {
    server,
    directory,
    providers,
    identity,
    authenticator,
    routes,
    listen(port = config.server.port, host = config.server.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          jobs.start();
          webhooks.worker.start();
          resolve({ url: `http://${shownHost}:${address.port}`, port: address.port });
        });
      });
    },
    async close() {
      if (pruneBodies !== undefined) clearInterval(pruneBodies);
      await jobs.stop();
      await webhooks.close();
      await breakers?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await providers.close();
    },
  };
}

/** A finished async prompt: `prompt.completed` for the organization's webhooks, and its callback_url, signed alike. */
async function promptCompleted(ports: AppPorts, deliveries: Pick<DeliveryWorker, 'enqueue'>, run: PromptRunRecord): Promise<void> {
  const event = { id: newId('evt'), organizationId: run.organizationId, type: 'prompt.completed', data: runView(run), createdAt: new Date() };
  await ports.store.access.recordEvents([event]);
  const callback = run.request.callback_url;
  if (typeof callback === 'string') {
    await deliveries.enqueue({ organizationId: run.organizationId, url: callback, event: { id: event.id, type: event.type, created: event.createdAt, data: event.data } });
  }
}

/** The response cache when `cache.enabled`: the port's store (Redis) or one in this process's memory. */
function responseCaching(config: Readonly<Config>, ports: AppPorts): ResponseCaching | undefined {
  const settings = config.cache;
  if (!settings.enabled) return undefined;
  const limits = { maxBytes: settings.maxBytes, ...(settings.maxEntryBytes === undefined ? {} : { maxEntryBytes: settings.maxEntryBytes }) };
  return {
    store: ports.responseCache ?? createMemoryResponseCache(limits),
    ttlMs: settings.ttlSeconds * 1000,
    shared: settings.shared,
    maxTemperature: settings.maxTemperature,
    maxEntryBytes: cacheLimits(limits).maxEntryBytes,
    logger: ports.logger,
  };
}

function createIdentity(config: Readonly<Config>, ports: AppPorts, limiter: Limiter): IdentityDeps {
  const { auth } = config;
  const box = createSecretBox(ports.masterKey);
  const tokens = createTokenIssuer({ key: deriveKey(ports.masterKey, 'switchyard token signing v1'), ttlSeconds: auth.tokenTtlSeconds });
  const authenticator = createAuthenticator({
    store: ports.store.access,
    tokens,
    hashProviderKey: createByokHasher(deriveKey(ports.masterKey, 'switchyard byok hash v1')),
    // On the shared limiter: with Redis, a provider key's minute is counted once across every replica.
    ...(auth.anonymousByok.enabled
      ? { anonymousByok: createMinuteWindow(limiter, { name: 'byok', limit: auth.anonymousByok.requestsPerMinute }) }
      : {}),
    cacheTtlMs: auth.cacheSeconds * 1000,
  });
  const vault = createCredentialVault({ store: ports.store.access, box, logger: ports.logger, ttlMs: auth.cacheSeconds * 1000 });
  return {
    store: ports.store.access,
    authenticator,
    vault,
    box,
    tokens,
    loginThrottles: { account: createMemoryLoginThrottle({ freeFailures: 5 }), address: createMemoryLoginThrottle({ freeFailures: 20 }) },
    logger: ports.logger,
    now: () => new Date(),
    knownProviders: providerIds.filter((id) => id !== 'sim'),
    planNames: [...new Set([...Object.keys(defaultPlans), ...Object.keys(config.limits.plans)])],
  };
}

/** Deletes body-log rows past their retention now and every hour (the timer never holds the process open). */
function scheduleBodyPruning(ports: AppPorts, retentionDays: number): NodeJS.Timeout {
  const prune = () => {
    ports.store.bodies
      .prune(new Date(Date.now() - retentionDays * 86_400_000))
      .catch((error: unknown) => ports.logger.error({ err: error }, 'pruning the body log failed'));
  };
  prune();
  return setInterval(prune, 3_600_000).unref();
}

function knownPlan(config: Readonly<Config>): string | undefined {
  const name = config.limits.defaultPlan;
  if (name === null) return undefined;
  const known = [...Object.keys(defaultPlans), ...Object.keys(config.limits.plans)];
  if (!known.includes(name)) throw new Error(`limits.defaultPlan '${name}' is not a plan; plans: ${known.join(', ')}.`);
  return name;
}

/** A path no route matches is answered in the envelope its surface's clients read. */
function notFoundRenderer(url: string | undefined): ErrorRenderer {
  const path = url ?? '/';
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/v2/')) return renderPlatformError;
  if (path.startsWith('/v1beta/') || path === '/v1beta') return renderGeminiError;
  if (path.startsWith('/v1/messages')) return renderAnthropicError;
  return renderOpenAIError;
}
