// Webhook endpoints, secrets, the outbox dispatch and the delivery queue on SQLite and PostgreSQL: the
// per-organization limit, the first secret created once, rotation keeping the previous secret, events
// dispatched once to subscribed endpoints, and a due delivery claimed by exactly one of two stores racing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase, type DatabaseHandle } from '../../src/store/open-database.js';
import type { Store } from '../../src/store/types.js';
import { WebhookRepository, type WebhookEndpointRecord } from '../../src/store/webhook-repository.js';
import { writeTransaction } from '../../src/store/write-transaction.js';
import { organization } from './access-records.js';
import { targets, withStore, type StoreContext } from './store-fixtures.js';

const at = new Date(Date.UTC(2026, 0, 5, 10, 0, 0));
let sequence = 0;
const nextId = (prefix: string) => `${prefix}_${String(++sequence).padStart(6, '0')}`;

function endpoint(organizationId: string, overrides: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord {
  return {
    id: nextId('wh'),
    organizationId,
    url: 'https://example.com/hook',
    events: ['api_key.created'],
    description: null,
    enabled: true,
    disabledReason: null,
    consecutiveFailures: 0,
    failingSince: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A second connection to the store's database: the repository under test (as another replica would open it). */
async function withRepositories(store: Store, context: StoreContext, use: (first: WebhookRepository, second: WebhookRepository) => Promise<void>) {
  const handles: DatabaseHandle[] = [];
  try {
    const repositories = [];
    for (let index = 0; index < 2; index += 1) {
      const handle = await openDatabase({ url: context.location.url, dataDir: context.location.dataDir, logger: { warn() {}, error() {} } });
      handles.push(handle);
      repositories.push(new WebhookRepository({ db: handle.db, dialect: handle.dialect, write: writeTransaction(handle.db, handle.dialect, handle.sqlite) }));
    }
    assert.equal(store.dialect, handles[0]!.dialect);
    await use(repositories[0]!, repositories[1]!);
  } finally {
    for (const handle of handles) await handle.close();
  }
}

async function newOrganization(store: Store): Promise<string> {
  const org = organization();
  await store.access.createOrganization(org);
  return org.id;
}

for (const target of targets.filter((each) => each.durable)) {
  describe(`webhooks on ${target.name}`, { skip: target.skip }, () => {
    test('endpoints: create (first one stores the secret), limit, update, delete; organizations apart', async () => {
      await withStore(target, async (store, context) => {
        await withRepositories(store, context, async (webhooks) => {
          const [a, b] = [await newOrganization(store), await newOrganization(store)];
          const first = await webhooks.createEndpoint({ endpoint: endpoint(a), maxEndpoints: 2, sealedSecret: 'sealed-1' });
          assert.ok('endpoint' in first && first.secretCreated);
          const second = await webhooks.createEndpoint({ endpoint: endpoint(a), maxEndpoints: 2, sealedSecret: 'sealed-2' });
          assert.ok('endpoint' in second && !second.secretCreated);
          assert.deepEqual(await webhooks.createEndpoint({ endpoint: endpoint(a), maxEndpoints: 2, sealedSecret: 'sealed-3' }), { limitReached: true });
          assert.equal((await webhooks.getSecret(a))?.currentSealed, 'sealed-1');

          assert.equal((await webhooks.listEndpoints(a)).length, 2);
          assert.deepEqual(await webhooks.listEndpoints(b), []);
          assert.equal(await webhooks.getEndpoint(b, first.endpoint.id), undefined);
          assert.equal(await webhooks.updateEndpoint(b, first.endpoint.id, { url: 'https://evil.test/' }, at), undefined);
          assert.equal(await webhooks.deleteEndpoint(b, first.endpoint.id, at), false);

          const updated = await webhooks.updateEndpoint(a, first.endpoint.id, { events: ['*'], description: 'all', enabled: false }, at);
          assert.deepEqual([updated?.events, updated?.description, updated?.enabled, updated?.disabledReason], [['*'], 'all', false, 'disabled through the API']);
          const enabled = await webhooks.updateEndpoint(a, first.endpoint.id, { enabled: true }, at);
          assert.deepEqual([enabled?.enabled, enabled?.disabledReason], [true, null]);
          assert.equal(await webhooks.deleteEndpoint(a, first.endpoint.id, at), true);
          assert.equal(await webhooks.getEndpoint(a, first.endpoint.id), undefined);
        });
      });
    });

    test('rotation keeps the previous secret with its end of grace; ensureSecret never replaces one', async () => {
      await withStore(target, async (store, context) => {
        await withRepositories(store, context, async (webhooks) => {
          const org = await newOrganization(store);
          assert.equal((await webhooks.ensureSecret(org, 'one', at)).currentSealed, 'one');
          assert.equal((await webhooks.ensureSecret(org, 'other', at)).currentSealed, 'one');
          const ends = new Date(at.getTime() + 3_600_000);
          const rotated = await webhooks.rotateSecret(org, 'two', ends, at);
          assert.deepEqual([rotated.currentSealed, rotated.previousSealed, rotated.previousExpiresAt], ['two', 'one', ends]);
        });
      });
    });

    test('outbox events become one delivery per subscribed enabled endpoint, once', async () => {
      await withStore(target, async (store, context) => {
        await withRepositories(store, context, async (webhooks, other) => {
          const org = await newOrganization(store);
          const subscribed = endpoint(org, { createdAt: new Date(at.getTime() - 1000) });
          await webhooks.createEndpoint({ endpoint: subscribed, maxEndpoints: 20, sealedSecret: 's' });
          await webhooks.createEndpoint({ endpoint: endpoint(org, { events: ['usage.limit_reached'], createdAt: new Date(at.getTime() - 1000) }), maxEndpoints: 20, sealedSecret: 's' });
          await webhooks.createEndpoint({ endpoint: endpoint(org, { createdAt: new Date(at.getTime() + 1000) }), maxEndpoints: 20, sealedSecret: 's' });
          await store.access.recordEvents([{ id: 'evt_1', organizationId: org, type: 'api_key.created', data: { key_id: 'key_1' }, createdAt: at }]);
          const results = await Promise.all([webhooks, other].map((each) => each.dispatchOutbox({ at, limit: 10, newDeliveryId: () => nextId('dlv') })));
          assert.deepEqual(results.map((each) => each.deliveries).sort(), [0, 1]);
          const [delivery] = await webhooks.listDeliveries(org, subscribed.id);
          assert.equal(delivery?.eventId, 'evt_1');
          assert.deepEqual(JSON.parse(delivery!.payload), { id: 'evt_1', type: 'api_key.created', created: Math.floor(at.getTime() / 1000), data: { key_id: 'key_1' } });
        });
      });
    });

    test('a due delivery is claimed by exactly one of two racing stores; attempts are logged and the endpoint counts failures', async () => {
      await withStore(target, async (store, context) => {
        await withRepositories(store, context, async (first, second) => {
          const org = await newOrganization(store);
          const hook = endpoint(org);
          await first.createEndpoint({ endpoint: hook, maxEndpoints: 20, sealedSecret: 's' });
          const ids: string[] = [];
          for (let index = 0; index < 12; index += 1) {
            const id = nextId('dlv');
            ids.push(id);
            await first.insertDelivery({ id, organizationId: org, endpointId: hook.id, url: hook.url, eventId: `evt_${index}`, eventType: 'api_key.created', payload: '{}', at });
          }
          const claims = await Promise.all([first, second, first, second].map((each) => each.claimDue({ now: at, leaseMs: 60_000, limit: 5 })));
          const claimed = claims.flat().map((each) => each.id);
          assert.equal(new Set(claimed).size, claimed.length, 'no delivery claimed twice');
          assert.equal(claimed.length, 12);
          assert.deepEqual(await first.claimDue({ now: at, leaseMs: 60_000, limit: 5 }), [], 'leased deliveries are not due');
          assert.equal(await second.claimOne(ids[0]!, at, 60_000), undefined);

          const later = new Date(at.getTime() + 1000);
          const health = await first.recordAttempt({
            deliveryId: ids[0]!,
            attempt: { attempt: 1, at: later, statusCode: 500, latencyMs: 12, error: 'receiver answered 500' },
            status: 'pending',
            nextAttemptAt: new Date(later.getTime() + 10_000),
          });
          assert.deepEqual(health, { endpointId: hook.id, enabled: true, consecutiveFailures: 1, failingSince: later });
          const logged = await first.getDelivery(org, ids[0]!);
          assert.deepEqual([logged?.status, logged?.attempts, logged?.lastStatus, logged?.attemptLog.length], ['pending', 1, 500, 1]);
          assert.deepEqual(await first.claimDue({ now: new Date(later.getTime() + 9_999), leaseMs: 1, limit: 5 }), []);
          assert.deepEqual((await second.claimDue({ now: new Date(later.getTime() + 10_000), leaseMs: 1, limit: 5 })).map((each) => each.id), [ids[0]]);

          const ok = await first.recordAttempt({ deliveryId: ids[1]!, attempt: { attempt: 1, at: later, statusCode: 200, latencyMs: 3, error: null }, status: 'delivered', nextAttemptAt: later });
          assert.equal(ok?.consecutiveFailures, 0);
          assert.equal(await first.disableEndpoint(org, hook.id, 'too many failures', later), true);
          assert.equal(await second.disableEndpoint(org, hook.id, 'too many failures', later), false);
          assert.equal((await first.getDelivery(org, ids[5]!))?.status, 'cancelled');
          assert.equal((await first.getEndpoint(org, hook.id))?.disabledReason, 'too many failures');
        });
      });
    });
  });
}
