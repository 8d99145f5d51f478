// Handlers of /api/v1/webhooks (an organization's webhook endpoints, their test ping and delivery log) and
// /v2/organizations/:orgId/webhook-secret (rotating the organization's signing secret). The first endpoint
// an organization creates also creates its secret, returned once in that answer; rotation returns the new
// one once too. Delivery itself is the worker's (webhooks/delivery-worker.ts).
import type { HTTPMethod } from 'find-my-way';
import { z } from 'zod';
import type { Principal } from '../../access/principal.js';
import { GatewayError } from '../../core/errors.js';
import { uuidv7 } from '../../http/request-id.js';
import type { Exchange, Route, RouteAccess } from '../../http/server.js';
import { auditEntry } from '../../identity/audit.js';
import type { DeliveryAttemptRecord, DeliveryRecord, WebhookEndpointRecord, WebhookRepository } from '../../store/webhook-repository.js';
import type { AttemptReport, DeliveryWorker } from '../../webhooks/delivery-worker.js';
import type { WebhookSecrets } from '../../webhooks/webhook-secrets.js';
import type { PlatformDeps } from './platform-deps.js';
import { iso, listQuery, originOf, param, principalOf, readJson, readOptionalJson, renderPlatformError, sendOk } from './platform-io.js';

/** The event types an endpoint can subscribe to (`*`: all of them). */
export const webhookEventTypes = ['prompt.completed', 'usage.limit_reached', 'billing.subscription_updated', 'api_key.created', 'webhook.endpoint_disabled'] as const;
export const maxWebhooksPerOrganization = 20;
const defaultGraceSeconds = 24 * 3600;

export type WebhookDeps = {
  store: Pick<WebhookRepository, 'listEndpoints' | 'getEndpoint' | 'createEndpoint' | 'updateEndpoint' | 'deleteEndpoint' | 'listDeliveries' | 'getDelivery'>;
  secrets: Pick<WebhookSecrets, 'generate' | 'rotate'>;
  worker: Pick<DeliveryWorker, 'enqueue' | 'deliverNow'>;
};

type Deps = Pick<PlatformDeps, 'identity' | 'bodyLimit' | 'trustProxy'> & { webhooks: WebhookDeps };
type RouteBuilder = (method: HTTPMethod, path: string, access: RouteAccess, handler: Route['handler']) => Route;

const plainRoute: RouteBuilder = (method, path, access, handler) => ({ method, path, access, handler, renderError: renderPlatformError });

const urlSchema = z
  .string()
  .max(2048)
  .refine(isWebhookUrl, { message: 'Must be an absolute http:// or https:// URL without credentials.' });
const eventsSchema = z.array(z.enum([...webhookEventTypes, '*'])).min(1).max(webhookEventTypes.length + 1);
const descriptionSchema = z.string().max(500).nullable();

const createSchema = z.strictObject({ url: urlSchema, events: eventsSchema, description: descriptionSchema.optional() });
const patchSchema = z
  .strictObject({ url: urlSchema.optional(), events: eventsSchema.optional(), description: descriptionSchema.optional(), enabled: z.boolean().optional() })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Send at least one of url, events, description, enabled.' });
const rotateSchema = z.strictObject({ grace_seconds: z.number().int().min(0).max(7 * 24 * 3600).default(defaultGraceSeconds) });

export function webhookRoutes(deps: Deps, route: RouteBuilder = plainRoute): Route[] {
  const handlers = webhookHandlers(deps);
  const reader: RouteAccess = { scope: 'manager', domain: 'webhooks' };
  const writer: RouteAccess = { scope: 'admin', domain: 'webhooks' };
  return [
    route('GET', '/api/v1/webhooks', reader, handlers.list),
    route('POST', '/api/v1/webhooks', writer, handlers.create),
    route('GET', '/api/v1/webhooks/:webhookId', reader, handlers.get),
    route('PATCH', '/api/v1/webhooks/:webhookId', writer, handlers.update),
    route('DELETE', '/api/v1/webhooks/:webhookId', writer, handlers.delete),
    route('POST', '/api/v1/webhooks/:webhookId/test', writer, handlers.test),
    route('GET', '/api/v1/webhooks/:webhookId/deliveries', reader, handlers.deliveries),
    route('POST', '/api/v1/webhooks/:webhookId/deliveries/:deliveryId/redeliver', writer, handlers.redeliver),
    route('POST', '/v2/organizations/:orgId/webhook-secret', writer, handlers.rotateSecret),
  ];
}

