// Usage statistics and call history over the ledger, run on SQLite (file and in-memory) and on PostgreSQL.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelUsage, RequestLogEntry, Store } from '../../src/store/types.js';
import { ledgerEntry } from './ledger-entries.js';
import { targets, withStore } from './store-fixtures.js';

const january = Date.UTC(2025, 0, 1);
const february = Date.UTC(2025, 1, 1);

function entry(overrides: Partial<RequestLogEntry> & { at: number }): RequestLogEntry {
  const { at, ...rest } = overrides;
  return ledgerEntry({
    createdAt: new Date(at),
    promptTokens: 10,
    completionTokens: 20,
    costMicroUsd: 100,
    latencyMs: 300,
    ttftMs: 120,
    organizationId: 'org_a',
    apiKeyId: 'key_a1',
    ...rest,
  });
}

/** Organization A's January: two models, two keys and a user, a cache hit, a failure; costs past 2^32 micro-USD. */
const ledger: RequestLogEntry[] = [
  entry({ at: january, costMicroUsd: 3_000_000_000, promptTokens: 1_000, completionTokens: 2_000, cachedTokens: 400, reasoningTokens: 50 }),
  entry({ at: january + 1_000, costMicroUsd: 3_000_000_001, cacheWriteTokens: 7 }),
  entry({ at: january + 2_000, cacheStatus: 'HIT', costMicroUsd: 0 }),
  entry({ at: january + 3_000, model: 'claude-sonnet-4-5', provider: 'anthropic', costMicroUsd: 250, apiKeyId: 'key_a2' }),
  entry({ at: january + 4_000, model: 'claude-sonnet-4-5', provider: 'anthropic', status: 502, errorCode: 'upstream_error', promptTokens: 0, completionTokens: 0, costMicroUsd: 0, apiKeyId: null, userId: 'usr_a' }),
  // The last instant of January, and the first of February.
  entry({ at: february - 1, model: 'gemini-2.5-flash', provider: 'gemini', costMicroUsd: 5 }),
  entry({ at: february, model: 'gemini-2.5-flash', provider: 'gemini', costMicroUsd: 7 }),
  // Organization B, and anonymous traffic: never part of A's figures.
  entry({ at: january + 500, organizationId: 'org_b', apiKeyId: 'key_b', costMicroUsd: 9_999 }),
  entry({ at: january + 600, organizationId: null, apiKeyId: null, byokHash: 'hash', costMicroUsd: 8_888 }),
];

async function withLedger(target: (typeof targets)[number], use: (store: Store) => Promise<void>) {
  await withStore(target, async (store) => {
    for (const item of ledger) store.requestLog.record(item);
    await store.requestLog.flush();
    await use(store);
  });
}

const usageOf = (summary: { byModel: ModelUsage[] }, model: string) => summary.byModel.find((usage) => usage.model === model);

