// The store port the pipeline sees. Implementations: Kysely on SQLite (default) and PostgreSQL.
import type { WebhookRepository } from './webhook-repository.js';
import type { DomainGrant, Scope } from '../access/scopes.js';

export type RequestLogEntry = {
  /** The request id (UUID), also sent to the client as X-Request-Id. */
  id: string;
  createdAt: Date;
  endpoint: 'chat' | 'completions' | 'embeddings';
  /** The model name as the client wrote it. */
  model: string;
  provider: string;
  upstreamModel: string;
  stream: boolean;
  /** HTTP status sent to the client (499 when the client went away). */
  status: number;
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costMicroUsd: number;
  latencyMs: number;
  /** Time to first token (streams) or to the upstream's answer (JSON), in ms; null when none came. */
  ttftMs: number | null;
  /** Who made the request: null for anonymous BYOK traffic. */
  organizationId: string | null;
  /** The API key used, null for a JWT or anonymous BYOK. */
  apiKeyId: string | null;
  /** The user behind a JWT, null otherwise. */
  userId: string | null;
  /** For BYOK traffic: a keyed hash of the provider key (never the key). */
  byokHash: string | null;
  /** Which credential served the call: `server`, `byok`, or the id of the organization's stored credential. */
  credential: string | null;
  /** HIT (answered from the response cache), MISS (cacheable, not cached yet) or SKIP (not cacheable). */
  cacheStatus: 'HIT' | 'MISS' | 'SKIP';
  /** True when the provider reported no usage and the tokens were counted by the gateway's tokenizer. */
  usageEstimated: boolean;
  /** True when the call was admitted past a monthly quota its plan allows to exceed: billable overage. */
  overage: boolean;
  /** The client request this row is an attempt of (absent: `id`); rows of later attempts have id `<requestId>.<n>`. */
  requestId?: string;
  /** The attempt's number, from 1 (absent: 1). */
  attempt?: number;
  /** The deployment that served the attempt (e.g. `openai/gpt-4o-mini` or a configured id). */
  deployment?: string | null;
};

export type RequestLogQuery = { limit?: number; offset?: number; model?: string };

export interface RequestLog {
  /** Queues the entry (journaled first, when there is a crash journal); never throws and never blocks the response. */
  record(entry: RequestLogEntry): void;
  /**
   * `record()` for a call whose response is about to end: the crash journal writes the entries of one turn
   * of the event loop together, with one system call. Resolves once the entry is as safe as `record()`
   * leaves it: send the response's last byte after that. Never rejects.
   */
  recordBatched(entry: RequestLogEntry): Promise<void>;
  /**
   * Resolves when everything queued so far is written (or dropped, see write-behind-queue.ts).
   * Rejects when a write fails; the entries stay queued and are retried.
   */
  flush(): Promise<void>;
  /** Newest first; `limit` defaults to 50 and is capped at 1000. */
  list(query?: RequestLogQuery): Promise<RequestLogEntry[]>;
  get(id: string): Promise<RequestLogEntry | undefined>;
  /**
   * The rows of one client request's attempts, by attempt number (the first has `id` = `requestId`). Reads
   * what is written: call `flush()` first to include entries still queued.
   */
  attemptsOf(requestId: string): Promise<RequestLogEntry[]>;
}

export type Organization = {
  id: string;
  name: string;
  /** The organization created at first start; its admins may create other organizations. */
  isOperator: boolean;
  createdAt: Date;
  /** The organization's plan (a name from `limits.plans`); null: the gateway's default plan. */
  plan?: string | null;
  /** Limits of the organization's own, narrowing its plan (names as in limits/plans.ts `Limits`). */
  limits?: Record<string, number> | null;
};

export type User = {
  id: string;
  organizationId: string;
  /** Stored lower-cased; unique across the gateway. */
  email: string;
  /** `scrypt$…` (see access/password.ts); never leaves the gateway. */
  passwordHash: string;
  role: Scope;
  createdAt: Date;
  disabledAt: Date | null;
};

export type ApiKeyRecord = {
  id: string;
  organizationId: string;
  /** The user who created the key, when a user did (null for keys created by a key or at bootstrap). */
  createdBy: string | null;
  name: string;
  description: string | null;
  scope: Scope;
  domains: DomainGrant;
  /** The first characters of the secret, shown in lists. */
  prefix: string;
  lastFour: string;
  /** SHA-256 of the whole secret, hex. Unique. */
  secretHash: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** The key this one replaced by rotation. */
  rotatedFrom: string | null;
  /** Plan name or limits for the metering layer; stored as given. */
  plan: string | null;
  limits: Record<string, number> | null;
};

