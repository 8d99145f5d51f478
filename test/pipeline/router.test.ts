// The router's plans: strategies order a group's deployments, fallbacks follow without repeats, policies merge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModels } from '../../src/catalogue/default-models.js';
import { parseConfig } from '../../src/config/load.js';
import { GatewayError } from '../../src/core/errors.js';
import { createModelDirectory } from '../../src/pipeline/model-directory.js';
import { DeploymentStats } from '../../src/pipeline/routing/deployment-stats.js';
import { createRouter } from '../../src/pipeline/routing/router.js';
import { providerIds } from '../../src/providers/registry.js';
import type { ProviderAdapter } from '../../src/providers/spec.js';

const fakeAdapter = (id: string): ProviderAdapter => ({ id, dialect: id === 'anthropic' ? 'anthropic' : 'openai' }) as unknown as ProviderAdapter;
const adapters = new Map(['openai', 'anthropic', 'groq'].map((id) => [id, fakeAdapter(id)]));
const directory = createModelDirectory(defaultModels, adapters, new Set(providerIds));
const providers = { deploymentAdapter: (id: string) => fakeAdapter(id) };

function router(routing: Record<string, unknown>, random?: () => number) {
  const stats = new DeploymentStats();
  const config = parseConfig({ routing }).routing;
  return { stats, router: createRouter({ config, directory, providers, stats, ...(random ? { random } : {}) }) };
}

const group = (strategy: string, extra: Record<string, unknown> = {}) => ({
  groups: {
    pool: {
      strategy,
      deployments: [
        { id: 'a', provider: 'openai', model: 'gpt-4o', weight: 3 },
        { id: 'b', provider: 'openai', model: 'gpt-4o-mini', weight: 1 },
        { id: 'c', provider: 'groq', model: 'llama-3.1-8b-instant', weight: 1 },
      ],
      ...extra,
    },
  },
});

const order = (r: ReturnType<typeof router>['router'], extra: Partial<Parameters<typeof r.plan>[0]> = {}) =>
  r.plan({ model: 'pool', capability: 'chat', fallbacks: [], ...extra }).candidates.map((candidate) => candidate.deployment.id);

test('weighted: each deployment comes first in proportion to its weight', () => {
  const { router: r } = router(group('weighted'));
  const firsts = { a: 0, b: 0, c: 0 } as Record<string, number>;
  for (let index = 0; index < 5000; index++) firsts[order(r)[0]!]! += 1;
  assert.ok(Math.abs(firsts.a! / 5000 - 0.6) < 0.04, JSON.stringify(firsts));
  assert.ok(Math.abs(firsts.b! / 5000 - 0.2) < 0.04, JSON.stringify(firsts));
  assert.equal(new Set(order(r)).size, 3, 'every deployment once');
});

test('least-busy: fewest calls in flight first', () => {
  const { router: r, stats } = router(group('least-busy'), () => 0.5);
  stats.started('a');
  stats.started('a');
  stats.started('c');
  assert.deepEqual(order(r), ['b', 'c', 'a']);
  stats.ended('a');
  stats.ended('a');
  assert.equal(order(r).at(-1), 'c');
});

test('lowest-latency: a deployment not yet measured first, then the lowest moving average', () => {
  const { router: r, stats } = router(group('lowest-latency'), () => 0.5);
  stats.firstToken('a', 300);
  stats.firstToken('b', 100);
  assert.deepEqual(order(r), ['c', 'b', 'a']);
  stats.firstToken('c', 1000);
  assert.deepEqual(order(r), ['b', 'a', 'c']);
});

test('cost-first: cheapest catalogue price first', () => {
  const { router: r } = router(group('cost-first'));
  const result = order(r);
  const price = (id: string) => {
    const entry = r.deployments().find((deployment) => deployment.id === id)!.entry;
    return entry.pricing.input + entry.pricing.output;
  };
  assert.deepEqual([...result].sort((x, y) => price(x) - price(y)), result);
  assert.equal(result.at(-1), 'a', 'gpt-4o is the dearest');
});

