// Organizations' own model groups on SQLite and PostgreSQL: create, replace (keeping created_at), list by
// name, delete, one organization never sees another's, and the per-organization limit holds when many
// creations race (also from two stores on one database, as two replicas).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import type { PutRoutingGroupResult, Store } from '../../src/store/types.js';
import { organization } from './access-records.js';
import { targets, withStore } from './store-fixtures.js';

const at = new Date(Date.UTC(2026, 0, 5, 10, 0, 0));
const later = new Date(at.getTime() + 60_000);
const definition = (model = 'gpt-4o-mini') => ({ strategy: 'weighted', deployments: [{ provider: 'openai', model, weight: 2, credential_id: 'cred_1' }] });

async function newOrganization(store: Store): Promise<string> {
  const org = organization();
  await store.access.createOrganization(org);
  return org.id;
}

function created(result: PutRoutingGroupResult) {
  assert.ok(!('limitReached' in result), 'written');
  return result;
}

for (const target of targets) {
  describe(`routing groups on ${target.name}`, { skip: target.skip }, () => {
    test('put creates, put again replaces the definition and keeps created_at; get and list read it back', async () => {
      await withStore(target, async (store) => {
        const org = await newOrganization(store);
        const first = created(await store.routingGroups.put({ organizationId: org, name: 'fast', definition: definition(), at, maxGroups: 50 }));
        assert.equal(first.created, true);
        assert.deepEqual(first.record.definition, definition());
        const second = created(await store.routingGroups.put({ organizationId: org, name: 'fast', definition: definition('gpt-4o'), at: later, maxGroups: 50 }));
        assert.equal(second.created, false);
        assert.deepEqual(second.record.createdAt, at);
        assert.deepEqual(second.record.updatedAt, later);

        const read = await store.routingGroups.get(org, 'fast');
        assert.deepEqual(read, { organizationId: org, name: 'fast', definition: definition('gpt-4o'), createdAt: at, updatedAt: later });
        await store.routingGroups.put({ organizationId: org, name: 'cheap', definition: definition(), at, maxGroups: 50 });
        assert.deepEqual((await store.routingGroups.list(org)).map((record) => record.name), ['cheap', 'fast']);
      });
    });

    test('delete removes one group and says whether there was one', async () => {
      await withStore(target, async (store) => {
        const org = await newOrganization(store);
        await store.routingGroups.put({ organizationId: org, name: 'fast', definition: definition(), at, maxGroups: 50 });
        assert.equal(await store.routingGroups.delete(org, 'fast'), true);
        assert.equal(await store.routingGroups.delete(org, 'fast'), false);
        assert.equal(await store.routingGroups.get(org, 'fast'), undefined);
        assert.deepEqual(await store.routingGroups.list(org), []);
      });
    });

    test("an organization's groups are its own: same names apart, no reads or deletes across", async () => {
      await withStore(target, async (store) => {
        const [a, b] = [await newOrganization(store), await newOrganization(store)];
        await store.routingGroups.put({ organizationId: a, name: 'fast', definition: definition('gpt-4o'), at, maxGroups: 50 });
        created(await store.routingGroups.put({ organizationId: b, name: 'fast', definition: definition(), at, maxGroups: 50 }));
        assert.deepEqual((await store.routingGroups.get(a, 'fast'))?.definition, definition('gpt-4o'));
        assert.deepEqual((await store.routingGroups.get(b, 'fast'))?.definition, definition());
        assert.equal(await store.routingGroups.delete(b, 'fast'), true);
        assert.equal((await store.routingGroups.list(a)).length, 1);
        assert.equal(await store.routingGroups.get(b, 'other'), undefined);
      });
    });

    test('a new group past maxGroups is refused and nothing is written; replacing one at the limit is not', async () => {
      await withStore(target, async (store) => {
        const org = await newOrganization(store);
        for (const name of ['a', 'b', 'c']) created(await store.routingGroups.put({ organizationId: org, name, definition: definition(), at, maxGroups: 3 }));
        assert.deepEqual(await store.routingGroups.put({ organizationId: org, name: 'd', definition: definition(), at, maxGroups: 3 }), { limitReached: true });
        assert.equal(created(await store.routingGroups.put({ organizationId: org, name: 'c', definition: definition('gpt-4o'), at: later, maxGroups: 3 })).created, false);
        assert.deepEqual((await store.routingGroups.list(org)).map((record) => record.name), ['a', 'b', 'c']);
      });
    });

    test('racing creations never pass the limit, even from two stores on one database', async () => {
      await withStore(target, async (store, { location }) => {
        const org = await newOrganization(store);
        const other = target.durable ? await openStore({ url: location.url, dataDir: location.dataDir }) : store;
        try {
          const results = await Promise.all(
            Array.from({ length: 12 }, (_, index) =>
              (index % 2 === 0 ? store : other).routingGroups.put({ organizationId: org, name: `g${index}`, definition: definition(), at, maxGroups: 5 }),
            ),
          );
          assert.equal(results.filter((result) => !('limitReached' in result)).length, 5);
          assert.equal((await store.routingGroups.list(org)).length, 5);
        } finally {
          if (other !== store) await other.close();
        }
      });
    });
  });
}