export function webhookHandlers(deps: Deps) {
  const { identity } = deps;
  const { store, secrets, worker } = deps.webhooks;
  const origin = (exchange: Exchange) => originOf(exchange, deps.trustProxy);
  const endpointOf = async (exchange: Exchange, organizationId: string) => {
    const id = param(exchange, 'webhookId');
    const endpoint = await store.getEndpoint(organizationId, id);
    if (endpoint === undefined) throw webhookNotFound(id);
    return endpoint;
  };
  return {
    async list(exchange: Exchange) {
      const actor = principalOf(exchange);
      sendOk(exchange, 200, { webhooks: (await store.listEndpoints(actor.organizationId)).map(webhookView) });
    },

    async create(exchange: Exchange) {
      const actor = principalOf(exchange);
      const input = await readJson(exchange, createSchema, deps.bodyLimit);
      const at = identity.now();
      const endpoint: WebhookEndpointRecord = {
        id: `wh_${uuidv7().replaceAll('-', '')}`,
        organizationId: actor.organizationId,
        url: input.url,
        events: [...new Set(input.events)],
        description: input.description ?? null,
        enabled: true,
        disabledReason: null,
        consecutiveFailures: 0,
        failingSince: null,
        createdAt: at,
        updatedAt: at,
      };
      const fresh = secrets.generate(actor.organizationId);
      const result = await store.createEndpoint({ endpoint, maxEndpoints: maxWebhooksPerOrganization, sealedSecret: fresh.sealed });
      if ('limitReached' in result) {
        throw new GatewayError('conflict', `An organization may have at most ${maxWebhooksPerOrganization} webhooks; delete one first.`, {
          publicCode: 'webhook_limit_reached',
        });
      }
      await identity.store.recordAudit([auditEntry(actor, origin(exchange), 'webhook.created', { type: 'webhook', id: endpoint.id }, { at, details: { url: endpoint.url } })]);
      sendOk(exchange, 201, {
        webhook: webhookView(result.endpoint),
        ...(result.secretCreated
          ? { secret: fresh.secret, notice: "Store the signing secret now: it is shown only once. Rotate it with POST /v2/organizations/:orgId/webhook-secret." }
          : {}),
      });
    },

    async get(exchange: Exchange) {
      const actor = principalOf(exchange);
      sendOk(exchange, 200, { webhook: webhookView(await endpointOf(exchange, actor.organizationId)) });
    },

    async update(exchange: Exchange) {
      const actor = principalOf(exchange);
      const id = param(exchange, 'webhookId');
      const patch = await readJson(exchange, patchSchema, deps.bodyLimit);
      const at = identity.now();
      const updated = await store.updateEndpoint(actor.organizationId, id, { ...patch, ...(patch.events ? { events: [...new Set(patch.events)] } : {}) }, at);
      if (updated === undefined) throw webhookNotFound(id);
      await identity.store.recordAudit([auditEntry(actor, origin(exchange), 'webhook.updated', { type: 'webhook', id }, { at, details: { fields: Object.keys(patch) } })]);
      sendOk(exchange, 200, { webhook: webhookView(updated) });
    },

    async delete(exchange: Exchange) {
      const actor = principalOf(exchange);
      const id = param(exchange, 'webhookId');
      const at = identity.now();
      if (!(await store.deleteEndpoint(actor.organizationId, id, at))) throw webhookNotFound(id);
      await identity.store.recordAudit([auditEntry(actor, origin(exchange), 'webhook.deleted', { type: 'webhook', id }, { at })]);
      sendOk(exchange, 200, { deleted: true, id });
    },

    /** A `webhook.test` event sent now to this endpoint (subscribed or not); the answer is the attempt's result. */
    async test(exchange: Exchange) {
      const actor = principalOf(exchange);
      const endpoint = await endpointOf(exchange, actor.organizationId);
      const event = { id: `evt_${uuidv7().replaceAll('-', '')}`, type: 'webhook.test', created: identity.now(), data: { webhook_id: endpoint.id, message: 'A test event from Switchyard.' } };
      const deliveryId = await worker.enqueue({ organizationId: actor.organizationId, url: endpoint.url, endpointId: endpoint.id, event });
      sendOk(exchange, 200, await attemptAnswer(actor.organizationId, deliveryId, await worker.deliverNow(deliveryId)));
    },

    async deliveries(exchange: Exchange) {
      const actor = principalOf(exchange);
      const endpoint = await endpointOf(exchange, actor.organizationId);
      const { limit, offset } = listQuery(exchange, 100);
      const deliveries = await store.listDeliveries(actor.organizationId, endpoint.id, { limit, offset });
      sendOk(exchange, 200, { deliveries: deliveries.map(deliveryView), limit, offset });
    },

    /** Sends the delivery's event again, now, as a new delivery to the endpoint's current URL (same event id). */
    async redeliver(exchange: Exchange) {
      const actor = principalOf(exchange);
      const endpoint = await endpointOf(exchange, actor.organizationId);
      const id = param(exchange, 'deliveryId');
      const original = await store.getDelivery(actor.organizationId, id);
      if (original === undefined || original.endpointId !== endpoint.id) {
        throw new GatewayError('not_found', `Webhook ${endpoint.id} has no delivery '${id}'.`, { param: 'deliveryId', publicCode: 'delivery_not_found' });
      }
      const body = JSON.parse(original.payload) as { created: number; data: Record<string, unknown> };
      const event = { id: original.eventId, type: original.eventType, created: new Date(body.created * 1000), data: body.data };
      const deliveryId = await worker.enqueue({ organizationId: actor.organizationId, url: endpoint.url, endpointId: endpoint.id, event });
      sendOk(exchange, 200, { redelivered_from: original.id, ...(await attemptAnswer(actor.organizationId, deliveryId, await worker.deliverNow(deliveryId))) });
    },

    async rotateSecret(exchange: Exchange) {
      const actor = principalOf(exchange);
      const organizationId = param(exchange, 'orgId');
      await assertMayManage(deps, actor, organizationId);
      const input = await readOptionalJson(exchange, rotateSchema, deps.bodyLimit);
      const at = identity.now();
      const rotated = await secrets.rotate(organizationId, input.grace_seconds, at);
      await identity.store.recordAudit([
        auditEntry(actor, origin(exchange), 'webhook_secret.rotated', { type: 'organization', id: organizationId }, { organizationId, at, details: { grace_seconds: input.grace_seconds } }),
      ]);
      sendOk(exchange, 201, {
        secret: rotated.secret,
        previous_secret_expires_at: iso(rotated.previousExpiresAt),
        notice: 'Store the signing secret now: it is shown only once. Until previous_secret_expires_at deliveries carry both signatures.',
      });
    },
  };

  async function attemptAnswer(organizationId: string, deliveryId: string, report: AttemptReport | undefined) {
    const delivery = await store.getDelivery(organizationId, deliveryId);
    return {
      delivery: delivery === undefined ? { id: deliveryId } : deliveryView(delivery),
      result: report === undefined ? null : { ok: report.result.ok, status_code: report.result.status, latency_ms: report.result.latencyMs, error: report.result.error ?? null },
    };
  }
}