test('fallbacks: the request’s, then the group’s, without repeating a deployment; BYOK keeps to one provider', () => {
  const { router: r } = router(group('cost-first', { fallbacks: ['anthropic/claude-haiku-4-5', 'openai/gpt-4o-mini'] }));
  const plan = r.plan({ model: 'pool', capability: 'chat', fallbacks: ['gpt-4.1-mini', 'openai/gpt-4o-mini'] });
  const ids = plan.candidates.map((candidate) => candidate.deployment.id);
  assert.deepEqual(ids.slice(3), ['openai/gpt-4.1-mini', 'openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5']);
  // gpt-4o-mini served directly is another deployment than the group's 'b' (its own pool), so it stays.
  const byok = r.plan({ model: 'pool', capability: 'chat', fallbacks: ['anthropic/claude-haiku-4-5'], singleProvider: true });
  assert.ok(byok.candidates.every((candidate) => candidate.deployment.provider === byok.candidates[0]!.deployment.provider));
});

test('an unknown request fallback is a 404 naming it; a group of embedding-less deployments refuses embeddings', () => {
  const { router: r } = router(group('weighted'));
  assert.throws(
    () => r.plan({ model: 'pool', capability: 'chat', fallbacks: ['no-such-model'] }),
    (error: unknown) => error instanceof GatewayError && error.status === 404 && error.param === 'fallbacks' && /Fallback model 1/.test(error.message),
  );
  assert.throws(
    () => r.plan({ model: 'pool', capability: 'embeddings', fallbacks: [] }),
    (error: unknown) => error instanceof GatewayError && error.status === 400 && error.publicCode === 'model_not_supported',
  );
});

test('policies: defaults, overridden by the routing section, overridden by the group', () => {
  const { router: r } = router({ timeouts: { totalMs: 1000 }, retries: { retries: 2 }, ...group('weighted', { timeouts: { firstTokenMs: 50 } }) });
  const { policy } = r.plan({ model: 'pool', capability: 'chat', fallbacks: [] });
  assert.deepEqual(policy.timeouts, { connectMs: 10_000, firstTokenMs: 50, idleMs: 300_000, totalMs: 1000 });
  assert.equal(policy.retries.retries, 2);
  assert.equal(policy.strategy, 'weighted');
  const direct = r.plan({ model: 'gpt-4o', capability: 'chat', fallbacks: [] });
  assert.equal(direct.policy.timeouts.firstTokenMs, 300_000);
  assert.deepEqual(direct.candidates.map((candidate) => candidate.deployment.id), ['openai/gpt-4o']);
});

test('repeated deployments of one model are numbered; an unknown provider stops the start', () => {
  const { router: r } = router({
    groups: { twin: { deployments: [{ provider: 'openai', model: 'gpt-4o' }, { provider: 'openai', model: 'gpt-4o' }] } },
  });
  assert.deepEqual(r.deployments().map((deployment) => deployment.id), ['openai/gpt-4o', 'openai/gpt-4o#2']);
  assert.throws(
    () => createRouter({ config: parseConfig({ routing: { groups: { x: { deployments: [{ provider: 'nope', model: 'm' }] } } } }).routing, directory, providers: { deploymentAdapter: () => undefined }, stats: new DeploymentStats() }),
    /routing\.groups\.x: unknown provider 'nope'/,
  );
});

test('deployment stats: the p95 of recent first-token times, known after 20, refreshed every 20 new ones', () => {
  const stats = new DeploymentStats();
  for (let ms = 1; ms <= 19; ms++) stats.firstToken('d', ms);
  assert.equal(stats.p95('d'), undefined);
  stats.firstToken('d', 20);
  assert.equal(stats.p95('d'), 19);
  for (let index = 0; index < 19; index++) stats.firstToken('d', 1000);
  assert.equal(stats.p95('d'), 19, 'not sorted again before 20 new times');
  stats.firstToken('d', 1000);
  assert.equal(stats.p95('d'), 1000);
});
