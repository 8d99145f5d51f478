// Webhooks end to end: a running gateway and the webhook API beside it on the same database (as the app
// mounts it), a local receiver that verifies signatures. CRUD and bad input, the test ping, api_key.created
// after POST /api/keys, a receiver down then up, the delivery log, secret rotation, and isolation between
// organizations.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretBox } from '../../src/access/secret-box.js';
import { createHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/observability/logger.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/open-database.js';
import { WebhookRepository } from '../../src/store/webhook-repository.js';
import { writeTransaction } from '../../src/store/write-transaction.js';
import { renderPlatformError } from '../../src/surfaces/platform/platform-io.js';
import { webhookRoutes } from '../../src/surfaces/platform/webhook-handlers.js';
import { createDeliveryWorker, type DeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { createOutboundSender, type OutboundSender } from '../../src/webhooks/outbound.js';
import { verifySignature } from '../../src/webhooks/signing.js';
import { createWebhookSecrets } from '../../src/webhooks/webhook-secrets.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Delivery = { body: string; headers: IncomingHttpHeaders };

let gateway: TestGateway;
let handle: DatabaseHandle;
let api: Server;
let apiUrl: string;
let receiver: Server;
let receiverUrl: string;
let sender: OutboundSender;
let worker: DeliveryWorker;
const received: Delivery[] = [];
let receiverStatus = 200;

async function call(method: string, path: string, key: string, body?: unknown, base = apiUrl) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const listen = (server: Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-webhooks-'));
  // The gateway's own delivery worker idles (one poll a minute): this test's worker, with a retry schedule of
  // zeros and private addresses allowed, delivers from the same database.
  gateway = await startTestGateway({ databaseUrl: `sqlite:${join(dataDir, 'gateway.db')}`, config: { webhooks: { pollMs: 60_000 } } });
  handle = await openDatabase({ url: `sqlite:${join(dataDir, 'gateway.db')}`, dataDir });
  const store = new WebhookRepository({ db: handle.db, dialect: handle.dialect, write: writeTransaction(handle.db, handle.dialect, handle.sqlite) });
  sender = createOutboundSender({ allowPrivate: true, timeoutMs: 5000 });
  const secrets = createWebhookSecrets({ store, box: createSecretBox(gateway.masterKey) });
  worker = createDeliveryWorker({ store, sender, secrets, logger: silentLogger, schedule: [0, 0, 0] });
  const routes = webhookRoutes({ identity: gateway.app.identity, bodyLimit: 64 * 1024, trustProxy: false, webhooks: { store, secrets, worker } });
  api = createHttpServer({ routes, logger: silentLogger, renderNotFound: renderPlatformError, authorize: gateway.app.authenticator.authorize });
  apiUrl = await listen(api);
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (receiverStatus === 200) received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(receiverStatus).end();
    });
  });
  receiverUrl = await listen(receiver);
});

after(async () => {
  await worker.stop();
  await sender.close();
  await new Promise((resolve) => api.close(resolve));
  await new Promise((resolve) => receiver.close(resolve));
  await handle.close();
  await gateway.close();
});

