// Delivers webhook events and job callbacks, at least once. The outbox's events become deliveries (one per
// subscribed, enabled endpoint); due deliveries are claimed (a lease in the database, so one replica sends
// each attempt), signed with the organization's active secrets and sent. A failure is retried on a bounded
// backoff schedule, then the delivery is failed. Every attempt is logged with its status and latency.
// An endpoint that keeps failing is disabled, so a dead receiver does not collect a day of retries forever.
import { uuidv7 } from '../http/request-id.js';
import type { Logger } from '../observability/logger.js';
import type { OutboxEvent } from '../store/types.js';
import type { DeliveryRecord, EndpointHealth, WebhookRepository } from '../store/webhook-repository.js';
import type { DeliveryResult, OutboundSender } from './outbound.js';
import { signDelivery } from './signing.js';
import type { WebhookSecrets } from './webhook-secrets.js';

export const EVENT_HEADER = 'switchyard-event';
export const DELIVERY_HEADER = 'switchyard-delivery';

/** Waits after the 1st, 2nd, … failed attempt: about 21 hours in all, 8 attempts, then the delivery fails. */
export const defaultRetrySchedule: readonly number[] = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000];

/** An endpoint is disabled after this many failed attempts in a row, or when it has failed for this long (3 failures at least). */
export const defaultDisableAfter = { failures: 20, ms: 86_400_000 } as const;

export type DeliveryStore = Pick<WebhookRepository, 'dispatchOutbox' | 'claimDue' | 'claimOne' | 'recordAttempt' | 'disableEndpoint' | 'insertDelivery'>;

export type WebhookEvent = { id: string; type: string; created: Date; data: Record<string, unknown> };

export type EnqueueInput = { organizationId: string; url: string; endpointId?: string | null; event: WebhookEvent };

export type DeliveryWorkerOptions = {
  store: DeliveryStore;
  sender: Pick<OutboundSender, 'send'>;
  secrets: Pick<WebhookSecrets, 'signingSecrets'>;
  logger: Logger;
  now?: () => Date;
  /** How often the worker looks for events and due deliveries. */
  pollMs?: number;
  schedule?: readonly number[];
  disableAfter?: { failures: number; ms: number };
  /** How long a claimed delivery stays this replica's; longer than the sender's deadline. */
  leaseMs?: number;
  batchSize?: number;
  /** Records `webhook.endpoint_disabled` in the outbox (other endpoints may subscribe to it). */
  recordEvents?: (events: OutboxEvent[]) => Promise<void>;
};

export type AttemptReport = { deliveryId: string; attempt: number; status: DeliveryRecord['status']; result: DeliveryResult };

export type DeliveryWorker = {
  start(): void;
  /** Stops polling and waits for the round in flight. */
  stop(): Promise<void>;
  /** One round: dispatch the outbox, then attempt every due delivery claimed. */
  runOnce(): Promise<{ dispatched: number; attempted: number }>;
  /** Queues one delivery (a job's callback, a test ping); it is attempted at the next round. */
  enqueue(input: EnqueueInput): Promise<string>;
  /** Attempts one pending delivery now, whatever its schedule; undefined when it is not pending or another replica holds it. */
  deliverNow(deliveryId: string): Promise<AttemptReport | undefined>;
};

export const newDeliveryId = (): string => `dlv_${uuidv7().replaceAll('-', '')}`;

