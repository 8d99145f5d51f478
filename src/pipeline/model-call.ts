// One model call on any surface (OpenAI, Anthropic, Gemini, simple): plan the deployments it may use, count it
// against the caller's limits once, then make attempts until one answers. Each attempt has its own meter (a
// ledger row, linked to the request by its id), credential, deadline and abort signal.
//
// An attempt that fails before its first byte reaches the client falls through to the next candidate when the
// failure is the provider's (429, 5xx, timeouts, connection errors, a credential it refused), never when it is
// the client's own (4xx). Candidates are the model's deployments, then the request's fallbacks, then the
// group's; `retries` more rounds over them follow, with exponential backoff and full jitter, honouring an
// upstream's Retry-After up to `maxRetryAfterMs`. A stream that sends no first chunk within `firstTokenMs`
// fails the attempt. Once the client has a byte, a failure ends the stream with the dialect's error event.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Capability } from '../core/catalogue.js';
import type { ChatResult, EmbedResult, StreamPart, Usage } from '../core/chat.js';
import type { ForwardedResponse } from '../providers/spec.js';
import type { CircuitBreakers } from '../state/circuit-breakers.js';
import { GatewayError, toGatewayError } from '../core/errors.js';
import type { Exchange } from '../http/server.js';
import type { CredentialVault, OrganizationCredentials } from '../identity/credential-vault.js';
import type { ProviderConnection } from '../providers/registry.js';
import type { CallContext } from '../providers/spec.js';
import type { RequestLogEntry } from '../store/types.js';
import { blameBroughtKey, type CredentialSource } from './call-credential.js';
import { captureBodies, type BodyCapture } from './body-capture.js';
import { CallMeter, type MeterPorts } from './call-meter.js';
import type { ModelDirectory, Route } from './model-directory.js';
import { hedgeLost } from './stream-prime.js';
import type { DeploymentStats } from './routing/deployment-stats.js';
import { applyLimits } from './call-admission.js';
import { serveHit } from './cache/cache-hit.js';
import { CommitGate } from './routing/commit-gate.js';
import { requestFallbacks, withRequestTimeouts } from './routing/request-options.js';
import type { Candidate, Deployment, Router, RoutingPolicy } from './routing/router.js';
import { SettlementGroup } from './routing/settlement-group.js';
import { CacheRecorder, decideCaching, lookUp, type CacheDecision, type CacheSpec, type ResponseCaching } from './cache/response-caching.js';
import type { CallLimits } from '../limits/call-limits.js';

export type ModelCallDeps = {
  directory: ModelDirectory;
  router: Router;
  stats: DeploymentStats;
  vault: CredentialVault;
  meter: MeterPorts;
  bodyLimit: number;
  /** How to reach a provider directly, for the same-dialect fast path of the front doors. */
  connectionFor?: (provider: string) => ProviderConnection | undefined;
  /** Limits of keys and organizations (requests, tokens, concurrency, spend, balance); absent: none. */
  limits?: CallLimits;
  /** The optional body log (logging.bodies); absent: off. */
  bodies?: BodyCapture;
  /** Breakers of upstream deployments; absent: every deployment is always tried. */
  breakers?: CircuitBreakers;
  /** Most fallback models one request may name. */
  maxRequestFallbacks?: number;
  /** The response cache; absent: off (every call answers X-Cache: SKIP). */
  cache?: ResponseCaching;
  random?: () => number;
};

export type ModelCall = {
  route: Route;
  meter: CallMeter;
  context: CallContext;
  credential: CredentialSource;
  /** The deployment this attempt uses. */
  deployment: Deployment;
  /** No other attempt can follow this one: a relayed provider error then goes to the client as the provider sent it. */
  last: boolean;
  /** Whether the client asked for a stream (a JSON answer commits when it is complete; see CallMeter.commit). */
  stream: boolean;
  /** Records this attempt's answer in the response cache (see upstream() and the relays); absent: not cached. */
  cache?: CacheRecorder;
};

export type ModelCallRequest = {
  model: string;
  capability: Capability;
  endpoint: RequestLogEntry['endpoint'];
  stream: boolean;
  /** The parsed request, for the token and cost estimate of limits that need one. */
  body: unknown;
  /** Fallback models named in the body (`models` after the first, `fallbacks`). */
  fallbacks?: readonly string[];
  /** How the surface answers from the response cache; absent: the call is never cached. */
  cache?: CacheSpec;
};

/** Serves the call through one attempt: throws before the client's first byte to fall through, else ends the response. */
export type ServeAttempt = (call: ModelCall) => Promise<void>;