describe('webhooks', () => {
  let webhookId = '';
  let secret = '';

  test('create returns the secret once; list, get, patch; bad input is a 400 naming the field', async () => {
    const created = await call('POST', '/api/v1/webhooks', gateway.adminKey, { url: `${receiverUrl}/hook`, events: ['api_key.created'], description: 'main' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.secret, /^whsec_/);
    webhookId = created.body.webhook.id;
    secret = created.body.secret;
    assert.match(webhookId, /^wh_/);
    const second = await call('POST', '/api/v1/webhooks', gateway.adminKey, { url: `${receiverUrl}/other`, events: ['*'] });
    assert.equal(second.body.secret, undefined, 'the secret is shown once');
    assert.equal((await call('GET', '/api/v1/webhooks', gateway.adminKey)).body.webhooks.length, 2);
    assert.equal((await call('GET', `/api/v1/webhooks/${webhookId}`, gateway.adminKey)).body.webhook.description, 'main');
    const patched = await call('PATCH', `/api/v1/webhooks/${second.body.webhook.id}`, gateway.adminKey, { enabled: false });
    assert.equal(patched.body.webhook.enabled, false);
    assert.equal((await call('DELETE', `/api/v1/webhooks/${second.body.webhook.id}`, gateway.adminKey)).body.deleted, true);

    const bad = [
      ['{"url": ', 'invalid_request'],
      [{ url: 'ftp://example.com', events: ['api_key.created'] }, 'url'],
      [{ url: 42, events: ['api_key.created'] }, 'url'],
      [{ events: ['api_key.created'] }, 'url'],
      [{ url: 'https://example.com', events: ['nope.happened'] }, 'events'],
      [{ url: 'https://example.com', events: 'api_key.created' }, 'events'],
    ] as const;
    for (const [body, field] of bad) {
      const response = await call('POST', '/api/v1/webhooks', gateway.adminKey, body);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      if (field !== 'invalid_request') assert.match(JSON.stringify(response.body.details ?? {}), new RegExp(field));
    }
    const huge = await call('POST', '/api/v1/webhooks', gateway.adminKey, { url: 'https://example.com', events: ['*'], description: 'x'.repeat(70_000) });
    assert.equal(huge.status, 413);
    assert.equal((await call('PATCH', `/api/v1/webhooks/${webhookId}`, gateway.adminKey, {})).status, 400);
  });

  test('the test ping is delivered now, signed, and its result returned', async () => {
    const ping = await call('POST', `/api/v1/webhooks/${webhookId}/test`, gateway.adminKey);
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.equal(ping.body.result.ok, true);
    const delivery = received.at(-1)!;
    assert.equal(JSON.parse(delivery.body).type, 'webhook.test');
    assert.equal(verifySignature(delivery.body, delivery.headers, secret), true);
    assert.equal(delivery.headers['switchyard-delivery'], ping.body.delivery.id);
  });

  test('api_key.created after POST /api/keys; a receiver down then up gets it; the log shows both attempts', async () => {
    receiverStatus = 503;
    const key = await call('POST', '/api/keys', gateway.adminKey, { name: 'ci' }, gateway.url);
    assert.equal(key.status, 201);
    await worker.runOnce();
    const [failed] = (await call('GET', `/api/v1/webhooks/${webhookId}/deliveries`, gateway.adminKey)).body.deliveries;
    assert.deepEqual([failed.event_type, failed.status, failed.attempts, failed.last_status], ['api_key.created', 'pending', 1, 503]);
    receiverStatus = 200;
    await worker.runOnce();
    const delivery = received.at(-1)!;
    assert.equal(JSON.parse(delivery.body).data.id, key.body.key.id);
    assert.equal(verifySignature(delivery.body, delivery.headers, secret), true);
    const [done] = (await call('GET', `/api/v1/webhooks/${webhookId}/deliveries`, gateway.adminKey)).body.deliveries;
    assert.equal(done.status, 'delivered');
    assert.deepEqual(done.attempt_log.map((attempt: { status_code: number }) => attempt.status_code), [503, 200]);
    assert.ok(done.attempt_log.every((attempt: { latency_ms: number }) => typeof attempt.latency_ms === 'number'));

    const again = await call('POST', `/api/v1/webhooks/${webhookId}/deliveries/${done.id}/redeliver`, gateway.adminKey);
    assert.equal(again.body.result.ok, true);
    assert.equal(JSON.parse(received.at(-1)!.body).id, JSON.parse(delivery.body).id, 'a redelivery carries the same event id');
  });

  test('rotation: both signatures during the grace period, then only the new one', async () => {
    const rotated = await call('POST', `/v2/organizations/${gateway.operatorOrganizationId}/webhook-secret`, gateway.adminKey, { grace_seconds: 3600 });
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    await call('POST', `/api/v1/webhooks/${webhookId}/test`, gateway.adminKey);
    const during = received.at(-1)!;
    assert.equal(verifySignature(during.body, during.headers, secret), true);
    assert.equal(verifySignature(during.body, during.headers, rotated.body.secret), true);
    const immediate = await call('POST', `/v2/organizations/${gateway.operatorOrganizationId}/webhook-secret`, gateway.adminKey, { grace_seconds: 0 });
    await call('POST', `/api/v1/webhooks/${webhookId}/test`, gateway.adminKey);
    const afterwards = received.at(-1)!;
    assert.equal(String(afterwards.headers['switchyard-signature']).split(',').length, 1);
    assert.equal(verifySignature(afterwards.body, afterwards.headers, immediate.body.secret), true);
    assert.equal(verifySignature(afterwards.body, afterwards.headers, rotated.body.secret), false);
  });

  test('another organization cannot see or touch the webhook, nor rotate this secret', async () => {
    const org = await call('POST', '/api/organizations', gateway.adminKey, { name: 'Other' }, gateway.url);
    assert.equal(org.status, 201, JSON.stringify(org.body));
    const otherKey: string = org.body.secret;
    assert.deepEqual((await call('GET', '/api/v1/webhooks', otherKey)).body.webhooks, []);
    for (const [method, path] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/test'], ['GET', '/deliveries']] as const) {
      const response = await call(method, `/api/v1/webhooks/${webhookId}${path}`, otherKey, method === 'PATCH' ? { enabled: false } : undefined);
      assert.equal(response.status, 404, `${method} ${path}`);
    }
    const rotate = await call('POST', `/v2/organizations/${gateway.operatorOrganizationId}/webhook-secret`, otherKey);
    assert.equal(rotate.status, 403);
    assert.equal(rotate.body.code, 'WRONG_ORGANIZATION');
    assert.equal((await call('GET', `/api/v1/webhooks/${webhookId}`, gateway.adminKey)).body.webhook.enabled, true);
  });
});