/** The body receivers get: the event, with `created` in unix seconds. */
export function deliveryPayload(event: WebhookEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, created: Math.floor(event.created.getTime() / 1000), data: event.data });
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { store, sender, secrets, logger } = options;
  const now = options.now ?? (() => new Date());
  const pollMs = options.pollMs ?? 1000;
  const schedule = options.schedule ?? defaultRetrySchedule;
  const disableAfter = options.disableAfter ?? defaultDisableAfter;
  const leaseMs = options.leaseMs ?? 120_000;
  const batchSize = options.batchSize ?? 20;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let round: Promise<unknown> = Promise.resolve();

  async function attempt(delivery: DeliveryRecord): Promise<AttemptReport> {
    const number = delivery.attempts + 1;
    const result = await send(delivery);
    const at = now();
    const retryIn = schedule[number - 1];
    const status = result.ok ? 'delivered' : retryIn === undefined ? 'failed' : 'pending';
    const health = await store.recordAttempt({
      deliveryId: delivery.id,
      attempt: { attempt: number, at, statusCode: result.status, latencyMs: result.latencyMs, error: result.error ?? null },
      status,
      nextAttemptAt: status === 'pending' ? new Date(at.getTime() + (retryIn ?? 0)) : at,
    });
    const fields = { deliveryId: delivery.id, eventId: delivery.eventId, eventType: delivery.eventType, endpointId: delivery.endpointId, organizationId: delivery.organizationId, attempt: number, status: result.status, latencyMs: result.latencyMs };
    if (result.ok) logger.info(fields, 'webhook.delivered');
    else logger.warn({ ...fields, error: result.error, next: status }, status === 'failed' ? 'webhook.failed' : 'webhook.attempt_failed');
    if (!result.ok && health !== undefined) await maybeDisable(delivery, health, at);
    return { deliveryId: delivery.id, attempt: number, status, result };
  }

  async function send(delivery: DeliveryRecord): Promise<DeliveryResult> {
    try {
      const signing = now();
      const active = await secrets.signingSecrets(delivery.organizationId, signing);
      const headers = { ...signDelivery(delivery.payload, active, Math.floor(signing.getTime() / 1000)), [EVENT_HEADER]: delivery.eventId, [DELIVERY_HEADER]: delivery.id };
      return await sender.send(delivery.url, delivery.payload, headers);
    } catch (error) {
      // The sender reports failures as results; this is our side (the secret could not be opened, the store failed).
      logger.error({ err: error, deliveryId: delivery.id }, 'webhook delivery could not be prepared');
      return { status: 0, ok: false, latencyMs: 0, responseBody: '', error: 'the gateway could not prepare the delivery' };
    }
  }

  async function maybeDisable(delivery: DeliveryRecord, health: EndpointHealth, at: Date): Promise<void> {
    if (!health.enabled) return;
    const failingFor = health.failingSince === null ? 0 : at.getTime() - health.failingSince.getTime();
    const tooMany = health.consecutiveFailures >= disableAfter.failures;
    const tooLong = failingFor >= disableAfter.ms && health.consecutiveFailures >= 3;
    if (!tooMany && !tooLong) return;
    const reason = tooMany
      ? `${health.consecutiveFailures} consecutive failed delivery attempts`
      : `deliveries failing for ${Math.round(failingFor / 3_600_000)} hours`;
    if (!(await store.disableEndpoint(delivery.organizationId, health.endpointId, reason, at))) return;
    logger.warn({ endpointId: health.endpointId, organizationId: delivery.organizationId, reason }, 'webhook.disabled');
    await options
      .recordEvents?.([
        {
          id: `evt_${uuidv7().replaceAll('-', '')}`,
          organizationId: delivery.organizationId,
          type: 'webhook.endpoint_disabled',
          data: { webhook_id: health.endpointId, reason },
          createdAt: at,
        },
      ])
      .catch((error: unknown) => logger.error({ err: error }, 'recording webhook.endpoint_disabled failed'));
  }

  async function runOnce(): Promise<{ dispatched: number; attempted: number }> {
    let dispatched = 0;
    for (;;) {
      const { events } = await store.dispatchOutbox({ at: now(), limit: batchSize * 5, newDeliveryId });
      dispatched += events;
      if (events < batchSize * 5) break;
    }
    const due = await store.claimDue({ now: now(), leaseMs, limit: batchSize });
    await Promise.all(due.map(attempt));
    return { dispatched, attempted: due.length };
  }

  function scheduleNext(): void {
    if (!running) return;
    timer = setTimeout(() => {
      round = runOnce()
        .catch((error: unknown) => logger.error({ err: error }, 'webhook delivery round failed'))
        .finally(scheduleNext);
    }, pollMs);
    timer.unref();
  }

  return {
    start() {
      if (running) return;
      running = true;
      scheduleNext();
    },
    async stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      await round;
    },
    runOnce,
    async enqueue(input) {
      const id = newDeliveryId();
      await store.insertDelivery({
        id,
        organizationId: input.organizationId,
        endpointId: input.endpointId ?? null,
        url: input.url,
        eventId: input.event.id,
        eventType: input.event.type,
        payload: deliveryPayload(input.event),
        at: now(),
      });
      return id;
    },
    async deliverNow(deliveryId) {
      const delivery = await store.claimOne(deliveryId, now(), leaseMs);
      return delivery === undefined ? undefined : attempt(delivery);
    },
  };
}