const none: OrganizationCredentials = { has: () => false, next: () => undefined, byId: () => undefined };

export async function runModelCall(deps: ModelCallDeps, exchange: Exchange, request: ModelCallRequest, serve: ServeAttempt): Promise<void> {
  const { principal } = exchange;
  const byok = principal?.providerKey;
  let stored = none;
  if (byok === undefined && principal?.organizationId != null) {
    const loaded = deps.vault.load(principal.organizationId);
    stored = loaded instanceof Promise ? await loaded : loaded;
  }
  const fallbacks = requestFallbacks(exchange, request.fallbacks ?? [], deps.maxRequestFallbacks ?? 5);
  // The organization's own model groups, read (and cached a few seconds) before planning.
  const organizationId = principal?.organizationId ?? null;
  const preparing = deps.router.prepare(organizationId);
  if (preparing instanceof Promise) await preparing;
  const plan = deps.router.plan({
    organizationId,
    model: request.model,
    capability: request.capability,
    fallbacks,
    canReach: byok === undefined ? stored.has : () => true,
    singleProvider: byok !== undefined,
  });
  const policy = withRequestTimeouts(plan.policy, exchange);
  const first = plan.candidates[0]!;
  const caching = cacheDecision(deps, exchange, request, first);
  if (caching.status === 'MISS' && caching.read) {
    const answer = await lookUp(deps.cache!, caching.key);
    if (answer !== undefined) return serveHit(deps, exchange, request, first, answer);
  }
  const admitted = applyLimits(deps.limits, exchange, { requestId: exchange.requestId, body: request.body, entry: first.route.entry });
  const group = new SettlementGroup(admitted instanceof Promise ? await admitted : admitted);
  captureBodies(deps.bodies, exchange, request.body);

  const deadline = exchange.startedAt + policy.timeouts.totalMs;
  const random = deps.random ?? Math.random;
  const gate = new CommitGate();
  const state: RunState = { attempt: 0, lastError: undefined, waitHint: 0, tried: new Set() };
  try {
    for (let round = 0; round <= policy.retries.retries; round++) {
      if (round > 0) {
        if (state.waitHint > policy.retries.maxRetryAfterMs) break;
        const backoff = random() * Math.min(policy.retries.maxDelayMs, policy.retries.baseDelayMs * 2 ** (round - 1));
        const delay = Math.max(backoff, state.waitHint);
        if (performance.now() + delay >= deadline) break;
        state.waitHint = 0;
        await sleep(delay, undefined, { signal: exchange.signal }).catch(() => undefined);
        if (exchange.signal.aborted) break;
      }
      const { usable, probes } = await closedCandidates(deps.breakers, plan.candidates);
      const served = await runRound(deps, exchange, request, serve, {
        candidates: usable,
        caching,
        finalRound: round === policy.retries.retries,
        stored,
        policy,
        deadline,
        group,
        gate,
        state,
      });
      // Probes elected for deployments this round never reached go back, for another request to use.
      for (const probe of probes) if (!state.tried.has(probe)) deps.breakers!.cancelProbe(probe);
      if (served || state.attempt >= policy.retries.maxAttempts || performance.now() >= deadline) break;
    }
    if (gate.committed) return;
    if (state.lastError !== undefined) throw state.lastError;
    throw new GatewayError('upstream_timeout', `No attempt could start within the request's ${policy.timeouts.totalMs} ms.`);
  } finally {
    group.close();
  }
}

/** What the response cache does for this call (SKIP without a cache or a surface that replays); sets X-Cache. */
function cacheDecision(deps: ModelCallDeps, exchange: Exchange, request: ModelCallRequest, first: Candidate): CacheDecision {
  let decision: CacheDecision = { status: 'SKIP', reason: 'off' };
  if (deps.cache !== undefined && request.cache !== undefined) {
    // The model after aliasing: a configured group by its name (any of its deployments may answer), else the entry.
    const { entry } = first.route;
    // An organization's own group is named with its owner (`org:<id>/<group>`), so a shared cache keeps them apart.
    const { id, grouped } = first.deployment;
    const model = id.startsWith('org:') ? `group:${id.slice(0, id.lastIndexOf('/'))}` : grouped ? `group:${request.model}` : `${entry.provider}/${entry.upstreamId}`;
    decision = decideCaching(deps.cache, exchange, request.cache, model, request.body);
  }
  exchange.response.setHeader('x-cache', decision.status);
  return decision;
}

