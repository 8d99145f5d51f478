// Row shapes of the webhook tables (migration 0008) and their conversion to records, for webhook-repository.ts.
import type { Kysely, Selectable } from 'kysely';
import { readBoolean, readInteger, writeText } from './column-values.js';
import type { BooleanColumn, DatabaseSchema, Int8Column, JsonTextColumn, NullableInt8Column } from './database.js';

export interface WebhookEndpointsTable {
  id: string;
  organization_id: string;
  url: string;
  /** JSON array of event types, `["*"]` for every one. */
  events: JsonTextColumn;
  description: string | null;
  enabled: BooleanColumn;
  disabled_reason: string | null;
  consecutive_failures: number;
  failing_since: NullableInt8Column;
  created_at: Int8Column;
  updated_at: Int8Column;
}

export interface WebhookSecretsTable {
  organization_id: string;
  current_sealed: string;
  previous_sealed: string | null;
  previous_expires_at: NullableInt8Column;
  created_at: Int8Column;
  rotated_at: NullableInt8Column;
}

export interface WebhookDeliveriesTable {
  id: string;
  organization_id: string;
  endpoint_id: string | null;
  url: string;
  event_id: string;
  event_type: string;
  /** The exact body sent, `{"id","type","created","data"}`. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Int8Column;
  claimed_until: Int8Column;
  last_status: number | null;
  last_error: string | null;
  created_at: Int8Column;
  updated_at: Int8Column;
}

export interface WebhookDeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: Int8Column;
  status_code: number;
  latency_ms: number;
  error: string | null;
}

export type OutboxDispatchColumns = { dispatched_at: NullableInt8Column };

export type WebhookTables = {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
};
export type WebhookDatabase = Kysely<Omit<DatabaseSchema, 'outbox_events'> & WebhookTables & { outbox_events: DatabaseSchema['outbox_events'] & OutboxDispatchColumns }>;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export type WebhookEndpointRecord = {
  id: string;
  organizationId: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export type WebhookSecretRecord = {
  organizationId: string;
  currentSealed: string;
  previousSealed: string | null;
  previousExpiresAt: Date | null;
  createdAt: Date;
  rotatedAt: Date | null;
};

export type DeliveryAttemptRecord = { attempt: number; at: Date; statusCode: number; latencyMs: number; error: string | null };

export type DeliveryRecord = {
  id: string;
  organizationId: string;
  endpointId: string | null;
  url: string;
  eventId: string;
  eventType: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export type NewDelivery = Pick<DeliveryRecord, 'id' | 'organizationId' | 'endpointId' | 'url' | 'eventId' | 'eventType' | 'payload'> & { at: Date };

export type EndpointPatch = Partial<Pick<WebhookEndpointRecord, 'url' | 'events' | 'description' | 'enabled'>>;

export type AttemptOutcome = {
  deliveryId: string;
  attempt: DeliveryAttemptRecord;
  /** `pending` with `nextAttemptAt`: another attempt later. */
  status: Exclude<DeliveryStatus, 'cancelled'>;
  nextAttemptAt: Date;
};

/** The endpoint's standing after an attempt: what the worker decides disabling on. */
export type EndpointHealth = { endpointId: string; enabled: boolean; consecutiveFailures: number; failingSince: Date | null };

export function deliveryRow(delivery: NewDelivery) {
  const at = delivery.at.getTime();
  return {
    id: delivery.id,
    organization_id: delivery.organizationId,
    endpoint_id: delivery.endpointId,
    url: writeText(delivery.url),
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    payload: writeText(delivery.payload),
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: at,
    claimed_until: 0,
    created_at: at,
    updated_at: at,
  };
}

export function toEndpoint(row: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    enabled: readBoolean(row.enabled),
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since === null ? null : new Date(readInteger(row.failing_since)),
    createdAt: new Date(readInteger(row.created_at)),
    updatedAt: new Date(readInteger(row.updated_at)),
  };
}

export function toSecret(row: Selectable<WebhookSecretsTable>): WebhookSecretRecord {
  return {
    organizationId: row.organization_id,
    currentSealed: row.current_sealed,
    previousSealed: row.previous_sealed,
    previousExpiresAt: row.previous_expires_at === null ? null : new Date(readInteger(row.previous_expires_at)),
    createdAt: new Date(readInteger(row.created_at)),
    rotatedAt: row.rotated_at === null ? null : new Date(readInteger(row.rotated_at)),
  };
}

export function toDelivery(row: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    endpointId: row.endpoint_id,
    url: row.url,
    eventId: row.event_id,
    eventType: row.event_type,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(readInteger(row.next_attempt_at)),
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: new Date(readInteger(row.created_at)),
    updatedAt: new Date(readInteger(row.updated_at)),
  };
}