export type ProviderCredentialRecord = {
  id: string;
  organizationId: string;
  provider: string;
  /** Unique per organization and provider. */
  name: string;
  /** AES-256-GCM sealed key (access/secret-box.ts); never returned by the API. */
  sealedKey: string;
  createdAt: Date;
  rotatedAt: Date | null;
};

export type AuditEntry = {
  id: string;
  organizationId: string | null;
  actorType: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
  /** e.g. `api_key.created`, `api_key.revoked`, `api_key.rotated`, `auth.login`, `auth.login_failed`, `user.role_changed`. */
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
  createdAt: Date;
};

/** An event waiting for webhook delivery (the outbox). */
export type OutboxEvent = {
  id: string;
  organizationId: string;
  /** e.g. `api_key.created`. */
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
};

export type ListQuery = { limit?: number; offset?: number };

/** A model call's bodies as sent and answered (cut at `logging.bodies.maxBytes`); never in the ledger itself. */
export type RequestBodyEntry = {
  requestId: string;
  organizationId: string | null;
  createdAt: Date;
  request: string | null;
  response: string | null;
};

/** The optional body log: write-behind like the ledger, pruned by age. */
export interface RequestBodyLog {
  record(entry: RequestBodyEntry): void;
  get(requestId: string): Promise<RequestBodyEntry | undefined>;
  /** Deletes rows created before `before`; returns how many. */
  prune(before: Date): Promise<number>;
  flush(): Promise<void>;
}

/** An organization's prepaid balance; `available` is the balance less what calls in flight have reserved. */
export type Balance = {
  organizationId: string;
  balanceMicroUsd: number;
  reservedMicroUsd: number;
  availableMicroUsd: number;
  updatedAt: Date;
};

export type BalanceTransaction = {
  id: string;
  organizationId: string;
  /** `credit`: money added (positive); `charge`: a call's real cost (negative). */
  kind: 'credit' | 'charge';
  amountMicroUsd: number;
  balanceAfterMicroUsd: number;
  /** The call a charge paid for. */
  requestId: string | null;
  note: string | null;
  createdAt: Date;
};

/** Prepaid balances: reserve a call's worst case, settle to its real cost, credit top-ups. */
export interface BalanceStore {
  /** Undefined when the organization has no balance (it does not run prepaid). */
  get(organizationId: string, now?: number): Promise<Balance | undefined>;
  /**
   * Reserves `amountMicroUsd` for one call when the available balance covers it (atomic across replicas);
   * otherwise reserves nothing. Reservations lapse at `expiresAt` (a call that never settled).
   */
  reserve(input: { organizationId: string; requestId: string; amountMicroUsd: number; now: number; expiresAt: number }): Promise<{
    reserved: boolean;
    availableMicroUsd: number;
  }>;
  /** Drops the call's reservation and charges its real cost once (a repeated settle charges nothing). */
  settle(input: { organizationId: string; requestId: string; costMicroUsd: number; now: number; id: string }): Promise<BalanceTransaction | undefined>;
  /** Adds money (creating the balance at zero first): the organization runs prepaid from then on. */
  credit(input: { organizationId: string; amountMicroUsd: number; note: string | null; now: number; id: string }): Promise<BalanceTransaction>;
  /** Newest first. */
  listTransactions(organizationId: string, query?: ListQuery): Promise<BalanceTransaction[]>;
}

/** Organizations, users, keys, provider credentials, audit and the event outbox. */
export interface AccessStore {
  /**
   * First start: creates the operator organization, its admin user and admin key in one transaction,
   * unless any organization exists already (then nothing is written and `false` is returned).
   * Safe when several gateways start at once on one database: exactly one of them returns `true`.
   */
  bootstrap(input: { organization: Organization; user: User; key: ApiKeyRecord; audit: AuditEntry[] }): Promise<boolean>;

  createOrganization(organization: Organization, extras?: { user?: User; key?: ApiKeyRecord; audit?: AuditEntry[] }): Promise<void>;
  getOrganization(id: string): Promise<Organization | undefined>;
  /** Changes the plan and/or own limits; undefined when there is no such organization. */
  updateOrganization(
    id: string,
    patch: Partial<Pick<Organization, 'plan' | 'limits'>>,
    audit?: AuditEntry[],
  ): Promise<Organization | undefined>;
  listOrganizations(query?: ListQuery): Promise<Organization[]>;