type RunState = { attempt: number; lastError: GatewayError | undefined; waitHint: number; tried: Set<string> };

/**
 * The candidates whose breakers let them be tried (closed, or half-open with this request as the probe). When
 * every one is open, all of them are tried anyway: a breaker steers traffic, it never refuses a request alone.
 */
async function closedCandidates(breakers: CircuitBreakers | undefined, candidates: readonly Candidate[]): Promise<{ usable: readonly Candidate[]; probes: string[] }> {
  if (breakers === undefined) return { usable: candidates, probes: [] };
  let usable: Candidate[] | undefined;
  const probes: string[] = [];
  for (const [index, candidate] of candidates.entries()) {
    const pending = breakers.check(candidate.deployment.id);
    const verdict = pending instanceof Promise ? await pending : pending;
    if (verdict === 'probe') probes.push(candidate.deployment.id);
    if (verdict === 'open') usable ??= candidates.slice(0, index);
    else usable?.push(candidate);
  }
  if (usable === undefined) return { usable: candidates, probes };
  return { usable: usable.length === 0 ? candidates : usable, probes };
}

type RoundPlan = {
  candidates: readonly Candidate[];
  caching: CacheDecision;
  finalRound: boolean;
  stored: OrganizationCredentials;
  policy: RoutingPolicy;
  deadline: number;
  group: SettlementGroup;
  gate: CommitGate;
  state: RunState;
};

/**
 * One round over the candidates, in order. The next candidate starts when every attempt running has failed
 * in a way that falls through, or (hedging) when the one running has sent no first token within the hedge
 * delay: then two run at once, the first to commit wins and the other is cancelled. Resolves true when an
 * attempt served the client, false when every candidate failed (the last error in `state`); rejects with an
 * error that must reach the client as it is.
 */
function runRound(deps: ModelCallDeps, exchange: Exchange, request: ModelCallRequest, serve: ServeAttempt, round: RoundPlan): Promise<boolean> {
  const { candidates, policy, state, gate } = round;
  const hedge = policy.hedge;
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let settled = false;
    let hedgeTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(hedgeTimer);
      outcome();
    };
    const launch = (): boolean => {
      if (next >= candidates.length || state.attempt >= policy.retries.maxAttempts || performance.now() >= round.deadline) return false;
      if (exchange.signal.aborted || gate.committed) return false;
      const index = next++;
      const candidate = candidates[index]!;
      state.attempt += 1;
      state.tried.add(candidate.deployment.id);
      const attempt = state.attempt;
      const last = attempt === policy.retries.maxAttempts || (round.finalRound && index === candidates.length - 1);
      running += 1;
      const plan: AttemptPlan = { candidate, attempt, last, stored: round.stored, policy, deadline: round.deadline, group: round.group, gate, caching: round.caching };
      runAttempt(deps, exchange, request, plan, serve).then(
        () => finish(() => resolve(true)),
        (caught: unknown) => {
          running -= 1;
          if (settled) return;
          const error = toGatewayError(caught);
          // Another attempt answered first: this one was cancelled, and its row says so.
          if (gate.committed && !gate.isWinner(attempt)) return;
          if (gate.isWinner(attempt) || exchange.response.headersSent || exchange.signal.aborted || !fallsThrough(error)) {
            gate.cancelAll(error);
            finish(() => reject(error));
            return;
          }
          state.lastError = error;
          if (error.retryAfter !== undefined) state.waitHint = Math.max(state.waitHint, error.retryAfter * 1000);
          if (running === 0 && !launch()) finish(() => resolve(false));
        },
      );
      if (hedge !== null && next < candidates.length) {
        clearTimeout(hedgeTimer);
        const delay = hedgeDelay(deps, hedge, candidate.deployment.id);
        hedgeTimer = setTimeout(() => {
          if (!settled && !gate.committed && running < 2) launch();
        }, delay);
        hedgeTimer.unref?.();
      }
      return true;
    };
    if (!launch()) finish(() => resolve(false));
  });
}

/** The fixed delay, or the deployment's recent p95 time to first token (at least `minDelayMs`). */
function hedgeDelay(deps: ModelCallDeps, hedge: NonNullable<RoutingPolicy['hedge']>, deployment: string): number {
  if (hedge.delayMs !== 'p95') return hedge.delayMs;
  return Math.max(hedge.minDelayMs, deps.stats.p95(deployment) ?? hedge.minDelayMs);
}

