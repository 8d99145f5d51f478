// GET /api/usage-stats and GET /api/prompts/history: what an organization's (or one credential's) model
// calls used and cost, read from the ledger. Money leaves the store as integer micro-USD sums and becomes
// US dollars here, by one division per figure.
import type { Principal } from '../../access/principal.js';
import { GatewayError } from '../../core/errors.js';
import type { Exchange } from '../../http/server.js';
import { effectiveLimits, type Limits } from '../../limits/plans.js';
import { windowAt } from '../../limits/windows.js';
import type { ModelUsage, PromptRunStore, RequestLogEntry, UsageOwner, UsageQueries, UsageSummary } from '../../store/types.js';
import { iso, listQuery, param, principalOf, sendOk } from './platform-io.js';
import { mergedHistory, runView } from './prompt-history.js';

type Caller = Principal & { organizationId: string };

/** The limits of the caller's organization (its plan narrowed by its own limits); a key's own limits are applied on top here. */
export type LimitsFor = (principal: Caller) => Promise<Limits>;

export type UsageDeps = { usage: UsageQueries; limitsFor: LimitsFor; runs?: PromptRunStore; now?: () => number };

type Period = { name: 'month' | 'day' | 'all' | 'custom'; from?: Date; to?: Date };
type Scope = { name: 'organization' | 'key'; owner: UsageOwner };

const microUsdPerUsd = 1_000_000;

export function usageHandlers(deps: UsageDeps) {
  const now = deps.now ?? Date.now;
  return {
    async stats(exchange: Exchange) {
      const caller = principalOf(exchange);
      const search = searchOf(exchange);
      const scope = scopeOf(caller, search);
      const period = periodOf(search, now());
      const [summary, organizationLimits] = await Promise.all([
        deps.usage.summarize({ ...scope.owner, ...(period.from ? { from: period.from } : {}), ...(period.to ? { to: period.to } : {}) }),
        deps.limitsFor(caller),
      ]);
      const limits = scope.owner.apiKeyId === undefined ? organizationLimits : effectiveLimits(organizationLimits, caller.limits);
      sendOk(exchange, 200, { usage: statsView(summary, limits, scope, period) });
    },

    async history(exchange: Exchange) {
      const caller = principalOf(exchange);
      const { limit, offset, search } = listQuery(exchange);
      const scope = scopeOf(caller, search);
      const model = modelOf(search);
      const { total, history } = await mergedHistory(deps.usage, deps.runs, { ...scope.owner, limit, offset, ...(model === undefined ? {} : { model }) }, callView);
      sendOk(exchange, 200, { history, total, limit, offset });
    },

    /** GET /api/prompts/{id}: one prompt run (a fan-out, an async prompt) with its per-model results. */
    async run(exchange: Exchange) {
      const caller = principalOf(exchange);
      const scope = scopeOf(caller, searchOf(exchange));
      const id = param(exchange, 'promptId');
      const run = await deps.runs?.get(scope.owner, id);
      if (run === undefined) throw new GatewayError('not_found', `There is no prompt '${id}' ${scope.name === 'key' ? 'of this credential' : 'in this organization'}.`, { param: 'id', publicCode: 'prompt_not_found' });
      sendOk(exchange, 200, { prompt: runView(run) });
    },
  };
}

function searchOf(exchange: Exchange): URLSearchParams {
  const url = exchange.request.url ?? '/';
  const question = url.indexOf('?');
  return new URLSearchParams(question === -1 ? '' : url.slice(question + 1));
}

/** As listQuery() reports a bad `limit`: a 400 naming the parameter. */
const invalid = (param: string, message: string) => new GatewayError('invalid_request', message, { param });

/**
 * Whose calls: the organization's, or with `scope=key` the caller's own (an API key's, or a token's user's).
 * A generator credential only ever sees its own calls; the organization's need manager.
 */
function scopeOf(caller: Caller, search: URLSearchParams): Scope {
  const asked = search.get('scope');
  if (asked !== null && asked !== 'organization' && asked !== 'key') {
    throw invalid('scope', "Query parameter 'scope' must be 'organization' or 'key'.");
  }
  const organizationWide = asked === 'organization' || (asked === null && caller.scope !== 'generator');
  if (!organizationWide) return { name: 'key', owner: ownCalls(caller) };
  if (caller.scope === 'generator') {
    throw new GatewayError(
      'forbidden',
      `The organization's usage requires scope 'manager' or higher; ${caller.label} has scope 'generator' and sees its own calls only (scope=key).`,
      { publicCode: 'insufficient_scope', details: { required_scope: 'manager', scope: caller.scope } },
    );
  }
  return { name: 'organization', owner: { organizationId: caller.organizationId } };
}

function ownCalls(caller: Caller): UsageOwner {
  if (caller.apiKeyId !== null) return { organizationId: caller.organizationId, apiKeyId: caller.apiKeyId };
  if (caller.userId !== null) return { organizationId: caller.organizationId, userId: caller.userId };
  throw new GatewayError('forbidden', `${caller.label} has no calls of its own to show.`, { publicCode: 'insufficient_scope' });
}

