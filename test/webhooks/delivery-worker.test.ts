// The delivery worker on a real (in-memory SQLite) store with a fake receiver and a fake clock: the
// backoff schedule then failure, disabling an endpoint that keeps failing, sending a delivery at once,
// and signatures a receiver verifies (with either secret during a rotation's grace, never a tampered body
// or a stale timestamp).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSecretBox } from '../../src/access/secret-box.js';
import { silentLogger } from '../../src/observability/logger.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/open-store.js';
import { openDatabase } from '../../src/store/open-database.js';
import type { Store } from '../../src/store/types.js';
import { WebhookRepository, type WebhookEndpointRecord } from '../../src/store/webhook-repository.js';
import { writeTransaction } from '../../src/store/write-transaction.js';
import { createDeliveryWorker, defaultRetrySchedule, type DeliveryWorkerOptions } from '../../src/webhooks/delivery-worker.js';
import type { DeliveryResult } from '../../src/webhooks/outbound.js';
import { verifySignature } from '../../src/webhooks/signing.js';
import { createWebhookSecrets } from '../../src/webhooks/webhook-secrets.js';

type Received = { url: string; body: string; headers: Record<string, string>; at: number };

async function setup(t: { after(fn: () => Promise<void>): void }, overrides: Partial<DeliveryWorkerOptions> = {}) {
  const handle = await openDatabase({ url: 'sqlite::memory:', dataDir: mkdtempSync(join(tmpdir(), 'switchyard-worker-')) });
  await migrateToLatest(handle);
  const store: Store = createStore(handle);
  t.after(() => store.close());
  const webhooks = new WebhookRepository({ db: handle.db, dialect: handle.dialect, write: writeTransaction(handle.db, handle.dialect, handle.sqlite) });
  const organizationId = 'org_1';
  await store.access.createOrganization({ id: organizationId, name: 'Acme', isOperator: false, createdAt: new Date(0), plan: null, limits: null });
  const clock = { now: Date.UTC(2026, 0, 5, 10, 0, 0) };
  const received: Received[] = [];
  const answers: number[] = [];
  const sender = {
    async send(url: string, body: string, headers: Record<string, string>): Promise<DeliveryResult> {
      received.push({ url, body, headers, at: clock.now });
      const status = answers.shift() ?? 200;
      const ok = status >= 200 && status < 300;
      return { status, ok, latencyMs: 7, responseBody: '', ...(ok ? {} : { error: `receiver answered ${status}` }) };
    },
  };
  const secrets = createWebhookSecrets({ store: webhooks, box: createSecretBox(randomBytes(32)) });
  const logs: Array<{ msg: string; fields: object }> = [];
  const logger = { ...silentLogger, warn: (fields: object, msg: string) => void logs.push({ fields, msg }), info: () => undefined } as unknown as DeliveryWorkerOptions['logger'];
  const worker = createDeliveryWorker({ store: webhooks, sender, secrets, logger, now: () => new Date(clock.now), recordEvents: (events) => store.access.recordEvents(events), ...overrides });
  const endpoint = async (events = ['api_key.created']): Promise<WebhookEndpointRecord> => {
    const at = new Date(clock.now - 1000);
    const record = { id: `wh_${randomBytes(4).toString('hex')}`, organizationId, url: 'https://receiver.example/hook', events, description: null, enabled: true, disabledReason: null, consecutiveFailures: 0, failingSince: null, createdAt: at, updatedAt: at };
    const { sealed, secret } = secrets.generate(organizationId);
    const result = await webhooks.createEndpoint({ endpoint: record, maxEndpoints: 20, sealedSecret: sealed });
    assert.ok('endpoint' in result);
    return Object.assign(record, { secret: result.secretCreated ? secret : undefined });
  };
  const event = (id: string) => store.access.recordEvents([{ id, organizationId, type: 'api_key.created', data: { key_id: id }, createdAt: new Date(clock.now) }]);
  return { store, webhooks, secrets, worker, clock, received, answers, logs, endpoint, event, organizationId };
}

test('a failing delivery is retried on the backoff schedule, then failed; every attempt is logged', async (t) => {
  const context = await setup(t, { disableAfter: { failures: 1000, ms: 1e12 } });
  const hook = await context.endpoint();
  await context.event('evt_a');
  context.answers.push(...Array(20).fill(503));
  const start = context.clock.now;
  await context.worker.runOnce();
  for (const wait of defaultRetrySchedule) {
    context.clock.now += wait - 1;
    assert.equal((await context.worker.runOnce()).attempted, 0, 'not due a millisecond early');
    context.clock.now += 1;
    assert.equal((await context.worker.runOnce()).attempted, 1);
  }
  const sentAt = context.received.map((each) => each.at - start);
  let elapsed = 0;
  assert.deepEqual(sentAt, [0, ...defaultRetrySchedule.map((wait) => (elapsed += wait))]);
  const [delivery] = await context.webhooks.listDeliveries(context.organizationId, hook.id);
  assert.equal(delivery?.status, 'failed');
  assert.equal(delivery?.attemptLog.length, defaultRetrySchedule.length + 1);
  assert.deepEqual(delivery?.attemptLog[0], { attempt: 1, at: new Date(start), statusCode: 503, latencyMs: 7, error: 'receiver answered 503' });
  context.clock.now += 7 * 86_400_000;
  assert.equal((await context.worker.runOnce()).attempted, 0, 'a failed delivery is not sent again');
});

