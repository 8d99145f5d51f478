// The configuration file's schema. Strict: an unknown or mistyped field stops the start with its path.
import { z } from 'zod';
import { capabilities } from '../core/catalogue.js';
import { emailSchema } from '../identity/email.js';

const price = z.number().nonnegative().describe('USD per million tokens');

export const providerConfigSchema = z.strictObject({
  apiKey: z.string().min(1).optional(),
  baseURL: z.url().optional(),
  /** Extra headers sent upstream on every call (e.g. OpenRouter's HTTP-Referer, an Azure api-key). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Time allowed for the upstream's response headers, and between two body chunks. */
  timeoutMs: z.number().int().positive().optional(),
  /** Turns a provider off even when a key is present in the environment. */
  enabled: z.boolean().optional(),
});

export const modelConfigSchema = z.strictObject({
  id: z.string().min(1),
  provider: z.string().min(1),
  upstreamId: z.string().min(1).optional(),
  aliases: z.array(z.string().min(1)).optional(),
  capabilities: z.array(z.enum(capabilities)).optional(),
  contextLength: z.number().int().nonnegative().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  dimensions: z.number().int().positive().optional(),
  pricing: z
    .strictObject({
      input: price,
      output: price,
      cachedInput: price.optional(),
      cacheWrite: price.optional(),
      cacheWrite1h: price.optional(),
      reasoning: price.optional(),
    })
    .optional(),
});

export const routingStrategies = ['weighted', 'least-busy', 'lowest-latency', 'cost-first'] as const;

const timeoutsSchema = z.strictObject({
  /** Connecting to the provider. */
  connectMs: z.number().int().positive().optional(),
  /** From sending the request to the first token of a stream, or to the whole answer of a JSON call. */
  firstTokenMs: z.number().int().positive().optional(),
  /** Between two chunks of a stream once it has started. */
  idleMs: z.number().int().positive().optional(),
  /** The whole request, every attempt included. */
  totalMs: z.number().int().positive().optional(),
});

const retriesSchema = z.strictObject({
  /** Rounds over the candidates after the first: each round tries every deployment and fallback not open. */
  retries: z.number().int().min(0).max(10).optional(),
  /** Exponential backoff between rounds: base × 2^round, with full jitter, at most maxDelayMs. */
  baseDelayMs: z.number().int().min(0).optional(),
  maxDelayMs: z.number().int().min(0).optional(),
  /** An upstream's Retry-After is honoured up to this; a longer one moves on without waiting. */
  maxRetryAfterMs: z.number().int().min(0).optional(),
  /** Most attempts one request may make, whatever the candidates and rounds. */
  maxAttempts: z.number().int().min(1).max(50).optional(),
});

const hedgeSchema = z.strictObject({
  /** Start a second attempt when the first has no token after this many ms, or after the deployment's recent p95. */
  delayMs: z.union([z.number().int().positive(), z.literal('p95')]),
  /** With `p95`: the delay while fewer than 20 first-token times are known, and the least it may be. */
  minDelayMs: z.number().int().positive().default(100),
});

export const deploymentConfigSchema = z.strictObject({
  /** Names the deployment in headers, the ledger, /health and breaker state; default `provider/model`, numbered when repeated. */
  id: z.string().min(1).max(200).optional(),
  provider: z.string().min(1),
  /** The model id sent upstream (prices come from the catalogue when it lists it). */
  model: z.string().min(1),
  weight: z.number().positive().default(1),
  /** A credential and base URL of this deployment's own (a second account, another region); default: the provider's. */
  apiKey: z.string().min(1).optional(),
  baseURL: z.url().optional(),
});