  /** Throws `DuplicateError` when the email is taken. */
  createUser(user: User, audit?: AuditEntry[]): Promise<void>;
  getUser(organizationId: string, id: string): Promise<User | undefined>;
  /** Any organization; `email` is compared lower-cased. */
  findUserByEmail(email: string): Promise<User | undefined>;
  listUsers(organizationId: string, query?: ListQuery): Promise<User[]>;
  /** Returns the updated user, or undefined when it is not in that organization. */
  updateUser(
    organizationId: string,
    id: string,
    patch: Partial<Pick<User, 'role' | 'passwordHash' | 'disabledAt'>>,
    audit?: AuditEntry[],
  ): Promise<User | undefined>;

  /** Inserts the key, its audit rows and outbox events in one transaction. */
  createApiKey(key: ApiKeyRecord, extras?: { audit?: AuditEntry[]; events?: OutboxEvent[] }): Promise<void>;
  findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(organizationId: string, id: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. Revoked keys are included only when asked. */
  listApiKeys(organizationId: string, query?: ListQuery & { includeRevoked?: boolean }): Promise<ApiKeyRecord[]>;
  /** Sets revoked_at when not yet revoked; returns the key as it now is, undefined when not in that organization. */
  revokeApiKey(organizationId: string, id: string, at: Date, audit?: AuditEntry[]): Promise<ApiKeyRecord | undefined>;
  /**
   * Rotation in one transaction: inserts `replacement` and ends the old key, either revoking it now
   * (`oldKeyEndsAt` undefined) or moving its expiry to `oldKeyEndsAt` (a grace period) when that is sooner.
   * Returns false (and writes nothing) when the old key is not in that organization or is already revoked.
   */
  rotateApiKey(
    organizationId: string,
    id: string,
    replacement: ApiKeyRecord,
    options: { at: Date; oldKeyEndsAt?: Date; audit?: AuditEntry[]; events?: OutboxEvent[] },
  ): Promise<boolean>;
  /** Best effort, may be batched: records that a key was used. */
  touchApiKey(id: string, at: Date): Promise<void>;

  /** Throws `DuplicateError` when the organization already has a credential of that provider and name. */
  createProviderCredential(credential: ProviderCredentialRecord, audit?: AuditEntry[]): Promise<void>;
  getProviderCredential(organizationId: string, id: string): Promise<ProviderCredentialRecord | undefined>;
  /** Ordered by provider, then name. */
  listProviderCredentials(organizationId: string, provider?: string): Promise<ProviderCredentialRecord[]>;
  /** Replaces the sealed key and sets rotated_at; undefined when not in that organization. */
  rotateProviderCredential(
    organizationId: string,
    id: string,
    sealedKey: string,
    at: Date,
    audit?: AuditEntry[],
  ): Promise<ProviderCredentialRecord | undefined>;
  deleteProviderCredential(organizationId: string, id: string, audit?: AuditEntry[]): Promise<boolean>;

  recordAudit(entries: AuditEntry[]): Promise<void>;
  /** Appends events to the outbox (e.g. `usage.limit_reached`), for webhook delivery. */
  recordEvents(events: OutboxEvent[]): Promise<void>;
  /** Newest first; optionally one action. */
  listAudit(organizationId: string, query?: ListQuery & { action?: string }): Promise<AuditEntry[]>;
  /** Newest first. */
  listOutboxEvents(organizationId: string, query?: ListQuery & { type?: string }): Promise<OutboxEvent[]>;
}

/** A unique constraint refused the write (an email, a credential name); `field` names it for the client. */
export class DuplicateError extends Error {
  override name = 'DuplicateError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whose calls a usage query covers: an organization's, or within it one API key's or one user's. */
export type UsageOwner = { organizationId: string; apiKeyId?: string; userId?: string };

/** One model's share of a usage summary: integer sums over the ledger (money in micro-USD). */
export type ModelUsage = {
  /** The model as the client named it. */
  model: string;
  calls: number;
  /** Calls answered from the response cache (`cache_status` HIT). */
  cacheHits: number;
  /** Calls that ended with an HTTP status of 400 or more (499: the client went away). */
  failedCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costMicroUsd: number;
};

/** The totals over every model, and the models ordered by calls (most first), then name. */
export type UsageSummary = Omit<ModelUsage, 'model'> & { byModel: ModelUsage[] };

/** `withoutRunCalls`: leave out the model calls of prompt runs (request ids `<run id>-m<n>`), which their run shows. */
export type UsageHistoryQuery = UsageOwner & { limit?: number; offset?: number; model?: string; withoutRunCalls?: boolean };

/** Reads over the ledger (request_log) for the platform API; every query is confined to one organization. */
export interface UsageQueries {
  /** Calls created in [from, to); an absent bound is open. */
  summarize(query: UsageOwner & { from?: Date; to?: Date }): Promise<UsageSummary>;
  /** Newest first; `limit` defaults to 50 and is capped at 1000; `total` counts every matching call. */
  history(query: UsageHistoryQuery): Promise<{ total: number; entries: RequestLogEntry[] }>;
}

/** A model group an organization defined: a public model name served, for that organization only, by its deployments. */
export type RoutingGroupRecord = {
  organizationId: string;
  name: string;
  /** The definition as the platform API validated and stored it (JSON; references credentials by id, never a key). */
  definition: unknown;
  createdAt: Date;
  updatedAt: Date;
};

export type PutRoutingGroupInput = { organizationId: string; name: string; definition: unknown; at: Date; maxGroups: number };
/** `limitReached`: a new group would pass `maxGroups`, and nothing was written. */
export type PutRoutingGroupResult = { created: boolean; record: RoutingGroupRecord } | { limitReached: true };

/** Organizations' own model groups; every call is confined to one organization. */
export interface RoutingGroupStore {
  /** Ordered by name. */
  list(organizationId: string): Promise<RoutingGroupRecord[]>;
  get(organizationId: string, name: string): Promise<RoutingGroupRecord | undefined>;
  /** Creates the group, or replaces its definition (keeping `createdAt`). */
  put(input: PutRoutingGroupInput): Promise<PutRoutingGroupResult>;
  /** False when there was no such group. */
  delete(organizationId: string, name: string): Promise<boolean>;
}

/** A prompt run of the platform API: a fan-out answered at once, or an async prompt job. */
export type PromptRunRecord = {
  id: string;
  organizationId: string;
  apiKeyId: string | null;
  userId: string | null;
  kind: 'execute' | 'job';
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  /** The prompt or messages and the sampling parameters, as the API took them. */
  request: Record<string, unknown>;
  models: string[];
  /** Each model's result as the API shows it; null until there is one. */
  results: unknown[] | null;
  totalTokens: number;
  totalCostMicroUsd: number;
  createdAt: Date;
  completedAt: Date | null;
  /** Jobs: 0 high, 1 normal, 2 low (a fan-out answered at once is 1). */
  priority?: number;
  /** Jobs: who submitted it, as authenticated then (ids, scope, domains, limits; never a secret). */
  principal?: Record<string, unknown> | null;
};

/** A job claimed by one replica for `leaseMs`, renewed while it runs. */
export type JobClaim = { workerId: string; now: number; leaseMs: number; perOrganization: number };

export type PromptRunQuery = UsageOwner & { limit: number; offset: number; model?: string };

export interface PromptRunStore {
  /** Inserts the run, or replaces what changes of one saved before (status, results, totals, completion). */
  save(run: PromptRunRecord): Promise<void>;
  get(owner: UsageOwner, id: string): Promise<PromptRunRecord | undefined>;
  /** Newest first; `model` keeps the runs that asked that model. */
  list(query: PromptRunQuery): Promise<{ total: number; runs: PromptRunRecord[] }>;
  /**
   * Takes the next queued job (highest priority, then oldest) of an organization running fewer than
   * `perOrganization`, for this worker alone; jobs whose lease ran out go back to the queue first.
   */
  claimJob(claim: JobClaim): Promise<PromptRunRecord | undefined>;
  /** Saves a claimed job's progress and extends its lease; false when it is no longer this worker's (cancelled, reclaimed). */
  updateClaimed(run: PromptRunRecord, workerId: string, claimedUntil: number | null): Promise<boolean>;
  /** Cancels a queued or running job of the owner: the job as it is now (`cancelled`: by this call), or undefined when there is none. */
  cancel(owner: UsageOwner, id: string, at: Date): Promise<{ run: PromptRunRecord; cancelled: boolean } | undefined>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly requestLog: RequestLog;
  readonly access: AccessStore;
  readonly usage: UsageQueries;
  readonly balances: BalanceStore;
  readonly bodies: RequestBodyLog;
  readonly routingGroups: RoutingGroupStore;
  readonly promptRuns: PromptRunStore;
  readonly webhooks: WebhookRepository;
  /** Flushes pending writes (logging what cannot be written) and closes connections. Never rejects for a failed write. */
  close(): Promise<void>;
}