test('an endpoint that keeps failing is disabled, with a reason, a log line and an outbox event; its waiting deliveries are cancelled', async (t) => {
  const context = await setup(t, { disableAfter: { failures: 3, ms: 1e12 } });
  const hook = await context.endpoint();
  for (const id of ['evt_1', 'evt_2', 'evt_3']) await context.event(id);
  context.answers.push(500, 500, 500);
  await context.worker.runOnce();
  const endpoint = await context.webhooks.getEndpoint(context.organizationId, hook.id);
  assert.equal(endpoint?.enabled, false);
  assert.equal(endpoint?.disabledReason, '3 consecutive failed delivery attempts');
  assert.ok(context.logs.some((line) => line.msg === 'webhook.disabled'));
  const deliveries = await context.webhooks.listDeliveries(context.organizationId, hook.id);
  assert.deepEqual(deliveries.map((each) => each.status), ['cancelled', 'cancelled', 'cancelled']);
  const events = await context.store.access.listOutboxEvents(context.organizationId, { type: 'webhook.endpoint_disabled' });
  assert.deepEqual(events[0]?.data, { webhook_id: hook.id, reason: '3 consecutive failed delivery attempts' });
  context.clock.now += 86_400_000;
  await context.event('evt_4');
  const before = context.received.length;
  await context.worker.runOnce();
  assert.equal(context.received.length, before, 'a disabled endpoint gets nothing');
});

test('deliverNow sends a pending delivery at once, a success resets the failure count, enqueue without an endpoint works', async (t) => {
  const context = await setup(t);
  const hook = await context.endpoint();
  await context.event('evt_x');
  context.answers.push(500);
  await context.worker.runOnce();
  const [pending] = await context.webhooks.listDeliveries(context.organizationId, hook.id);
  assert.equal(pending?.status, 'pending');
  const report = await context.worker.deliverNow(pending!.id);
  assert.deepEqual([report?.attempt, report?.status, report?.result.status], [2, 'delivered', 200]);
  assert.equal((await context.webhooks.getEndpoint(context.organizationId, hook.id))?.consecutiveFailures, 0);
  assert.equal(await context.worker.deliverNow(pending!.id), undefined, 'a delivered delivery is not sent again');

  const id = await context.worker.enqueue({ organizationId: context.organizationId, url: 'https://jobs.example/callback', event: { id: 'job_1', type: 'prompt.completed', created: new Date(context.clock.now), data: { ok: true } } });
  await context.worker.runOnce();
  const sent = context.received.at(-1)!;
  assert.deepEqual([sent.url, sent.headers['switchyard-delivery'], sent.headers['switchyard-event']], ['https://jobs.example/callback', id, 'job_1']);
  assert.deepEqual(JSON.parse(sent.body), { id: 'job_1', type: 'prompt.completed', created: Math.floor(context.clock.now / 1000), data: { ok: true } });
});

test('signatures verify with the secret; during a grace period with either; tampered bodies and stale timestamps do not', async (t) => {
  const context = await setup(t);
  const hook = await context.endpoint();
  const secret = (hook as { secret?: string }).secret!;
  await context.event('evt_sig');
  await context.worker.runOnce();
  const first = context.received.at(-1)!;
  const now = Math.floor(context.clock.now / 1000);
  assert.equal(verifySignature(first.body, first.headers, secret, { now }), true);
  assert.equal(verifySignature(first.body.replace('evt_sig', 'evt_sih'), first.headers, secret, { now }), false);
  assert.equal(verifySignature(first.body, first.headers, secret, { now: now + 301 }), false);
  assert.equal(verifySignature(first.body, first.headers, 'whsec_other', { now }), false);

  const rotated = await context.secrets.rotate(context.organizationId, 3600, new Date(context.clock.now));
  await context.event('evt_grace');
  await context.worker.runOnce();
  const during = context.received.at(-1)!;
  assert.equal(during.headers['switchyard-signature']?.split(',').length, 2);
  assert.equal(verifySignature(during.body, during.headers, secret, { now }), true);
  assert.equal(verifySignature(during.body, during.headers, rotated.secret, { now }), true);

  context.clock.now += 3600_000;
  await context.event('evt_after');
  await context.worker.runOnce();
  const after = context.received.at(-1)!;
  const later = Math.floor(context.clock.now / 1000);
  assert.equal(after.headers['switchyard-signature']?.split(',').length, 1);
  assert.equal(verifySignature(after.body, after.headers, rotated.secret, { now: later }), true);
  assert.equal(verifySignature(after.body, after.headers, secret, { now: later }), false);
});
