// Async prompt jobs (seed 000 POST /api/prompt/create; seed 002's 202 flow): a fan-out queued in the database
// and answered later. The submitter gets 202 and the job's id at once; GET /api/prompts/{id} shows it queued,
// running, completed, failed or cancelled; POST /api/prompts/{id}/cancel stops it. When every model has
// answered, `prompt.completed` is recorded and the result goes to `callback_url` (signed, see webhooks).
//
// The queue is the prompt_runs table: any replica claims the next job (priority, then age) for a lease it
// renews while it runs, within a per-organization concurrency; a replica that dies gives its jobs back when
// the lease runs out. A model is called at most once: it is marked running (saved) before its call, and a
// job taken over after a crash reports such a model as interrupted instead of calling it again.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Principal } from '../../access/principal.js';
import { GatewayError } from '../../core/errors.js';
import type { Exchange, Route } from '../../http/server.js';
import type { Logger } from '../../observability/logger.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';
import type { AccessStore, PromptRunRecord, PromptRunStore, UsageOwner } from '../../store/types.js';
import { emptyResult, fanOutFields, onePrompt, runFanOutModel, type FanOutInput, type ModelResult } from './fan-out.js';
import { param, principalOf, readJson, renderPlatformError, sendOk } from './platform-io.js';
import { runView } from './prompt-history.js';
import { forbiddenAddressReason, parseAddress } from '../../webhooks/address-policy.js';

export type JobOptions = {
  maxModels: number;
  maxTimeoutMs: number;
  /** Jobs this replica runs at once (0: it only queues them, for replicas that serve the API alone). */
  concurrency: number;
  /** Jobs of one organization running at once, over every replica. */
  perOrganization: number;
  leaseMs: number;
  pollMs: number;
  /** webhooks.allowPrivateAddresses: a callback may name a loopback or private address. */
  allowPrivateCallbacks?: boolean;
};

export type JobDeps = {
  model: ModelCallDeps;
  runs: PromptRunStore;
  access: AccessStore;
  logger: Logger;
  options: JobOptions;
  /** A finished job (completed or failed): its event and its callback. */
  onFinished?: (run: PromptRunRecord) => Promise<void>;
  now?: () => number;
};

const priorities = { high: 0, normal: 1, low: 2 } as const;
const priorityNames = ['high', 'normal', 'low'] as const;

