// Prometheus metrics: request counters and histograms fed by every ledger row (one per model-call attempt),
// and deployment gauges read from the circuit breakers and routing stats when Prometheus scrapes.
//
// Each gateway has its own prom-client Registry (never the global one), so several gateways in one process
// keep their numbers apart. Label values are bounded: provider ids, endpoints, status classes and cache
// outcomes are small closed sets; models are catalogue ids, and names the catalogue does not know (a
// pass-through client may name any model) stop getting a series of their own after MAX_UNKNOWN_MODELS.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelEntry } from '../core/catalogue.js';
import type { BreakerSnapshot } from '../state/circuit-breakers.js';
import type { RequestLog, RequestLogEntry } from '../store/types.js';

/** Prometheus text exposition format 0.0.4. */
export const metricsContentType = Registry.PROMETHEUS_CONTENT_TYPE;

/** Seconds: a cached reply in tens of milliseconds up to a long reasoning call. */
export const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

/** Model names outside the catalogue that still get their own series; later ones are counted as `other`. */
export const MAX_UNKNOWN_MODELS = 100;

const breakerStateValues: Record<BreakerSnapshot['state'], number> = { closed: 0, 'half-open': 1, open: 2 };

export type MetricsSources = {
  /** The circuit breakers' mirror (absent: breakers are off, every deployment is shown closed). */
  breakers?: { snapshot(): BreakerSnapshot[] };
  /** What the routing strategies know of each deployment in this process. */
  stats?: { snapshot(): Array<{ deployment: string; inFlight: number; p95Ms: number | null }> };
  /** Deployments configured in model groups, shown before they have served a call. */
  deployments?: () => readonly string[];
  /** The model catalogue: turns a row's provider and upstream model into the catalogue id. */
  catalogue?: { list(): readonly ModelEntry[] };
  /** The process metrics prom-client offers (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
};

export type Metrics = {
  readonly registry: Registry;
  /** Counts one finished attempt (a ledger row). Runs on every model call: a few label lookups, no I/O. */
  recordCall(entry: RequestLogEntry): void;
  /** The exposition text; deployment gauges are read from their sources now. */
  render(): Promise<string>;
  readonly contentType: string;
};

export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  if (sources.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const modelLabel = modelLabeller(sources.catalogue);

  // Counters add up in plain records (one per provider and model) and reach prom-client only when scraped:
  // a call costs two map lookups and a few additions instead of a labelled increment per counter.
  const totals = createCallTotals(modelLabel);
  new Counter({
    name: 'switchyard_requests_total',
    help: 'Model-call attempts, one per ledger row (retries, fallbacks and hedges each count).',
    labelNames: ['endpoint', 'provider', 'model', 'status_class', 'cache'] as const,
    registers,
    collect() {
      this.reset();
      for (const { provider, model, requests } of totals.series()) {
        for (const { endpoint, statusClass, cache, count } of requests.values()) {
          this.inc({ endpoint, provider, model, status_class: statusClass, cache }, count);
        }
      }
    },
  });
  new Counter({
    name: 'switchyard_tokens_total',
    help: 'Tokens as metered in the ledger; cached_read and cache_write are part of prompt, reasoning part of completion.',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const { provider, model, tokens } of totals.series()) {
        tokenKinds.forEach((kind, index) => {
          const count = tokens[index]!;
          if (count > 0) this.inc({ provider, model, kind }, count);
        });
      }
    },
  });
  new Counter({
    name: 'switchyard_cost_micro_usd_total',
    help: 'Cost of the calls in micro-USD (1e-6 USD), as in the ledger.',
    labelNames: ['provider', 'model'] as const,
    registers,
    collect() {
      this.reset();
      for (const { provider, model, cost } of totals.series()) if (cost > 0) this.inc({ provider, model }, cost);
    },
  });
  const duration = new Histogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Duration of model-call attempts that reached a provider (response-cache hits excluded).',
    labelNames: ['provider', 'model'] as const,
    buckets: latencyBuckets,
    registers,
  });
  const firstToken = new Histogram({
    name: 'switchyard_time_to_first_token_seconds',
    help: "Time to the first token (streams) or to the provider's answer (JSON), response-cache hits excluded.",
    labelNames: ['provider', 'model'] as const,
    buckets: latencyBuckets,
    registers,
  });
  registerDeploymentGauges(registers, sources);

  return {
    registry,
    contentType: metricsContentType,
    recordCall(entry) {
      const series = totals.add(entry);
      if (entry.cacheStatus === 'HIT') return;
      duration.observe(series.labels, entry.latencyMs / 1000);
      if (entry.ttftMs !== null) firstToken.observe(series.labels, entry.ttftMs / 1000);
    },
    render: () => registry.metrics(),
  };
}

const tokenKinds = ['prompt', 'cached_read', 'cache_write', 'completion', 'reasoning'] as const;

type RequestCount = { endpoint: string; statusClass: string; cache: string; count: number };

/** What one provider and model label have added up; `tokens` in the order of tokenKinds. */
type ModelSeries = {
  provider: string;
  model: string;
  labels: { provider: string; model: string };
  requests: Map<string, RequestCount>;
  tokens: [number, number, number, number, number];
  cost: number;
};

/**
 * The counters' totals by provider, then by upstream model. Names labelled `other` share one record per
 * provider, so names past the bound add no memory either.
 */