type AttemptPlan = {
  candidate: Candidate;
  caching: CacheDecision;
  attempt: number;
  last: boolean;
  stored: OrganizationCredentials;
  policy: RoutingPolicy;
  deadline: number;
  group: SettlementGroup;
  gate: CommitGate;
};

async function runAttempt(deps: ModelCallDeps, exchange: Exchange, request: ModelCallRequest, plan: AttemptPlan, serve: ServeAttempt): Promise<void> {
  const { candidate, attempt, policy } = plan;
  const { deployment, route } = candidate;
  const { apiKey, source, credential } = credentialFor(exchange, candidate, plan.stored);
  const { response } = exchange;
  // What served the answer: set for every attempt (an error response names the last one tried) and again at
  // the commit point, so that with hedging the headers name the attempt that won.
  const describeAttempt = () => {
    if (response.headersSent || (plan.gate.describedBy === attempt && plan.gate.describedAttempts === plan.gate.attempts)) return;
    plan.gate.describedBy = attempt;
    plan.gate.describedAttempts = plan.gate.attempts;
    response.setHeader('x-provider', route.entry.provider);
    response.setHeader('x-switchyard-model', `${route.entry.provider}/${route.entry.upstreamId}`);
    response.setHeader('x-switchyard-deployment', deployment.id);
    response.setHeader('x-switchyard-attempts', String(plan.gate.attempts));
  };
  plan.gate.attempts = Math.max(plan.gate.attempts, attempt);
  describeAttempt();
  const startedAt = attempt === 1 ? exchange.startedAt : performance.now();
  const meter = new CallMeter(deps.meter, {
    requestId: attempt === 1 ? exchange.requestId : `${exchange.requestId}.${attempt}`,
    groupRequestId: exchange.requestId,
    attempt,
    deployment: deployment.id,
    endpoint: request.endpoint,
    requested: request.model,
    entry: route.entry,
    stream: request.stream,
    startedAt,
    principal: exchange.principal,
    credential,
  });
  if (plan.caching.status === 'MISS') meter.cacheStatus = 'MISS';
  meter.settleWith(plan.group.part());
  meter.commitWith(() => {
    const won = plan.gate.claim(attempt);
    if (won) describeAttempt();
    return won;
  });

  // The attempt's own signal: the client leaving aborts it, and so do its deadlines.
  const controller = new AbortController();
  plan.gate.join(attempt, controller);
  const onClientGone = () => controller.abort(exchange.signal.reason);
  if (exchange.signal.aborted) onClientGone();
  else exchange.signal.addEventListener('abort', onClientGone, { once: true });
  const now = performance.now();
  const firstTokenBy = Math.min(now + policy.timeouts.firstTokenMs, plan.deadline);
  // One timer: the first-token deadline, then (once committed) the request's total deadline.
  const abortAt = (reason: GatewayError) => controller.abort(reason);
  const totalTimeout = () =>
    new GatewayError('upstream_timeout', `The request's time limit (${policy.timeouts.totalMs} ms) passed.`, {
      provider: route.entry.provider,
      publicCode: 'request_timeout',
    });
  let timer = setTimeout(() => {
    if (!response.headersSent) {
      const total = firstTokenBy >= plan.deadline;
      abortAt(
        total
          ? totalTimeout()
          : new GatewayError('upstream_timeout', `'${deployment.id}' sent no first token within ${policy.timeouts.firstTokenMs} ms.`, {
              provider: route.entry.provider,
              publicCode: 'first_token_timeout',
            }),
      );
      return;
    }
    timer = setTimeout(() => abortAt(totalTimeout()), Math.max(0, plan.deadline - performance.now()));
  }, Math.max(0, firstTokenBy - now));
  const context: CallContext = {
    requestId: exchange.requestId,
    signal: controller.signal,
    timeouts: { idleMs: policy.timeouts.idleMs },
    onAbandonedUsage: (usage) => meter.noteAbandonedUsage(usage),
  };
  if (apiKey !== undefined) context.apiKey = apiKey;
  const call: ModelCall = { route, meter, context, credential: source, deployment, last: plan.last, stream: request.stream };
  if (plan.caching.status === 'MISS') {
    const origin = { provider: route.entry.provider, model: `${route.entry.provider}/${route.entry.upstreamId}`, deployment: deployment.id };
    call.cache = new CacheRecorder(deps.cache!, plan.caching.key, request.cache!, origin, request.stream);
  }
  deps.stats.started(deployment.id);
  try {
    await serve(call);
    const ttft = meter.firstTokenMs;
    if (ttft !== undefined) deps.stats.firstToken(deployment.id, ttft);
    deps.breakers?.record(deployment.id, true);
  } catch (caught) {
    const error = toGatewayError(blameBroughtKey(caught, source));
    // The provider's failures count against its breaker; the client's mistakes and cancelled hedges do not.
    if (fallsThrough(error) && error.code !== 'upstream_auth') deps.breakers?.record(deployment.id, false);
    // Every attempt that reached the provider leaves its row, however it failed (a request the surface refused
    // before calling the provider leaves none).
    if (!meter.finished && (error.provider !== undefined || controller.signal.aborted)) meter.failed(error);
    throw error;
  } finally {
    clearTimeout(timer);
    exchange.signal.removeEventListener('abort', onClientGone);
    plan.gate.leave(attempt);
    deps.stats.ended(deployment.id);
  }
}