/** The operator organization's admins may rotate any organization's secret; anyone else only their own. */
async function assertMayManage(deps: Deps, actor: Principal & { organizationId: string }, organizationId: string): Promise<void> {
  if (organizationId !== actor.organizationId) {
    const own = await deps.identity.store.getOrganization(actor.organizationId);
    if (own?.isOperator !== true) {
      throw new GatewayError('forbidden', `${actor.label} belongs to another organization and cannot act on organization ${organizationId}.`, {
        publicCode: 'wrong_organization',
        details: { organization_id: organizationId },
      });
    }
  }
  if ((await deps.identity.store.getOrganization(organizationId)) === undefined) {
    throw new GatewayError('not_found', `There is no organization '${organizationId}'.`, { param: 'orgId', publicCode: 'organization_not_found' });
  }
}

function isWebhookUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

export function webhookView(endpoint: WebhookEndpointRecord) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    consecutive_failures: endpoint.consecutiveFailures,
    created_at: iso(endpoint.createdAt),
    updated_at: iso(endpoint.updatedAt),
  };
}

export function deliveryView(delivery: DeliveryRecord & { attemptLog: DeliveryAttemptRecord[] }) {
  return {
    id: delivery.id,
    webhook_id: delivery.endpointId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.status === 'pending' ? iso(delivery.nextAttemptAt) : null,
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    created_at: iso(delivery.createdAt),
    updated_at: iso(delivery.updatedAt),
    attempt_log: delivery.attemptLog.map((attempt) => ({
      attempt: attempt.attempt,
      at: iso(attempt.at),
      status_code: attempt.statusCode,
      latency_ms: attempt.latencyMs,
      error: attempt.error,
    })),
  };
}

function webhookNotFound(id: string): GatewayError {
  return new GatewayError('not_found', `This organization has no webhook '${id}'.`, { param: 'webhookId', publicCode: 'webhook_not_found' });
}
