// Prompt runs on SQLite and PostgreSQL: saved and saved again (status, results and totals replaced, the rest
// kept), read back confined to their organization and owner, listed newest first with the model filter
// matching whole model names only (`%` and `_` in a name are themselves).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PromptRunRecord, Store } from '../../src/store/types.js';
import { organization } from './access-records.js';
import { targets, withStore } from './store-fixtures.js';

const at = new Date(Date.UTC(2026, 0, 5, 10, 0, 0));

async function newOrganization(store: Store): Promise<string> {
  const org = organization();
  await store.access.createOrganization(org);
  return org.id;
}

function run(organizationId: string, id: string, overrides: Partial<PromptRunRecord> = {}): PromptRunRecord {
  return {
    id,
    organizationId,
    apiKeyId: 'key_a',
    userId: null,
    kind: 'execute',
    status: 'completed',
    request: { prompt: 'Hello', temperature: 0.5 },
    models: ['gpt-4o-mini', 'claude-haiku-4-5'],
    results: [{ model: 'gpt-4o-mini', response: 'Hi', tokens_used: 12 }],
    totalTokens: 12,
    totalCostMicroUsd: 345,
    createdAt: at,
    completedAt: new Date(at.getTime() + 1500),
    priority: 1,
    principal: null,
    ...overrides,
  };
}

for (const target of targets) {
  describe(`prompt runs on ${target.name}`, { skip: target.skip }, () => {
    test('save, save again, get: the record comes back as saved, within its organization and owner only', async () => {
      await withStore(target, async (store) => {
        const org = await newOrganization(store);
        const other = await newOrganization(store);
        await store.promptRuns.save(run(org, 'run1', { status: 'queued', results: null, completedAt: null, totalTokens: 0, totalCostMicroUsd: 0 }));
        const done = run(org, 'run1');
        await store.promptRuns.save(done);
        assert.deepEqual(await store.promptRuns.get({ organizationId: org }, 'run1'), done);
        assert.deepEqual(await store.promptRuns.get({ organizationId: org, apiKeyId: 'key_a' }, 'run1'), done);
        assert.equal(await store.promptRuns.get({ organizationId: org, apiKeyId: 'key_b' }, 'run1'), undefined);
        assert.equal(await store.promptRuns.get({ organizationId: other }, 'run1'), undefined);
      });
    });

    test('list: newest first, paged, filtered by a whole model name', async () => {
      await withStore(target, async (store) => {
        const org = await newOrganization(store);
        for (let index = 0; index < 5; index++) {
          const models = index % 2 === 0 ? ['gpt-4o-mini'] : ['gpt-4o', 'my_model%'];
          await store.promptRuns.save(run(org, `run${index}`, { createdAt: new Date(at.getTime() + index * 1000), models }));
        }
        const page = await store.promptRuns.list({ organizationId: org, limit: 2, offset: 1 });
        assert.equal(page.total, 5);
        assert.deepEqual(page.runs.map((record) => record.id), ['run3', 'run2']);
        const mini = await store.promptRuns.list({ organizationId: org, limit: 10, offset: 0, model: 'gpt-4o-mini' });
        assert.deepEqual(mini.runs.map((record) => record.id), ['run4', 'run2', 'run0']);
        const exact = await store.promptRuns.list({ organizationId: org, limit: 10, offset: 0, model: 'gpt-4o' });
        assert.deepEqual(exact.runs.map((record) => record.id), ['run3', 'run1'], "'gpt-4o' is not a prefix match of 'gpt-4o-mini'");
        const special = await store.promptRuns.list({ organizationId: org, limit: 10, offset: 0, model: 'my_model%' });
        assert.equal(special.total, 2);
        assert.equal((await store.promptRuns.list({ organizationId: org, limit: 10, offset: 0, model: 'myXmodel%' })).total, 0);
      });
    });

    test('jobs: claimed by priority then age, one organization within its concurrency, a lapsed lease requeued, cancel', async () => {
      await withStore(target, async (store) => {
        const org = await newOrganization(store);
        const other = await newOrganization(store);
        const job = (organizationId: string, id: string, priority: number, second: number) =>
          run(organizationId, id, { kind: 'job', status: 'queued', results: null, completedAt: null, priority, createdAt: new Date(at.getTime() + second * 1000) });
        await store.promptRuns.save(job(org, 'low', 2, 0));
        await store.promptRuns.save(job(org, 'high-late', 0, 5));
        await store.promptRuns.save(job(org, 'high-early', 0, 1));
        await store.promptRuns.save(job(other, 'theirs', 1, 9));
        const claim = (workerId: string, now = at.getTime() + 60_000) => store.promptRuns.claimJob({ workerId, now, leaseMs: 10_000, perOrganization: 1 });
        assert.equal((await claim('w1'))?.id, 'high-early');
        // One of org's jobs runs: with perOrganization 1 the next claim takes the other organization's.
        assert.equal((await claim('w2'))?.id, 'theirs');
        assert.equal(await claim('w3'), undefined);
        // w1's lease lapses: the job is queued again and claimed anew.
        const later = at.getTime() + 60_000 + 20_000;
        assert.equal((await claim('w4', later))?.id, 'high-early');
        const stale = (await store.promptRuns.get({ organizationId: org }, 'high-early'))!;
        assert.equal(await store.promptRuns.updateClaimed({ ...stale, status: 'completed' }, 'w1', null), false, 'the lapsed worker no longer owns it');
        assert.equal(await store.promptRuns.updateClaimed({ ...stale, status: 'completed', completedAt: new Date(later) }, 'w4', null), true);
        const cancelled = await store.promptRuns.cancel({ organizationId: org }, 'low', new Date(later));
        assert.equal(cancelled?.cancelled, true);
        assert.equal(cancelled?.run.status, 'cancelled');
        assert.equal((await store.promptRuns.cancel({ organizationId: org }, 'low', new Date(later)))?.cancelled, false);
        assert.equal(await store.promptRuns.cancel({ organizationId: other }, 'low', new Date(later)), undefined);
        assert.equal((await claim('w5', later))?.id, 'high-late');
      });
    });
  });
}