function jobSchema(options: JobOptions) {
  return z
    .object({
      ...fanOutFields(options),
      priority: z.enum(['high', 'normal', 'low']).nullable().optional(),
      callback_url: z
        .string()
        .url()
        .refine((url) => /^https?:\/\//i.test(url), 'must be an http or https URL')
        .nullable()
        .optional(),
    })
    .refine(...onePrompt);
}

export function promptJobRoutes(deps: JobDeps, runner: JobRunner): Route[] {
  const schema = jobSchema(deps.options);
  const now = deps.now ?? Date.now;
  const prompts = { scope: 'generator', domain: 'prompts' } as const;
  return [
    {
      method: ['POST'],
      path: '/api/prompt/create',
      access: prompts,
      renderError: renderPlatformError,
      async handler(exchange: Exchange) {
        const caller = principalOf(exchange);
        const body = await readJson(exchange, schema, deps.model.bodyLimit);
        if (caller.providerKey !== undefined) {
          throw new GatewayError('invalid_request', 'An async prompt cannot use a provider key you bring: the gateway does not keep it. Use a stored credential.', {
            param: 'X-Provider-Key',
          });
        }
        if (body.callback_url != null && deps.options.allowPrivateCallbacks !== true) refuseLiteralPrivate(body.callback_url);
        const { models, priority, ...request } = body;
        const createdAt = new Date(now());
        const run: PromptRunRecord = {
          id: exchange.requestId,
          organizationId: caller.organizationId,
          apiKeyId: caller.apiKeyId,
          userId: caller.userId,
          kind: 'job',
          status: 'queued',
          request: { ...definedOnly(request), priority: priority ?? 'normal' },
          models,
          results: null,
          totalTokens: 0,
          totalCostMicroUsd: 0,
          createdAt,
          completedAt: null,
          priority: priorities[priority ?? 'normal'],
          principal: snapshot(caller),
        };
        await deps.runs.save(run);
        runner.wake();
        sendOk(exchange, 202, { id: run.id, status: 'queued', priority: priority ?? 'normal', created_at: createdAt.toISOString(), prompt: runView(run) });
      },
    },
    {
      method: ['POST'],
      path: '/api/prompts/:promptId/cancel',
      access: prompts,
      renderError: renderPlatformError,
      async handler(exchange: Exchange) {
        const caller = principalOf(exchange);
        const id = param(exchange, 'promptId');
        const owner: UsageOwner = caller.scope === 'generator' ? ownCredential(caller) : { organizationId: caller.organizationId };
        const outcome = await deps.runs.cancel(owner, id, new Date(now()));
        if (outcome === undefined) throw new GatewayError('not_found', `There is no prompt '${id}' you can cancel.`, { param: 'id', publicCode: 'prompt_not_found' });
        const { run } = outcome;
        if (!outcome.cancelled) {
          throw new GatewayError('conflict', `The prompt '${id}' is ${run.status}: only a queued or running prompt can be cancelled.`, { publicCode: 'prompt_not_cancellable' });
        }
        runner.cancelled(id);
        sendOk(exchange, 200, { prompt: runView(run) });
      },
    },
  ];
}

export type JobRunner = {
  start(): void;
  /** Stops claiming jobs and waits for the ones running to end. */
  stop(): Promise<void>;
  /** Looks for work now (a job was queued). */
  wake(): void;
  /** A job cancelled through this replica: stop it at once if it runs here. */
  cancelled(id: string): void;
  /** Claims and runs what it can; resolves when those jobs ended (tests). */
  runOnce(): Promise<number>;
};

export function createJobRunner(deps: JobDeps): JobRunner {
  const { options } = deps;
  const now = deps.now ?? Date.now;
  const workerId = `worker-${randomUUID()}`;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let claiming: Promise<number> | undefined;

  async function claimAll(): Promise<number> {
    let started = 0;
    while (running.size < options.concurrency) {
      const job = await deps.runs.claimJob({ workerId, now: now(), leaseMs: options.leaseMs, perOrganization: options.perOrganization });
      if (job === undefined) break;
      const controller = new AbortController();
      const done = execute(job, controller).catch((error: unknown) => deps.logger.error({ err: error, jobId: job.id }, 'async prompt failed to run'));
      running.set(job.id, { controller, done: done.finally(() => {
        running.delete(job.id);
        if (!stopped) wake();
      }) });
      started += 1;
    }
    return started;
  }

  function claim(): Promise<number> {
    claiming ??= claimAll()
      .catch((error: unknown) => {
        deps.logger.error({ err: error }, 'could not claim async prompts');
        return 0;
      })
      .finally(() => {
        claiming = undefined;
      });
    return claiming;
  }

  function wake(): void {
    if (!stopped) setImmediate(() => void claim());
  }

  async function execute(job: PromptRunRecord, controller: AbortController): Promise<void> {
    const results: Array<(ModelResult & { state?: 'running' }) | null> = job.models.map((_model, index) => (job.results?.[index] as ModelResult | undefined) ?? null);
    // Taken over after a crash: a model that was running may have been called; it is not called again.
    for (const [index, result] of results.entries()) {
      if (result?.state === 'running') results[index] = interrupted(job.models[index]!, result.request_id);
    }
    const pending = job.models.flatMap((model, index) => (results[index] === null ? [{ model, index }] : []));
    const refusal = pending.length === 0 ? undefined : await submitterRefusal(job);
    const save = async (status: PromptRunRecord['status'], until: number | null) => {
      const done = results.filter((result): result is ModelResult => result !== null && result.state === undefined);
      const run: PromptRunRecord = {
        ...job,
        status,
        results,
        totalTokens: done.reduce((sum, result) => sum + result.tokens_used, 0),
        totalCostMicroUsd: done.reduce((sum, result) => sum + result.cost_micro_usd, 0),
        completedAt: until === null ? new Date(now()) : null,
      };
      if (!(await deps.runs.updateClaimed(run, workerId, until))) controller.abort(new GatewayError('client_closed', 'The prompt was cancelled.', { status: 499 }));
      return run;
    };
    for (const { model, index } of pending) {
      results[index] = refusal === undefined ? { ...emptyResult(model, `${job.id}-m${index + 1}`), state: 'running' } : failedResult(model, `${job.id}-m${index + 1}`, refusal);
    }
    await save('running', now() + options.leaseMs);
    const heartbeat = setInterval(() => void save('running', now() + options.leaseMs), Math.max(100, Math.floor(options.leaseMs / 3)));
    heartbeat.unref();
    try {
      if (refusal === undefined && !controller.signal.aborted) {
        const context = { principal: job.principal as unknown as Principal, requestId: job.id, signal: controller.signal, headers: {} };
        const input = job.request as FanOutInput & { timeout_ms?: number | null };
        const timeoutMs = input.timeout_ms ?? options.maxTimeoutMs;
        await Promise.all(
          pending.map(async ({ model, index }) => {
            results[index] = await runFanOutModel(deps.model, context, input, model, index, timeoutMs);
          }),
        );
      }
    } finally {
      clearInterval(heartbeat);
    }
    if (controller.signal.aborted) return;
    const finished = results.every((result) => result?.error !== undefined) ? 'failed' : 'completed';
    const run = await save(finished, null);
    if (controller.signal.aborted) return;
    await deps.onFinished?.(run).catch((error: unknown) => deps.logger.error({ err: error, jobId: run.id }, 'async prompt finished, but its event or callback could not be queued'));
  }

  /** The submitter's key must still be valid when the job runs: a key revoked since refuses every model. */
  async function submitterRefusal(job: PromptRunRecord): Promise<GatewayError | undefined> {
    if (job.apiKeyId === null) return undefined;
    const key = await deps.access.getApiKey(job.organizationId, job.apiKeyId);
    const at = now();
    if (key === undefined || (key.revokedAt !== null && key.revokedAt.getTime() <= at) || (key.expiresAt !== null && key.expiresAt.getTime() <= at)) {
      return new GatewayError('unauthenticated', 'The API key that submitted this prompt was revoked or expired before it ran.', { publicCode: 'api_key_revoked' });
    }
    return undefined;
  }

  return {
    start() {
      if (!stopped || options.concurrency === 0) return;
      stopped = false;
      timer = setInterval(() => void claim(), options.pollMs);
      timer.unref();
      wake();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await claiming;
      await Promise.allSettled([...running.values()].map((job) => job.done));
    },
    wake,
    cancelled(id) {
      running.get(id)?.controller.abort(new GatewayError('client_closed', 'The prompt was cancelled.', { status: 499 }));
    },
    async runOnce() {
      const started = await claim();
      await Promise.allSettled([...running.values()].map((job) => job.done));
      return started;
    },
  };
}

/**
 * A callback URL naming a forbidden address outright (an IP literal, localhost) is refused at once; a host name
 * is checked where it matters, on the address each delivery connects to.
 */
function refuseLiteralPrivate(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const reason = host.toLowerCase() === 'localhost' ? 'a loopback address' : parseAddress(host) === null ? null : forbiddenAddressReason(host);
  if (reason === null) return;
  throw new GatewayError('invalid_request', `callback_url names ${reason} (${host}); deliveries may not reach it unless the operator sets webhooks.allowPrivateAddresses.`, {
    param: 'callback_url',
  });
}

/** The submitter as it was authenticated: what limits and metering need, never a secret. */
function snapshot(caller: Principal): Record<string, unknown> {
  const { providerKey: _key, providerKeyHash: _hash, ...rest } = caller;
  return rest as Record<string, unknown>;
}

function ownCredential(caller: Principal & { organizationId: string }): UsageOwner {
  if (caller.apiKeyId !== null) return { organizationId: caller.organizationId, apiKeyId: caller.apiKeyId };
  if (caller.userId !== null) return { organizationId: caller.organizationId, userId: caller.userId };
  return { organizationId: caller.organizationId };
}

function failedResult(model: string, requestId: string, error: GatewayError): ModelResult {
  return { ...emptyResult(model, requestId), error: { status: error.status, code: error.publicCode ?? error.code, message: error.message } };
}

function interrupted(model: string, requestId: string): ModelResult {
  return {
    ...emptyResult(model, requestId),
    error: { status: 500, code: 'interrupted', message: 'The gateway stopped while this model was answering; it is not called twice.' },
  };
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value != null));
}

export { priorityNames };