const groupConfigSchema = z.strictObject({
  strategy: z.enum(routingStrategies).optional(),
  deployments: z.array(deploymentConfigSchema).min(1),
  /** Models tried, in order, when every deployment failed. */
  fallbacks: z.array(z.string().min(1)).optional(),
  timeouts: timeoutsSchema.optional(),
  retries: retriesSchema.optional(),
  hedge: hedgeSchema.nullable().optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Largest request body accepted, in bytes. */
      bodyLimit: z.number().int().positive().default(10 * 1024 * 1024),
      environment: z.string().min(1).default('development'),
      /** Public hostname used in printed examples. */
      publicURL: z.url().optional(),
      /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
      trustProxy: z.boolean().default(false),
      /** On SIGTERM/SIGINT: how long in-flight requests and streams may run on before they are cut. */
      drainTimeoutMs: z.number().int().min(0).default(25_000),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Where counters live: this process (`memory`) or Redis, shared by every replica (`redis`, with `redisUrl`). */
      backend: z.enum(['memory', 'redis']).default('memory'),
      redisUrl: z.string().min(1).optional(),
      /** Prefix of every counter's Redis key: deployments sharing one Redis keep apart with their own. */
      redisPrefix: z.string().min(1).max(100).default('switchyard:limit:'),
      /** The plan of every organization without one of its own; null: no plan limits. */
      defaultPlan: z.string().min(1).nullable().default(null),
      /** Plans by name, over the shipped ones (free, starter, pro, scale). */
      plans: z
        .record(
          z.string().min(1),
          z.strictObject({
            requestsPerMinute: z.number().int().positive().optional(),
            requestsPerHour: z.number().int().positive().optional(),
            requestsPerMonth: z.number().int().positive().optional(),
            tokensPerMinute: z.number().int().positive().optional(),
            tokensPerHour: z.number().int().positive().optional(),
            tokensPerMonth: z.number().int().positive().optional(),
            concurrentRequests: z.number().int().positive().optional(),
            spendPerDayMicroUsd: z.number().int().positive().optional(),
            spendPerMonthMicroUsd: z.number().int().positive().optional(),
            allowOverage: z.boolean().default(false),
          }),
        )
        .default({}),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /**
       * 32 bytes (64 hex characters or base64) that encrypt provider credentials and sign tokens. Absent on
       * SQLite: generated once into `<dataDir>/master.key`. Required with PostgreSQL (replicas must share it).
       */
      masterKey: z.string().min(1).optional(),
      /** A file holding the master key, e.g. a mounted secret. */
      masterKeyFile: z.string().min(1).optional(),
      /** Lifetime of tokens from POST /api/token. */
      tokenTtlSeconds: z.number().int().min(60).max(30 * 24 * 3600).default(12 * 3600),
      /** How long a replica trusts a looked-up key or user before reading it again (revocations elsewhere). */
      cacheSeconds: z.number().int().min(0).max(300).default(15),
      /** The first start's admin user (the operator organization's). */
      admin: z
        .strictObject({
          email: emailSchema.default('admin@localhost'),
          /** When absent, one is generated and printed once. */
          password: z.string().min(12).optional(),
        })
        .prefault({}),
      /** Anonymous bring-your-own-key: the provider key alone as the bearer token on model routes. */
      anonymousByok: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Per provider key (hashed), per minute. */
          requestsPerMinute: z.number().int().positive().default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  dataDir: z.string().min(1).default('./data'),
  database: z
    .strictObject({
      /** `postgres://…` for PostgreSQL; otherwise a SQLite file (default `<dataDir>/switchyard.db`). */
      url: z.string().min(1).optional(),
      /** The request log's crash journal under `<dataDir>/ledger-journal` (see docs/configuration.md, Durability). */
      journal: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** fdatasync every row: survives a power loss, at one disk flush per request. */
          fsync: z.boolean().default(false),
          /** Replay segments written under another host name (a moved data directory, a re-created container). */
          replayOtherHosts: z.boolean().default(false),
        })
        .prefault({}),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** One line per request at info level. */
      requests: z.boolean().default(true),
      /**
       * Request and response bodies of model calls, kept apart from the ledger (table request_bodies) for
       * debugging; off by default. Rows older than `retentionDays` are deleted hourly.
       */
      bodies: z
        .strictObject({
          enabled: z.boolean().default(false),
          retentionDays: z.number().int().min(1).max(3650).default(7),
          /** Each body is cut after this many bytes. */
          maxBytes: z.number().int().min(256).max(10 * 1024 * 1024).default(64 * 1024),
        })
        .prefault({}),
    })
    .prefault({}),
  /** GET /metrics in the Prometheus text format (docs/metrics.md). */
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** No credential needed: for a scraper on a private network (otherwise admin keys with the `models` domain). */
      public: z.boolean().default(false),
    })
    .prefault({}),
  providers: z.record(z.string(), providerConfigSchema).default({}),
  models: z.array(modelConfigSchema).default([]),
  routing: z
    .strictObject({
      /** How the deployments of a model group are ordered for a request (a group may choose its own). */
      strategy: z.enum(routingStrategies).default('weighted'),
      timeouts: timeoutsSchema.prefault({}),
      retries: retriesSchema.prefault({}),
      /** Hedged requests for every group (off by default; a group may switch them on). */
      hedge: hedgeSchema.nullable().default(null),
      /** Most fallback models a request may name (`models`, `fallbacks`, X-Switchyard-Fallbacks). */
      maxRequestFallbacks: z.number().int().min(0).max(20).default(5),
      /** Public model names served by several deployments. */
      groups: z.record(z.string().min(1), groupConfigSchema).default({}),
      /** A deployment that keeps failing is skipped for a cool-down, then probed with one request. */
      breaker: z
        .strictObject({
          enabled: z.boolean().default(true),
          failureThreshold: z.number().int().min(1).default(5),
          windowMs: z.number().int().positive().default(60_000),
          cooldownMs: z.number().int().positive().default(30_000),
          maxCooldownMs: z.number().int().positive().default(300_000),
          probeTimeoutMs: z.number().int().positive().default(30_000),
          /** With Redis: the key prefix of the shared breaker state. */
          redisPrefix: z.string().min(1).max(100).default('switchyard:breaker:'),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The platform API's prompts: POST /api/prompt/execute runs one prompt on several models at once. */
  prompts: z
    .strictObject({
      /** Most models one fan-out may name. */
      maxModels: z.number().int().min(1).max(100).default(25),
      /** Each model's time limit in a fan-out (a request may ask for less with `timeout_ms`). */
      timeoutMs: z.number().int().min(1000).max(3_600_000).default(120_000),
      /** Async prompts (POST /api/prompt/create), queued in the database and run by any replica. */
      jobs: z
        .strictObject({
          /** Jobs this replica runs at once; 0: it queues them but runs none (an API-only replica). */
          concurrency: z.number().int().min(0).max(256).default(4),
          /** Jobs of one organization running at once, over every replica. */
          perOrganization: z.number().int().min(1).max(256).default(2),
          /** How long a replica holds a job without renewing its claim; after a crash, the job waits this long. */
          leaseMs: z.number().int().min(1000).max(3_600_000).default(60_000),
          /** How often an idle replica looks for queued jobs (a job queued through it starts at once). */
          pollMs: z.number().int().min(10).max(60_000).default(1000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Signed webhook and callback deliveries (docs/webhooks.md). */
  webhooks: z
    .strictObject({
      /** Let deliveries reach loopback, private and link-local addresses (a receiver on the operator's own network). */
      allowPrivateAddresses: z.boolean().default(false),
      /** One delivery attempt's time limit: connect, answer and body. */
      timeoutMs: z.number().int().min(1000).max(60_000).default(10_000),
      /** How often a replica looks for deliveries due. */
      pollMs: z.number().int().min(50).max(60_000).default(1000),
    })
    .prefault({}),
  /** The response cache: exact-match answers by normalised request (docs/caching.md). */
  cache: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** How long an answer is kept. */
      ttlSeconds: z.number().int().min(1).max(30 * 24 * 3600).default(3600),
      /** Most bytes held in all (keys and values); with Redis, shared by every replica on the prefix. */
      maxBytes: z.number().int().min(1024).max(2 ** 40).default(64 * 1024 * 1024),
      /** Most bytes of one answer; default an eighth of maxBytes. */
      maxEntryBytes: z.number().int().min(256).optional(),
      /** One cache for every organization; by default each organization (and each brought key) has its own. */
      shared: z.boolean().default(false),
      /**
       * Requests with a higher temperature are not cached (their answers are meant to vary); a request that sets
       * none counts as 1, the providers' default. `X-Switchyard-Cache: force` caches one anyway.
       */
      maxTemperature: z.number().min(0).max(2).default(0),
      /** With Redis: the key prefix of the shared cache. */
      redisPrefix: z.string().min(1).max(100).default('switchyard:cache:'),
    })
    .prefault({}),
  simulator: z
    .strictObject({
      /** `auto`: run the built-in simulator as the `sim` provider when no real provider has a credential. */
      enabled: z.union([z.literal('auto'), z.boolean()]).default('auto'),
      port: z.number().int().min(0).max(65535).default(0),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type RoutingConfig = Config['routing'];
export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;
export type RoutingStrategy = (typeof routingStrategies)[number];
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
export type RetriesConfig = z.infer<typeof retriesSchema>;
export type HedgeConfig = z.infer<typeof hedgeSchema>;
