// Webhook endpoints, the organizations' signing secrets, deliveries and their attempts on SQL (migration
// 0008). Deliveries are the durable queue of the delivery worker: a replica claims a due delivery by
// setting its lease (`claimed_until`) in one statement (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
// writes one at a time), so each attempt is made by one replica, and nothing is lost on a restart.
import { sql } from 'kysely';
import { booleanWriter, readBoolean, readInteger, writeText } from './column-values.js';
import type { SqlDialect, StoreDatabase } from './database.js';
import type { ListQuery } from './types.js';
import {
  deliveryRow,
  toDelivery,
  toEndpoint,
  toSecret,
  type DeliveryAttemptRecord,
  type DeliveryRecord,
  type EndpointHealth,
  type EndpointPatch,
  type AttemptOutcome,
  type NewDelivery,
  type WebhookDatabase,
  type WebhookEndpointRecord,
  type WebhookSecretRecord,
  type WebhookTables,
} from './webhook-rows.js';
import type { WriteTransaction } from './write-transaction.js';

export type * from './webhook-rows.js';

export class WebhookRepository {
  readonly #db: WebhookDatabase;
  readonly #dialect: SqlDialect;
  readonly #write: WriteTransaction;
  readonly #bool: (value: boolean) => boolean | number;

  constructor(options: { db: StoreDatabase; dialect: SqlDialect; write: WriteTransaction }) {
    this.#db = withWebhookTables(options.db);
    this.#dialect = options.dialect;
    this.#write = options.write;
    this.#bool = booleanWriter(options.dialect);
  }

  async listEndpoints(organizationId: string): Promise<WebhookEndpointRecord[]> {
    const rows = await this.#db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toEndpoint);
  }

  async getEndpoint(organizationId: string, id: string): Promise<WebhookEndpointRecord | undefined> {
    const row = await this.#db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toEndpoint(row);
  }

  /**
   * Inserts the endpoint unless the organization has `maxEndpoints` already, and the organization's secret
   * (`sealedSecret`) when it has none yet; `secretCreated` says whether that one is now in use.
   */
  createEndpoint(input: { endpoint: WebhookEndpointRecord; maxEndpoints: number; sealedSecret: string }): Promise<{ limitReached: true } | { endpoint: WebhookEndpointRecord; secretCreated: boolean }> {
    const { endpoint } = input;
    return this.#write(async (transaction) => {
      const db = withWebhookTables(transaction);
      if (this.#dialect === 'postgres') await db.selectFrom('organizations').select('id').where('id', '=', endpoint.organizationId).forUpdate().execute();
      const { count } = await db
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('organization_id', '=', endpoint.organizationId)
        .executeTakeFirstOrThrow();
      if (readInteger(count) >= input.maxEndpoints) return { limitReached: true as const };
      await db.insertInto('webhook_endpoints').values(this.#endpointRow(endpoint)).execute();
      const inserted = await db
        .insertInto('webhook_secrets')
        .values({ organization_id: endpoint.organizationId, current_sealed: input.sealedSecret, created_at: endpoint.createdAt.getTime() })
        .onConflict((conflict) => conflict.column('organization_id').doNothing())
        .returning('organization_id')
        .executeTakeFirst();
      return { endpoint, secretCreated: inserted !== undefined };
    });
  }