function createCallTotals(modelLabel: (provider: string, upstreamModel: string) => string) {
  const byProvider = new Map<string, Map<string, ModelSeries>>();
  const others = new Map<string, ModelSeries>();
  const all: ModelSeries[] = [];
  const create = (provider: string, model: string): ModelSeries => {
    const series: ModelSeries = { provider, model, labels: { provider, model }, requests: new Map(), tokens: [0, 0, 0, 0, 0], cost: 0 };
    all.push(series);
    return series;
  };
  const seriesOf = (provider: string, upstreamModel: string): ModelSeries => {
    let models = byProvider.get(provider);
    if (models === undefined) byProvider.set(provider, (models = new Map()));
    const known = models.get(upstreamModel);
    if (known !== undefined) return known;
    const model = modelLabel(provider, upstreamModel);
    if (model === 'other') {
      let other = others.get(provider);
      if (other === undefined) others.set(provider, (other = create(provider, model)));
      return other;
    }
    const series = create(provider, model);
    models.set(upstreamModel, series);
    return series;
  };
  return {
    add(entry: RequestLogEntry): ModelSeries {
      const series = seriesOf(entry.provider, entry.upstreamModel);
      const statusClassName = statusClass(entry.status);
      const key = `${entry.endpoint} ${statusClassName} ${entry.cacheStatus}`;
      const request = series.requests.get(key);
      if (request !== undefined) request.count += 1;
      else series.requests.set(key, { endpoint: entry.endpoint, statusClass: statusClassName, cache: entry.cacheStatus, count: 1 });
      const { tokens } = series;
      tokens[0] += entry.promptTokens;
      tokens[1] += entry.cachedTokens;
      tokens[2] += entry.cacheWriteTokens;
      tokens[3] += entry.completionTokens;
      tokens[4] += entry.reasoningTokens;
      series.cost += entry.costMicroUsd;
      return series;
    },
    series: (): readonly ModelSeries[] => all,
  };
}

/** The request log, also counting every row it is given in `metrics`: where the meter's rows are counted. */
export function countedRequestLog(log: RequestLog, metrics: Metrics): RequestLog {
  return {
    record(entry) {
      log.record(entry);
      metrics.recordCall(entry);
    },
    recordBatched(entry) {
      const written = log.recordBatched(entry);
      metrics.recordCall(entry);
      return written;
    },
    flush: () => log.flush(),
    list: (query) => log.list(query),
    get: (id) => log.get(id),
    attemptsOf: (requestId) => log.attemptsOf(requestId),
  };
}

export function statusClass(status: number): '2xx' | '4xx' | '5xx' | 'other' {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}

/**
 * provider + upstream model → the catalogue id (the upstream id when the catalogue does not list it, up to
 * MAX_UNKNOWN_MODELS names, then `other`). The catalogue is read once, on the first call.
 */
function modelLabeller(catalogue: MetricsSources['catalogue']): (provider: string, upstreamModel: string) => string {
  let known: Map<string, string> | undefined;
  const unknown = new Set<string>();
  return (provider, upstreamModel) => {
    known ??= catalogueIds(catalogue);
    const key = `${provider}/${upstreamModel}`;
    const id = known.get(key);
    if (id !== undefined) return id;
    if (unknown.has(key)) return upstreamModel;
    if (unknown.size >= MAX_UNKNOWN_MODELS) return 'other';
    unknown.add(key);
    return upstreamModel;
  };
}

function catalogueIds(catalogue: MetricsSources['catalogue']): Map<string, string> {
  const ids = new Map<string, string>();
  for (const entry of catalogue?.list() ?? []) {
    const key = `${entry.provider}/${entry.upstreamId}`;
    // Several entries may share an upstream model (a configured alias model): the first listed names it.
    if (!ids.has(key)) ids.set(key, entry.id);
  }
  return ids;
}

/** Gauges that read the breakers and routing stats at scrape time: they always show the present. */
function registerDeploymentGauges(registers: Registry[], sources: MetricsSources): void {
  const breakers = () => sources.breakers?.snapshot() ?? [];
  const stats = () => sources.stats?.snapshot() ?? [];
  // Shown as 0 until they have a value: configured deployments, and those called in this process.
  const known = () => [...(sources.deployments?.() ?? []), ...stats().map((stat) => stat.deployment)];
  /** One gauge per deployment: `zeroed` deployments first at 0, then the values read. */
  const gauge = (name: string, help: string, values: () => Iterable<[string, number]>, zeroed = true) =>
    new Gauge({
      name,
      help,
      labelNames: ['deployment'] as const,
      registers,
      collect() {
        this.reset();
        if (zeroed) for (const id of known()) this.set({ deployment: id }, 0);
        for (const [deployment, value] of values()) this.set({ deployment }, value);
      },
    });
  gauge(
    'switchyard_deployment_breaker_state',
    'Circuit breaker of the deployment: 0 closed, 1 half-open (cool-down passed, waiting for a probe), 2 open.',
    () => breakers().map((breaker) => [breaker.deployment, breakerStateValues[breaker.state]]),
  );
  gauge('switchyard_deployment_breaker_opens', 'Times the breaker opened in a row (its cool-down doubles each time); 0 once it closes.', () =>
    breakers().map((breaker) => [breaker.deployment, breaker.opens]),
  );
  gauge('switchyard_deployment_breaker_recent_failures', 'Failures counted in the breaker window of a closed breaker.', () =>
    breakers().map((breaker) => [breaker.deployment, breaker.failures]),
  );
  gauge('switchyard_deployment_in_flight', 'Calls to the deployment under way in this process.', () => stats().map((stat) => [stat.deployment, stat.inFlight]));
  gauge(
    'switchyard_deployment_first_token_p95_seconds',
    'The 95th percentile of the last 200 first-token times of the deployment in this process (absent before its first answer).',
    () => stats().flatMap((stat): Array<[string, number]> => (stat.p95Ms === null ? [] : [[stat.deployment, stat.p95Ms / 1000]])),
    false,
  );
}