/** `period=month|day|all` (UTC calendar month and day; default month), or `from`/`to` instead. */
function periodOf(search: URLSearchParams, now: number): Period {
  const name = search.get('period');
  const fromText = search.get('from');
  const toText = search.get('to');
  if (fromText !== null || toText !== null) {
    if (name !== null) throw invalid('period', "Give either 'period' or 'from'/'to', not both.");
    const from = fromText === null ? undefined : instant(fromText, 'from');
    const to = toText === null ? undefined : instant(toText, 'to');
    if (from !== undefined && to !== undefined && from >= to) throw invalid('from', "Query parameter 'from' must be before 'to'.");
    return { name: 'custom', ...(from === undefined ? {} : { from: new Date(from) }), ...(to === undefined ? {} : { to: new Date(to) }) };
  }
  if (name === null || name === 'month' || name === 'day') {
    const window = windowAt(name ?? 'month', now);
    return { name: name ?? 'month', from: new Date(window.start), to: new Date(window.end) };
  }
  if (name === 'all') return { name: 'all' };
  throw invalid('period', "Query parameter 'period' must be 'month', 'day' or 'all'.");
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const dateTimePattern = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 date (UTC midnight; as `to`, the end of that day, so the day is included) or date-time with
 * `Z` or an offset. `from` is inclusive, `to` exclusive.
 */
function instant(text: string, param: 'from' | 'to'): number {
  const bad = () => invalid(param, `Query parameter '${param}' must be an ISO 8601 date (2025-01-31) or date-time with a time zone (2025-01-31T12:00:00Z).`);
  if (datePattern.test(text)) {
    const day = calendarDay(text);
    if (day === undefined) throw bad();
    return param === 'to' ? day + 86_400_000 : day;
  }
  const dateTime = dateTimePattern.exec(text);
  if (dateTime === null || calendarDay(dateTime[1]!) === undefined) throw bad();
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw bad();
  return at;
}

/** Midnight UTC of a YYYY-MM-DD that names a real day (not 2025-02-30). */
function calendarDay(text: string): number | undefined {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  const at = Date.UTC(year, month - 1, day);
  return new Date(at).toISOString().slice(0, 10) === text ? at : undefined;
}

function modelOf(search: URLSearchParams): string | undefined {
  const model = search.get('model');
  if (model === null) return undefined;
  // Control characters (NUL above all) cannot be in a stored model name, and PostgreSQL refuses NUL in a parameter.
  if (model.length === 0 || model.length > 256 || /[\u0000-\u001f\u007f]/.test(model)) {
    throw invalid('model', "Query parameter 'model' must be a model name of 1 to 256 characters.");
  }
  return model;
}

const usd = (microUsd: number) => microUsd / microUsdPerUsd;

/** Requests as the limits count them: a call answered from the response cache is a tenth of one. */
const requestUnits = (usage: Pick<ModelUsage, 'calls' | 'cacheHits'>) => (10 * (usage.calls - usage.cacheHits) + usage.cacheHits) / 10;

function statsView(summary: UsageSummary, limits: Limits, scope: Scope, period: Period) {
  const requests = requestUnits(summary);
  return {
    current_usage: {
      prompts_used: requests,
      tokens_used: summary.promptTokens + summary.completionTokens,
      requests_this_month: requests,
    },
    limits: {
      prompts_per_month: limits.requestsPerMonth ?? null,
      tokens_per_month: limits.tokensPerMonth ?? null,
    },
    model_breakdown: Object.fromEntries(summary.byModel.map((usage) => [usage.model, usage.calls])),
    cost_breakdown: {
      total_cost: usd(summary.costMicroUsd),
      by_model: Object.fromEntries(summary.byModel.map((usage) => [usage.model, usd(usage.costMicroUsd)])),
    },
    extra: {
      currency: 'USD',
      scope: scope.name,
      organization_id: scope.owner.organizationId,
      api_key_id: scope.owner.apiKeyId ?? null,
      user_id: scope.owner.userId ?? null,
      period: { name: period.name, from: iso(period.from ?? null), to: iso(period.to ?? null) },
      calls: summary.calls,
      cache_hits: summary.cacheHits,
      failed_calls: summary.failedCalls,
      prompt_tokens: summary.promptTokens,
      completion_tokens: summary.completionTokens,
      cached_tokens: summary.cachedTokens,
      cache_write_tokens: summary.cacheWriteTokens,
      reasoning_tokens: summary.reasoningTokens,
      cost_micro_usd: summary.costMicroUsd,
      models: Object.fromEntries(summary.byModel.map((usage) => [usage.model, modelView(usage)])),
    },
  };
}

function modelView(usage: ModelUsage) {
  return {
    calls: usage.calls,
    requests: requestUnits(usage),
    cache_hits: usage.cacheHits,
    failed_calls: usage.failedCalls,
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    tokens: usage.promptTokens + usage.completionTokens,
    cost: usd(usage.costMicroUsd),
    cost_micro_usd: usage.costMicroUsd,
  };
}

/** One call of the ledger, never with its request or response body. */
function callView(entry: RequestLogEntry) {
  return {
    id: entry.id,
    object: 'model_call',
    organization_id: entry.organizationId,
    api_key_id: entry.apiKeyId,
    user_id: entry.userId,
    endpoint: entry.endpoint,
    model: entry.model,
    provider: entry.provider,
    upstream_model: entry.upstreamModel,
    status: entry.status,
    error_code: entry.errorCode,
    stream: entry.stream,
    cache_status: entry.cacheStatus,
    credential: entry.credential,
    prompt_tokens: entry.promptTokens,
    completion_tokens: entry.completionTokens,
    cached_tokens: entry.cachedTokens,
    cache_write_tokens: entry.cacheWriteTokens,
    reasoning_tokens: entry.reasoningTokens,
    total_tokens: entry.promptTokens + entry.completionTokens,
    usage_estimated: entry.usageEstimated,
    overage: entry.overage,
    cost: usd(entry.costMicroUsd),
    cost_micro_usd: entry.costMicroUsd,
    latency_ms: entry.latencyMs,
    ttft_ms: entry.ttftMs,
    created_at: entry.createdAt.toISOString(),
  };
}