  /** Enabling clears the failure count and the reason it was disabled. */
  async updateEndpoint(organizationId: string, id: string, patch: EndpointPatch, at: Date): Promise<WebhookEndpointRecord | undefined> {
    const values: Record<string, unknown> = { updated_at: at.getTime() };
    if (patch.url !== undefined) values.url = writeText(patch.url);
    if (patch.events !== undefined) values.events = JSON.stringify(patch.events);
    if (patch.description !== undefined) values.description = patch.description === null ? null : writeText(patch.description);
    if (patch.enabled === true) Object.assign(values, { enabled: this.#bool(true), disabled_reason: null, consecutive_failures: 0, failing_since: null });
    if (patch.enabled === false) Object.assign(values, { enabled: this.#bool(false), disabled_reason: 'disabled through the API' });
    const result = await this.#db.updateTable('webhook_endpoints').set(values).where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? this.getEndpoint(organizationId, id) : undefined;
  }

  /** Removes the endpoint and cancels its deliveries still waiting; the delivery log is kept. */
  deleteEndpoint(organizationId: string, id: string, at: Date): Promise<boolean> {
    return this.#write(async (transaction) => {
      const db = withWebhookTables(transaction);
      const result = await db.deleteFrom('webhook_endpoints').where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await cancelPending(db, id, 'the endpoint was deleted', at);
      return true;
    });
  }

  /** Disables an enabled endpoint and cancels what waits for it; false when it was not enabled (another replica was first). */
  disableEndpoint(organizationId: string, id: string, reason: string, at: Date): Promise<boolean> {
    return this.#write(async (transaction) => {
      const db = withWebhookTables(transaction);
      const result = await db
        .updateTable('webhook_endpoints')
        .set({ enabled: this.#bool(false), disabled_reason: writeText(reason), updated_at: at.getTime() })
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .where('enabled', '=', this.#bool(true))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await cancelPending(db, id, `the endpoint was disabled: ${reason}`, at);
      return true;
    });
  }

  async getSecret(organizationId: string): Promise<WebhookSecretRecord | undefined> {
    const row = await this.#db.selectFrom('webhook_secrets').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
    return row === undefined ? undefined : toSecret(row);
  }

  /** Stores `sealed` as the secret unless the organization has one; returns the one in use. */
  async ensureSecret(organizationId: string, sealed: string, at: Date): Promise<WebhookSecretRecord> {
    await this.#db
      .insertInto('webhook_secrets')
      .values({ organization_id: organizationId, current_sealed: sealed, created_at: at.getTime() })
      .onConflict((conflict) => conflict.column('organization_id').doNothing())
      .execute();
    const record = await this.getSecret(organizationId);
    if (record === undefined) throw new Error(`webhook secret of ${organizationId} vanished after its insert`);
    return record;
  }

  /** The new secret becomes current; the current one (if any) stays valid as previous until `previousExpiresAt`. */
  rotateSecret(organizationId: string, sealed: string, previousExpiresAt: Date, at: Date): Promise<WebhookSecretRecord> {
    return this.#write(async (transaction) => {
      const db = withWebhookTables(transaction);
      let select = db.selectFrom('webhook_secrets').selectAll().where('organization_id', '=', organizationId);
      if (this.#dialect === 'postgres') select = select.forUpdate();
      const existing = await select.executeTakeFirst();
      if (existing === undefined) {
        await db.insertInto('webhook_secrets').values({ organization_id: organizationId, current_sealed: sealed, created_at: at.getTime(), rotated_at: at.getTime() }).execute();
      } else {
        await db
          .updateTable('webhook_secrets')
          .set({ current_sealed: sealed, previous_sealed: existing.current_sealed, previous_expires_at: previousExpiresAt.getTime(), rotated_at: at.getTime() })
          .where('organization_id', '=', organizationId)
          .execute();
      }
      const row = await db.selectFrom('webhook_secrets').selectAll().where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
      return toSecret(row);
    });
  }

  async insertDelivery(delivery: NewDelivery): Promise<void> {
    await this.#db.insertInto('webhook_deliveries').values(deliveryRow(delivery)).execute();
  }

  /**
   * Turns up to `limit` undispatched outbox events into deliveries, one per enabled endpoint of the event's
   * organization that subscribes to its type and existed when it happened; marks them dispatched in the same
   * transaction, so an event is dispatched once however many replicas run this.
   */
  dispatchOutbox(input: { at: Date; limit: number; newDeliveryId: () => string }): Promise<{ events: number; deliveries: number }> {
    return this.#write(async (transaction) => {
      const db = withWebhookTables(transaction);
      let select = db.selectFrom('outbox_events').selectAll().where('dispatched_at', 'is', null).orderBy('created_at').orderBy('id').limit(input.limit);
      if (this.#dialect === 'postgres') select = select.forUpdate().skipLocked();
      const events = await select.execute();
      if (events.length === 0) return { events: 0, deliveries: 0 };
      const organizations = [...new Set(events.map((event) => event.organization_id))];
      const endpoints = (
        await db.selectFrom('webhook_endpoints').selectAll().where('organization_id', 'in', organizations).where('enabled', '=', this.#bool(true)).execute()
      ).map(toEndpoint);
      const deliveries: NewDelivery[] = [];
      for (const event of events) {
        const created = readInteger(event.created_at);
        for (const endpoint of endpoints) {
          if (endpoint.organizationId !== event.organization_id || endpoint.createdAt.getTime() > created) continue;
          if (!subscribes(endpoint.events, event.type)) continue;
          const payload = JSON.stringify({ id: event.id, type: event.type, created: Math.floor(created / 1000), data: JSON.parse(event.data) as unknown });
          deliveries.push({ id: input.newDeliveryId(), organizationId: endpoint.organizationId, endpointId: endpoint.id, url: endpoint.url, eventId: event.id, eventType: event.type, payload, at: input.at });
        }
      }
      if (deliveries.length > 0) await db.insertInto('webhook_deliveries').values(deliveries.map(deliveryRow)).execute();
      await db.updateTable('outbox_events').set({ dispatched_at: input.at.getTime() }).where('id', 'in', events.map((event) => event.id)).execute();
      return { events: events.length, deliveries: deliveries.length };
    });
  }

  /** Leases up to `limit` due pending deliveries to the caller until `now + leaseMs`; another caller gets others. */
  claimDue(input: { now: Date; leaseMs: number; limit: number }): Promise<DeliveryRecord[]> {
    const now = input.now.getTime();
    return this.#write(async (transaction) => {
      const db = withWebhookTables(transaction);
      let due = db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where('claimed_until', '<=', now)
        .orderBy('next_attempt_at')
        .limit(input.limit);
      if (this.#dialect === 'postgres') due = due.forUpdate().skipLocked();
      const rows = await db
        .updateTable('webhook_deliveries')
        .set({ claimed_until: now + input.leaseMs })
        .where('id', 'in', due)
        // Checked again on the row itself: a concurrent claim that won keeps it.
        .where('status', '=', 'pending')
        .where('claimed_until', '<=', now)
        .returningAll()
        .execute();
      return rows.map(toDelivery).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
    });
  }

  /** Leases one delivery now whatever its schedule (a test ping, a redelivery); undefined when finished or leased. */
  claimOne(id: string, now: Date, leaseMs: number): Promise<DeliveryRecord | undefined> {
    const at = now.getTime();
    return this.#write(async (transaction) => {
      const row = await withWebhookTables(transaction)
        .updateTable('webhook_deliveries')
        .set({ claimed_until: at + leaseMs })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('claimed_until', '<=', at)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toDelivery(row);
    });
  }

  /** Logs the attempt, moves the delivery on and keeps the endpoint's failure count; returns the endpoint's standing. */
  recordAttempt(outcome: AttemptOutcome): Promise<EndpointHealth | undefined> {
    const { attempt } = outcome;
    const at = attempt.at.getTime();
    return this.#write(async (transaction) => {
      const db = withWebhookTables(transaction);
      await db
        .insertInto('webhook_delivery_attempts')
        .values({ delivery_id: outcome.deliveryId, attempt: attempt.attempt, at, status_code: attempt.statusCode, latency_ms: Math.round(attempt.latencyMs), error: attempt.error === null ? null : writeText(attempt.error.slice(0, 1000)) })
        .execute();
      const delivery = await db
        .updateTable('webhook_deliveries')
        .set({
          status: outcome.status,
          attempts: attempt.attempt,
          next_attempt_at: outcome.nextAttemptAt.getTime(),
          claimed_until: 0,
          last_status: attempt.statusCode,
          last_error: attempt.error === null ? null : writeText(attempt.error.slice(0, 1000)),
          updated_at: at,
        })
        .where('id', '=', outcome.deliveryId)
        .returning(['endpoint_id'])
        .executeTakeFirst();
      const endpointId = delivery?.endpoint_id ?? null;
      if (endpointId === null) return undefined;
      const failed = attempt.statusCode < 200 || attempt.statusCode >= 300;
      const row = await db
        .updateTable('webhook_endpoints')
        .set(failed ? { consecutive_failures: sql<number>`consecutive_failures + 1`, failing_since: sql<number>`coalesce(failing_since, ${at})` } : { consecutive_failures: 0, failing_since: null })
        .where('id', '=', endpointId)
        .returning(['id', 'enabled', 'consecutive_failures', 'failing_since'])
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const since = row.failing_since === null ? null : new Date(readInteger(row.failing_since));
      return { endpointId: row.id, enabled: readBoolean(row.enabled), consecutiveFailures: row.consecutive_failures, failingSince: since };
    });
  }

  /** One endpoint's deliveries, newest first, each with its attempts in order. */
  async listDeliveries(organizationId: string, endpointId: string, query: ListQuery = {}): Promise<Array<DeliveryRecord & { attemptLog: DeliveryAttemptRecord[] }>> {
    const rows = await this.#db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('endpoint_id', '=', endpointId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit ?? 50)
      .offset(query.offset ?? 0)
      .execute();
    return this.#withAttempts(rows.map(toDelivery));
  }

  async getDelivery(organizationId: string, id: string): Promise<(DeliveryRecord & { attemptLog: DeliveryAttemptRecord[] }) | undefined> {
    const row = await this.#db.selectFrom('webhook_deliveries').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : (await this.#withAttempts([toDelivery(row)]))[0];
  }

  async #withAttempts(deliveries: DeliveryRecord[]): Promise<Array<DeliveryRecord & { attemptLog: DeliveryAttemptRecord[] }>> {
    if (deliveries.length === 0) return [];
    const rows = await this.#db.selectFrom('webhook_delivery_attempts').selectAll().where('delivery_id', 'in', deliveries.map((each) => each.id)).orderBy('attempt').execute();
    return deliveries.map((delivery) => ({
      ...delivery,
      attemptLog: rows
        .filter((row) => row.delivery_id === delivery.id)
        .map((row) => ({ attempt: row.attempt, at: new Date(readInteger(row.at)), statusCode: row.status_code, latencyMs: row.latency_ms, error: row.error })),
    }));
  }

  #endpointRow(endpoint: WebhookEndpointRecord) {
    return {
      id: endpoint.id,
      organization_id: endpoint.organizationId,
      url: writeText(endpoint.url),
      events: JSON.stringify(endpoint.events),
      description: endpoint.description === null ? null : writeText(endpoint.description),
      enabled: this.#bool(endpoint.enabled),
      disabled_reason: endpoint.disabledReason,
      consecutive_failures: endpoint.consecutiveFailures,
      failing_since: endpoint.failingSince?.getTime() ?? null,
      created_at: endpoint.createdAt.getTime(),
      updated_at: endpoint.updatedAt.getTime(),
    };
  }
}

/** `*` subscribes to every event type. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}

/** The tables are declared here, beside their only repository, rather than in the shared schema. */
function withWebhookTables(db: StoreDatabase): WebhookDatabase {
  return db.withTables<WebhookTables>() as unknown as WebhookDatabase;
}

async function cancelPending(db: WebhookDatabase, endpointId: string, reason: string, at: Date): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled', last_error: reason, claimed_until: 0, updated_at: at.getTime() })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .execute();
}

