// Organizations' own model groups in the router: a group is used only for its organization's calls and wins
// over a configured group of the same name; others get the configured group (or no such model). Prepared
// groups are cached for a few seconds, forgotten at once on a change, and read again after they expire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModels } from '../../src/catalogue/default-models.js';
import { parseConfig } from '../../src/config/load.js';
import { GatewayError } from '../../src/core/errors.js';
import { createModelDirectory } from '../../src/pipeline/model-directory.js';
import { DeploymentStats } from '../../src/pipeline/routing/deployment-stats.js';
import { checkGroupName, orgGroupDefinitionSchema } from '../../src/pipeline/routing/org-groups.js';
import { createRouter, type PlanRequest, type Router } from '../../src/pipeline/routing/router.js';
import { providerIds } from '../../src/providers/registry.js';
import type { ProviderAdapter } from '../../src/providers/spec.js';
import type { RoutingGroupRecord } from '../../src/store/types.js';

const fakeAdapter = (id: string): ProviderAdapter => ({ id, dialect: id === 'anthropic' ? 'anthropic' : 'openai' }) as unknown as ProviderAdapter;
const adapters = new Map(['openai', 'anthropic', 'groq'].map((id) => [id, fakeAdapter(id)]));
const keyless = new Map<string, ProviderAdapter>();
const adapterFor = (id: string) => adapters.get(id) ?? keyless.get(id) ?? keyless.set(id, fakeAdapter(id)).get(id);
const directory = createModelDirectory(defaultModels, adapters, new Set(providerIds), adapterFor);

/** A store of groups per organization that counts its reads; `rows` may change between reads. */
function fakeStore(rows: Record<string, Record<string, unknown>>) {
  const store = {
    reads: 0,
    rows,
    async list(organizationId: string): Promise<RoutingGroupRecord[]> {
      store.reads += 1;
      return Object.entries(store.rows[organizationId] ?? {}).map(([name, definition]) => ({
        organizationId,
        name,
        definition,
        createdAt: new Date(0),
        updatedAt: new Date(0),
      }));
    },
  };
  return store;
}

function build(rows: Record<string, Record<string, unknown>>, clock = { now: 0 }) {
  const store = fakeStore(rows);
  const config = parseConfig({
    routing: { groups: { fast: { deployments: [{ id: 'configured', provider: 'openai', model: 'gpt-4o' }] } } },
  }).routing;
  const router = createRouter({
    config,
    directory,
    providers: { deploymentAdapter: (id: string) => fakeAdapter(id), adapterFor },
    stats: new DeploymentStats(),
    random: () => 0.5,
    groupStore: store,
    groupTtlMs: 5_000,
    now: () => clock.now,
  });
  return { router, store, clock };
}

async function plan(router: Router, request: Partial<PlanRequest> & { model: string }) {
  await router.prepare(request.organizationId);
  return router.plan({ capability: 'chat', fallbacks: [], ...request });
}

const ids = (result: Awaited<ReturnType<typeof plan>>) => result.candidates.map((candidate) => candidate.deployment.id);

const acmeFast = {
  strategy: 'cost-first',
  deployments: [
    { provider: 'openai', model: 'gpt-4o-mini', weight: 1 },
    { provider: 'anthropic', model: 'claude-haiku-4-5', weight: 1, credential_id: 'cred_a' },
  ],
  retries: { retries: 2 },
};

test("an organization's group is used for its calls only and wins over the configured group of that name", async () => {
  const { router } = build({ acme: { fast: acmeFast } });
  const own = await plan(router, { model: 'fast', organizationId: 'acme' });
  assert.deepEqual(ids(own), ['org:acme/fast/0', 'org:acme/fast/1']);
  assert.equal(own.policy.retries.retries, 2);
  assert.equal(own.policy.strategy, 'cost-first');
  const [first, second] = own.candidates;
  assert.equal(first!.deployment.entry.upstreamId, 'gpt-4o-mini');
  assert.equal(first!.deployment.grouped, false, 'served with the provider connection');
  assert.equal(first!.deployment.credentialId, undefined);
  assert.equal(second!.deployment.credentialId, 'cred_a');
  assert.equal(first!.route.requested, 'fast');

  assert.deepEqual(ids(await plan(router, { model: 'fast', organizationId: 'globex' })), ['configured']);
  assert.deepEqual(ids(await plan(router, { model: 'fast' })), ['configured']);
  assert.deepEqual(ids(await plan(router, { model: 'fast', organizationId: null })), ['configured']);
});

