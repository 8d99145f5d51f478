// Prometheus metrics: what recordCall counts from ledger rows, the deployment gauges read from fake snapshots
// at render time, and the bounds on label values. The exposition text is parsed into series → value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelEntry } from '../../src/core/catalogue.js';
import { countedRequestLog, createMetrics, MAX_UNKNOWN_MODELS, metricsContentType, statusClass } from '../../src/observability/metrics.js';
import type { BreakerSnapshot } from '../../src/state/circuit-breakers.js';
import type { RequestLog, RequestLogEntry } from '../../src/store/types.js';
import { ledgerEntry } from '../store/ledger-entries.js';

/** `name{a="1",b="2"}` (labels sorted) → value, for every sample line of the exposition text. */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    series.set(labels.length === 0 ? match[1]! : `${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return series;
}

function key(name: string, labels: Record<string, string>): string {
  const sorted = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .sort();
  return `${name}{${sorted.join(',')}}`;
}

const catalogue = {
  list: (): ModelEntry[] => [
    { id: 'gpt-4o-mini', provider: 'openai', upstreamId: 'gpt-4o-mini-2024-07-18' } as ModelEntry,
    { id: 'claude-sonnet', provider: 'anthropic', upstreamId: 'claude-sonnet-4-5' } as ModelEntry,
  ],
};

test('recordCall counts requests, tokens, cost and latencies with exact values', async () => {
  const metrics = createMetrics({ catalogue, processMetrics: false });
  metrics.recordCall(
    ledgerEntry({ promptTokens: 100, cachedTokens: 40, cacheWriteTokens: 10, completionTokens: 20, reasoningTokens: 5, costMicroUsd: 300, ttftMs: 180 }),
  );
  metrics.recordCall(ledgerEntry({ promptTokens: 10, completionTokens: 2, costMicroUsd: 7, latencyMs: 2000, ttftMs: null, stream: true }));
  const nothing = { promptTokens: 0, completionTokens: 0, costMicroUsd: 0 };
  metrics.recordCall(ledgerEntry({ ...nothing, status: 502, errorCode: 'upstream_error', latencyMs: 30_000, ttftMs: null }));
  metrics.recordCall(
    ledgerEntry({ ...nothing, provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5', model: 'sonnet', endpoint: 'completions', status: 429 }),
  );
  const series = parse(await metrics.render());
  const mini = { provider: 'openai', model: 'gpt-4o-mini' };

  assert.equal(series.get(key('switchyard_requests_total', { ...mini, endpoint: 'chat', status_class: '2xx', cache: 'SKIP' })), 2);
  assert.equal(series.get(key('switchyard_requests_total', { ...mini, endpoint: 'chat', status_class: '5xx', cache: 'SKIP' })), 1);
  assert.equal(
    series.get(
      key('switchyard_requests_total', { provider: 'anthropic', model: 'claude-sonnet', endpoint: 'completions', status_class: '4xx', cache: 'SKIP' }),
    ),
    1,
    'the catalogue id, not the name the client wrote nor the upstream id',
  );
  assert.equal(series.get(key('switchyard_tokens_total', { ...mini, kind: 'prompt' })), 110);
  assert.equal(series.get(key('switchyard_tokens_total', { ...mini, kind: 'cached_read' })), 40);
  assert.equal(series.get(key('switchyard_tokens_total', { ...mini, kind: 'cache_write' })), 10);
  assert.equal(series.get(key('switchyard_tokens_total', { ...mini, kind: 'completion' })), 22);
  assert.equal(series.get(key('switchyard_tokens_total', { ...mini, kind: 'reasoning' })), 5);
  assert.equal(series.get(key('switchyard_cost_micro_usd_total', mini)), 307);

  assert.equal(series.get(key('switchyard_request_duration_seconds_count', mini)), 3);
  assert.equal(series.get(key('switchyard_request_duration_seconds_sum', mini)), 32.42);
  assert.equal(series.get(key('switchyard_request_duration_seconds_bucket', { ...mini, le: '0.5' })), 1);
  assert.equal(series.get(key('switchyard_request_duration_seconds_bucket', { ...mini, le: '2.5' })), 2);
  assert.equal(series.get(key('switchyard_request_duration_seconds_bucket', { ...mini, le: '20' })), 2);
  assert.equal(series.get(key('switchyard_request_duration_seconds_bucket', { ...mini, le: '30' })), 3);
  assert.equal(series.get(key('switchyard_request_duration_seconds_bucket', { ...mini, le: '+Inf' })), 3);
  assert.equal(series.get(key('switchyard_time_to_first_token_seconds_count', mini)), 1, 'rows without a first token are not observed');
  assert.equal(series.get(key('switchyard_time_to_first_token_seconds_sum', mini)), 0.18);
  assert.equal(series.get(key('switchyard_time_to_first_token_seconds_bucket', { ...mini, le: '0.1' })), 0);
  assert.equal(series.get(key('switchyard_time_to_first_token_seconds_bucket', { ...mini, le: '0.25' })), 1);
});

test('response-cache hits are counted as requests but stay out of the latency histograms', async () => {
  const metrics = createMetrics({ catalogue, processMetrics: false });
  metrics.recordCall(ledgerEntry({ cacheStatus: 'HIT', latencyMs: 3, ttftMs: 2, costMicroUsd: 0 }));
  metrics.recordCall(ledgerEntry({ cacheStatus: 'MISS' }));
  const series = parse(await metrics.render());
  const mini = { provider: 'openai', model: 'gpt-4o-mini' };
  assert.equal(series.get(key('switchyard_requests_total', { ...mini, endpoint: 'chat', status_class: '2xx', cache: 'HIT' })), 1);
  assert.equal(series.get(key('switchyard_requests_total', { ...mini, endpoint: 'chat', status_class: '2xx', cache: 'MISS' })), 1);
  assert.equal(series.get(key('switchyard_request_duration_seconds_count', mini)), 1);
  assert.equal(series.get(key('switchyard_time_to_first_token_seconds_count', mini)), 1);
});

test('status classes', () => {
  assert.deepEqual([200, 201, 299, 400, 401, 429, 499, 500, 502, 504, 302, 100, 0].map(statusClass), [
    '2xx', '2xx', '2xx', '4xx', '4xx', '4xx', '4xx', '5xx', '5xx', '5xx', 'other', 'other', 'other',
  ]);
});

test('models the catalogue does not know keep their upstream name up to a bound, then count as other', async () => {
  const metrics = createMetrics({ catalogue, processMetrics: false });
  for (let index = 0; index < MAX_UNKNOWN_MODELS + 5; index++) metrics.recordCall(ledgerEntry({ upstreamModel: `made-up-${index}` }));
  metrics.recordCall(ledgerEntry({ upstreamModel: 'made-up-0' }));
  metrics.recordCall(ledgerEntry());
  const series = parse(await metrics.render());
  const requests = (model: string) =>
    series.get(key('switchyard_requests_total', { provider: 'openai', model, endpoint: 'chat', status_class: '2xx', cache: 'SKIP' }));
  assert.equal(requests('made-up-0'), 2, 'a name seen before the bound keeps its series');
  assert.equal(requests(`made-up-${MAX_UNKNOWN_MODELS - 1}`), 1);
  assert.equal(requests(`made-up-${MAX_UNKNOWN_MODELS}`), undefined);
  assert.equal(requests('other'), 5);
  assert.equal(requests('gpt-4o-mini'), 1, 'catalogue models are never bounded');
  const requestSeries = [...series.keys()].filter((name) => name.startsWith('switchyard_requests_total'));
  const models = new Set(requestSeries.map((name) => /model="([^"]*)"/.exec(name)![1]));
  assert.equal(models.size, MAX_UNKNOWN_MODELS + 2);
});

test('deployment gauges are read from the breaker and routing snapshots at every render', async () => {
  let breakers: BreakerSnapshot[] = [
    { deployment: 'cheap', state: 'open', failures: 0, openedAt: 1, reopensAt: 2, opens: 3 },
    { deployment: 'dear', state: 'half-open', failures: 0, openedAt: 1, reopensAt: 2, opens: 1 },
    { deployment: 'openai/gpt-4o', state: 'closed', failures: 2, openedAt: null, reopensAt: null, opens: 0 },
  ];
  const stats = [
    { deployment: 'cheap', inFlight: 0, p95Ms: null },
    { deployment: 'dear', inFlight: 4, p95Ms: 1250 },
    { deployment: 'groq/llama-3.1-8b-instant', inFlight: 1, p95Ms: null },
  ];
  const metrics = createMetrics({
    breakers: { snapshot: () => breakers },
    stats: { snapshot: () => stats },
    deployments: () => ['cheap', 'dear', 'idle'],
    processMetrics: false,
  });
  let series = parse(await metrics.render());
  const gauge = (name: string, deployment: string) => series.get(key(`switchyard_deployment_${name}`, { deployment }));
  assert.deepEqual(
    ['cheap', 'dear', 'openai/gpt-4o', 'idle', 'groq/llama-3.1-8b-instant'].map((id) => gauge('breaker_state', id)),
    [2, 1, 0, 0, 0],
  );
  assert.deepEqual(['cheap', 'dear', 'idle'].map((id) => gauge('breaker_opens', id)), [3, 1, 0]);
  assert.equal(gauge('breaker_recent_failures', 'openai/gpt-4o'), 2);
  assert.deepEqual(['cheap', 'dear', 'idle'].map((id) => gauge('in_flight', id)), [0, 4, 0]);
  assert.equal(gauge('first_token_p95_seconds', 'dear'), 1.25);
  assert.equal(gauge('first_token_p95_seconds', 'cheap'), undefined, 'no first token yet: no sample');

  breakers = [{ deployment: 'cheap', state: 'closed', failures: 0, openedAt: null, reopensAt: null, opens: 0 }];
  series = parse(await metrics.render());
  assert.equal(gauge('breaker_state', 'cheap'), 0);
  assert.equal(gauge('breaker_opens', 'cheap'), 0);
  assert.equal(gauge('breaker_state', 'openai/gpt-4o'), undefined, 'a deployment the snapshot no longer has is gone');
});

test('each instance has a registry of its own, with the process metrics by default', async () => {
  const first = createMetrics();
  const second = createMetrics();
  first.recordCall(ledgerEntry());
  const [one, two] = [parse(await first.render()), parse(await second.render())];
  const labels = { provider: 'openai', model: 'gpt-4o-mini-2024-07-18', endpoint: 'chat', status_class: '2xx', cache: 'SKIP' };
  const requests = key('switchyard_requests_total', labels);
  assert.equal(one.get(requests), 1);
  assert.equal(two.get(requests), undefined);
  assert.ok(one.has('process_cpu_user_seconds_total'));
  assert.ok(one.has('nodejs_heap_size_used_bytes'));
  assert.equal(first.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(metricsContentType, first.contentType);
});

test('countedRequestLog writes every row to the ledger and counts it', async () => {
  const written: RequestLogEntry[] = [];
  const log: RequestLog = {
    record: (entry) => void written.push(entry),
    recordBatched: async (entry) => void written.push(entry),
    flush: async () => {},
    list: async () => written,
    get: async (id) => written.find((entry) => entry.id === id),
    attemptsOf: async () => [],
  };
  const metrics = createMetrics({ processMetrics: false });
  const counted = countedRequestLog(log, metrics);
  const row = ledgerEntry({ costMicroUsd: 11 });
  counted.record(row);
  assert.deepEqual(written, [row]);
  assert.equal(await counted.get(row.id), row);
  assert.deepEqual(await counted.list(), [row]);
  const series = parse(await metrics.render());
  assert.equal(series.get(key('switchyard_cost_micro_usd_total', { provider: 'openai', model: 'gpt-4o-mini-2024-07-18' })), 11);
});