/** The provider's failures fall through to the next candidate; the client's own mistakes do not. */
function fallsThrough(error: GatewayError): boolean {
  if (error.code === 'upstream_auth') return true;
  if (error.code === 'client_closed' || error.code === 'internal') return false;
  return error.retryable;
}

/** BYOK (the client's key, for the primary provider) > a deployment's own key > the organization's stored key > the server's. */
function credentialFor(exchange: Exchange, candidate: Candidate, stored: OrganizationCredentials): { apiKey: string | undefined; source: CredentialSource; credential: string } {
  const byok = exchange.principal?.providerKey;
  if (byok !== undefined) return { apiKey: byok, source: 'byok', credential: 'byok' };
  if (candidate.deployment.ownKey) return { apiKey: undefined, source: 'server', credential: `deployment:${candidate.deployment.id}` };
  const bound = candidate.deployment.credentialId;
  if (bound !== undefined) {
    // An organization's group names the stored credential to use: never the server's key instead.
    const key = stored.byId(bound);
    if (key === undefined) {
      throw new GatewayError('unavailable', `The stored credential '${bound}' of deployment '${candidate.deployment.id}' no longer exists.`, {
        publicCode: 'credential_unavailable',
      });
    }
    return { apiKey: key.key, source: 'organization', credential: key.id };
  }
  const storedKey = stored.next(candidate.route.entry.provider);
  if (storedKey === undefined) return { apiKey: undefined, source: 'server', credential: 'server' };
  return { apiKey: storedKey.key, source: 'organization', credential: storedKey.id };
}

/**
 * The same-dialect fast path: when the model's provider speaks the client's dialect, its connection (the
 * request is then relayed in the provider's own format, unknown fields included, and only the model renamed).
 * Only for a deployment served with the provider's own settings (its connection is the provider's).
 */
export function sameDialectConnection(deps: ModelCallDeps, call: ModelCall, dialect: ProviderConnection['dialect']) {
  const connection = deps.connectionFor?.(call.route.entry.provider);
  if (connection === undefined || connection.dialect !== dialect || call.route.adapter.dialect !== dialect) return undefined;
  return call.deployment.grouped ? undefined : connection;
}

/** Awaits the provider; an error here is before the first byte, so the call is metered as failed and rethrown. */
export async function upstream<T>(call: Pick<ModelCall, 'meter' | 'credential'> & Partial<Pick<ModelCall, 'stream' | 'cache'>>, promise: Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await promise;
  } catch (caught) {
    const error = toGatewayError(blameBroughtKey(caught, call.credential));
    call.meter.failed(error);
    throw error;
  }
  // A JSON answer is complete here: its commit point. A stream commits at its first chunk (stream-prime.ts).
  if (call.stream === false && !call.meter.commit()) {
    const usage = (result as { usage?: unknown }).usage;
    const error = hedgeLost();
    call.meter.failed(error, typeof usage === 'object' && usage !== null ? (usage as Usage) : undefined);
    throw error;
  }
  return call.cache === undefined ? result : (recordAnswer(call.cache, result) as T);
}

/**
 * Hands an adapter's answer to the response cache: a ChatResult or EmbedResult as it is, a neutral stream
 * tapped as it passes, a forwarded (same-dialect) answer as its bytes.
 */
function recordAnswer(cache: CacheRecorder, result: unknown): unknown {
  if (typeof result !== 'object' || result === null) return result;
  if (Symbol.asyncIterator in result) return cache.tapParts(result as AsyncIterable<StreamPart>);
  if ('kind' in result && 'contentType' in result) return cache.forwarded(result as ForwardedResponse);
  if ('embeddings' in result) cache.embed(result as EmbedResult);
  else if ('choices' in result) cache.chat(result as ChatResult);
  return result;
}
