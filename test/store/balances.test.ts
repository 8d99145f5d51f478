// Prepaid balances on SQLite and PostgreSQL: reserve, settle, credit, and no double spending when many
// calls (and two stores on one database, as two replicas) reserve at once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { organization } from './access-records.js';
import { targets, withStore } from './store-fixtures.js';

const now = Date.UTC(2026, 10, 22, 12, 0, 0);
const later = now + 600_000;

async function prepaid(store: Store, amount: number): Promise<string> {
  const org = organization();
  await store.access.createOrganization(org);
  await store.balances.credit({ organizationId: org.id, amountMicroUsd: amount, note: 'top-up', now, id: randomUUID() });
  return org.id;
}

for (const target of targets) {
  describe(`balances on ${target.name}`, { skip: target.skip }, () => {
    test('an organization without a balance has none; a credit creates it', async () => {
      await withStore(target, async (store) => {
        const org = organization();
        await store.access.createOrganization(org);
        assert.equal(await store.balances.get(org.id, now), undefined);
        const credited = await store.balances.credit({ organizationId: org.id, amountMicroUsd: 5_000_000, note: 'first', now, id: 'btx_1' });
        assert.equal(credited.balanceAfterMicroUsd, 5_000_000);
        assert.equal(credited.kind, 'credit');
        await store.balances.credit({ organizationId: org.id, amountMicroUsd: 1, note: null, now: now + 1, id: 'btx_2' });
        const balance = await store.balances.get(org.id, now);
        assert.equal(balance?.balanceMicroUsd, 5_000_001);
        assert.equal(balance?.availableMicroUsd, 5_000_001);
        assert.deepEqual((await store.balances.listTransactions(org.id)).map((item) => item.id), ['btx_2', 'btx_1']);
      });
    });

    test('reserve holds money until settle charges the real cost once', async () => {
      await withStore(target, async (store) => {
        const id = await prepaid(store, 1_000);
        assert.deepEqual(await store.balances.reserve({ organizationId: id, requestId: 'r1', amountMicroUsd: 700, now, expiresAt: later }), {
          reserved: true,
          availableMicroUsd: 300,
        });
        assert.deepEqual(await store.balances.reserve({ organizationId: id, requestId: 'r2', amountMicroUsd: 400, now, expiresAt: later }), {
          reserved: false,
          availableMicroUsd: 300,
        });
        assert.equal((await store.balances.get(id, now))?.reservedMicroUsd, 700);
        const charge = await store.balances.settle({ organizationId: id, requestId: 'r1', costMicroUsd: 250, now, id: randomUUID() });
        assert.equal(charge?.amountMicroUsd, -250);
        assert.equal(charge?.balanceAfterMicroUsd, 750);
        // A retried settle charges nothing more.
        assert.equal(await store.balances.settle({ organizationId: id, requestId: 'r1', costMicroUsd: 250, now, id: randomUUID() }), undefined);
        const balance = await store.balances.get(id, now);
        assert.deepEqual([balance?.balanceMicroUsd, balance?.reservedMicroUsd, balance?.availableMicroUsd], [750, 0, 750]);
      });
    });

    test('a reservation that was never settled lapses', async () => {
      await withStore(target, async (store) => {
        const id = await prepaid(store, 1_000);
        await store.balances.reserve({ organizationId: id, requestId: 'lost', amountMicroUsd: 1_000, now, expiresAt: now + 1_000 });
        assert.equal((await store.balances.reserve({ organizationId: id, requestId: 'r', amountMicroUsd: 1, now, expiresAt: later })).reserved, false);
        assert.equal((await store.balances.reserve({ organizationId: id, requestId: 'r', amountMicroUsd: 1, now: now + 1_000, expiresAt: later })).reserved, true);
      });
    });

    test('many reservations at once from two stores on one database never spend the same money twice', async () => {
      await withStore(target, async (store, { location }) => {
        // An in-memory database cannot be opened twice: there the second "replica" is the same store.
        const shared = target.name.includes('memory');
        const second = shared ? store : await openStore({ url: location.url, dataDir: location.dataDir, journal: { enabled: false } });
        try {
          const id = await prepaid(store, 10_000);
          const attempts = Array.from({ length: 60 }, (_, index) =>
            (index % 2 === 0 ? store : second).balances.reserve({ organizationId: id, requestId: `c${index}`, amountMicroUsd: 1_000, now, expiresAt: later }),
          );
          const results = await Promise.all(attempts);
          assert.equal(results.filter((result) => result.reserved).length, 10);
          assert.equal((await store.balances.get(id, now))?.availableMicroUsd, 0);
          await Promise.all(
            results.map((result, index) =>
              result.reserved ? second.balances.settle({ organizationId: id, requestId: `c${index}`, costMicroUsd: 999, now, id: randomUUID() }) : undefined,
            ),
          );
          const balance = await store.balances.get(id, now);
          assert.deepEqual([balance?.balanceMicroUsd, balance?.reservedMicroUsd], [10_000 - 10 * 999, 0]);
        } finally {
          if (!shared) await second.close();
        }
      });
    });
  });
}