for (const target of targets) {
  describe(`usage queries on ${target.name}`, { skip: target.skip }, () => {
    test("summarize: an organization's period as exact integer sums, per model and in total", async () => {
      await withLedger(target, async (store) => {
        const summary = await store.usage.summarize({ organizationId: 'org_a', from: new Date(january), to: new Date(february) });
        assert.deepEqual(
          summary.byModel.map((usage) => [usage.model, usage.calls]),
          [
            ['gpt-4o-mini', 3],
            ['claude-sonnet-4-5', 2],
            ['gemini-2.5-flash', 1],
          ],
          'most calls first',
        );
        assert.deepEqual(usageOf(summary, 'gpt-4o-mini'), {
          model: 'gpt-4o-mini',
          calls: 3,
          cacheHits: 1,
          failedCalls: 0,
          promptTokens: 1_020,
          completionTokens: 2_040,
          cachedTokens: 400,
          cacheWriteTokens: 7,
          reasoningTokens: 50,
          costMicroUsd: 6_000_000_001,
        });
        assert.equal(usageOf(summary, 'claude-sonnet-4-5')?.failedCalls, 1);
        const { byModel, ...totals } = summary;
        assert.deepEqual(totals, {
          calls: 6,
          cacheHits: 1,
          failedCalls: 1,
          promptTokens: 1_040,
          completionTokens: 2_080,
          cachedTokens: 400,
          cacheWriteTokens: 7,
          reasoningTokens: 50,
          costMicroUsd: 6_000_000_256,
        });
        assert.equal(typeof totals.costMicroUsd, 'number');
      });
    });

    test('summarize: from is inclusive, to exclusive, an absent bound open', async () => {
      await withLedger(target, async (store) => {
        const all = await store.usage.summarize({ organizationId: 'org_a' });
        assert.equal(all.calls, 7);
        assert.equal(all.costMicroUsd, 6_000_000_263);
        const february1 = await store.usage.summarize({ organizationId: 'org_a', from: new Date(february) });
        assert.deepEqual([february1.calls, february1.costMicroUsd], [1, 7]);
        const upToLast = await store.usage.summarize({ organizationId: 'org_a', from: new Date(february - 1), to: new Date(february) });
        assert.deepEqual([upToLast.calls, upToLast.costMicroUsd], [1, 5]);
      });
    });

    test("summarize: one key's or one user's calls; nothing at all is zeros", async () => {
      await withLedger(target, async (store) => {
        const key = await store.usage.summarize({ organizationId: 'org_a', apiKeyId: 'key_a2' });
        assert.deepEqual([key.calls, key.costMicroUsd, key.byModel.map((usage) => usage.model)], [1, 250, ['claude-sonnet-4-5']]);
        const user = await store.usage.summarize({ organizationId: 'org_a', userId: 'usr_a' });
        assert.deepEqual([user.calls, user.failedCalls], [1, 1]);
        // Another organization's key id does not reach across.
        const foreign = await store.usage.summarize({ organizationId: 'org_a', apiKeyId: 'key_b' });
        assert.deepEqual(foreign, {
          calls: 0,
          cacheHits: 0,
          failedCalls: 0,
          promptTokens: 0,
          completionTokens: 0,
          cachedTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
          costMicroUsd: 0,
          byModel: [],
        });
        const other = await store.usage.summarize({ organizationId: 'org_b' });
        assert.deepEqual([other.calls, other.costMicroUsd], [1, 9_999]);
      });
    });

    test('history: newest first, paged with the total, filtered by model, one organization only', async () => {
      await withLedger(target, async (store) => {
        const ownIds = ledger.filter((item) => item.organizationId === 'org_a').map((item) => item.id);
        const first = await store.usage.history({ organizationId: 'org_a', limit: 3 });
        assert.equal(first.total, 7);
        assert.deepEqual(
          first.entries.map((item) => item.id),
          ownIds.slice().reverse().slice(0, 3),
        );
        assert.deepEqual(first.entries[0], ledger[6], 'the whole entry, as it was recorded');
        const rest = await store.usage.history({ organizationId: 'org_a', limit: 10, offset: 3 });
        assert.equal(rest.total, 7);
        assert.deepEqual(
          rest.entries.map((item) => item.id),
          ownIds.slice().reverse().slice(3),
        );
        const claude = await store.usage.history({ organizationId: 'org_a', model: 'claude-sonnet-4-5' });
        assert.equal(claude.total, 2);
        assert.deepEqual(
          claude.entries.map((item) => item.id),
          [ledger[4]!.id, ledger[3]!.id],
        );
        const key = await store.usage.history({ organizationId: 'org_a', apiKeyId: 'key_a1', limit: 1 });
        assert.deepEqual([key.total, key.entries.length], [5, 1]);
        const b = await store.usage.history({ organizationId: 'org_b' });
        assert.deepEqual(
          b.entries.map((item) => item.organizationId),
          ['org_b'],
        );
        const none = await store.usage.history({ organizationId: 'org_a', model: 'no-such-model' });
        assert.deepEqual(none, { total: 0, entries: [] });
      });
    });

    test('history: calls at the same instant are ordered by id, and the limit is capped at 1000', async () => {
      await withStore(target, async (store) => {
        const at = january + 42;
        const same = ['a', 'b', 'c'].map((suffix) => entry({ at, id: `00000000-0000-4000-8000-00000000000${suffix}` }));
        for (const item of [...same, ...Array.from({ length: 1_001 }, (_, index) => entry({ at: january - 1 - index }))]) store.requestLog.record(item);
        await store.requestLog.flush();
        const page = await store.usage.history({ organizationId: 'org_a', limit: 5_000 });
        assert.equal(page.total, 1_004);
        assert.equal(page.entries.length, 1_000);
        assert.deepEqual(
          page.entries.slice(0, 3).map((item) => item.id),
          same.map((item) => item.id).reverse(),
        );
      });
    });
  });
}