test("another organization cannot reach a group name only one organization defined", async () => {
  const { router } = build({ acme: { private: acmeFast } });
  assert.deepEqual(ids(await plan(router, { model: 'private', organizationId: 'acme' })), ['org:acme/private/0', 'org:acme/private/1']);
  await assert.rejects(plan(router, { model: 'private', organizationId: 'globex' }), (error: unknown) => error instanceof GatewayError && error.code === 'model_not_found');
  await assert.rejects(plan(router, { model: 'private' }), (error: unknown) => error instanceof GatewayError && error.code === 'model_not_found');
});

test('prepare reads once while fresh, again after the time to live, and at once after forget', async () => {
  const { router, store, clock } = build({ acme: { fast: acmeFast } });
  const first = router.prepare('acme');
  assert.ok(first instanceof Promise, 'the first read is from the store');
  await first;
  assert.equal(router.prepare('acme'), undefined, 'then synchronous');
  assert.equal(store.reads, 1);

  store.rows.acme = { fast: { deployments: [{ provider: 'groq', model: 'llama-3.1-8b-instant' }] } };
  clock.now = 4_999;
  assert.deepEqual(ids(await plan(router, { model: 'fast', organizationId: 'acme' })), ['org:acme/fast/0', 'org:acme/fast/1'], 'still the cached copy');
  clock.now = 5_000;
  const refreshed = await plan(router, { model: 'fast', organizationId: 'acme' });
  assert.equal(refreshed.candidates[0]!.deployment.provider, 'groq', 'read again after the time to live');
  assert.equal(store.reads, 2);

  store.rows.acme = {};
  router.forget('acme');
  assert.deepEqual(ids(router.plan({ model: 'fast', capability: 'chat', fallbacks: [], organizationId: 'acme' })), ['configured'], 'forgotten at once');
  assert.deepEqual(ids(await plan(router, { model: 'fast', organizationId: 'acme' })), ['configured']);
  assert.equal(store.reads, 3);
});

test('deployments the call cannot reach are left out; none reachable is an error naming the group', async () => {
  const definition = {
    deployments: [
      { provider: 'mistral', model: 'mistral-large-latest', credential_id: 'cred_m' },
      { provider: 'openai', model: 'gpt-4o' },
    ],
  };
  const { router } = build({ acme: { mixed: definition, lonely: { deployments: [definition.deployments[0]] } } });
  assert.deepEqual(ids(await plan(router, { model: 'mixed', organizationId: 'acme' })), ['org:acme/mixed/1'], 'no mistral key on the server');
  const withKey = await plan(router, { model: 'mixed', organizationId: 'acme', canReach: (provider) => provider === 'mistral' });
  assert.deepEqual(new Set(ids(withKey)), new Set(['org:acme/mixed/0', 'org:acme/mixed/1']), "reachable with the organization's credential");
  await assert.rejects(plan(router, { model: 'lonely', organizationId: 'acme' }), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.match(error.message, /model group 'lonely'/);
    return true;
  });
  await assert.rejects(plan(router, { model: 'mixed', organizationId: 'acme', capability: 'embeddings' }), (error: unknown) => {
    return error instanceof GatewayError && error.publicCode === 'model_not_supported';
  });
});

test("an organization's group serves as a fallback, and its own fallbacks follow its deployments", async () => {
  const { router } = build({ acme: { fast: acmeFast, backup: { deployments: [{ provider: 'groq', model: 'llama-3.1-8b-instant' }], fallbacks: ['fast'] } } });
  assert.deepEqual(ids(await plan(router, { model: 'backup', organizationId: 'acme' })), ['org:acme/backup/0', 'org:acme/fast/0', 'org:acme/fast/1']);
  assert.deepEqual(ids(await plan(router, { model: 'gpt-4o', organizationId: 'acme', fallbacks: ['backup'] })), [
    'openai/gpt-4o',
    'org:acme/backup/0',
  ]);
});

test("organizationGroups lists what was prepared; definitions are validated like the API's", async () => {
  const { router } = build({ acme: { fast: acmeFast, broken: { deployments: [] } } });
  assert.deepEqual(router.organizationGroups('acme'), []);
  await router.prepare('acme');
  const listed = router.organizationGroups('acme');
  assert.deepEqual(listed.map((group) => [group.name, group.strategy, group.deployments.length]), [['fast', 'cost-first', 2]], 'an unreadable definition is left out');
  assert.equal(orgGroupDefinitionSchema.safeParse({ deployments: [{ provider: 'openai', model: 'x', apiKey: 'sk-1' }] }).success, false, 'no keys in a definition');
  assert.equal(orgGroupDefinitionSchema.safeParse({ deployments: Array.from({ length: 21 }, () => ({ provider: 'openai', model: 'x' })) }).success, false);
  assert.throws(() => checkGroupName('team/fast'), GatewayError);
  assert.equal(checkGroupName('team-fast'), 'team-fast');
});
