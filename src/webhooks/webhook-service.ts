// The webhook parts put together for the app: the guarded sender, the sealed secrets, the delivery worker,
// and what the platform handlers need. `close` stops the worker and the sender's connections.
import type { SecretBox } from '../access/secret-box.js';
import type { Logger } from '../observability/logger.js';
import type { OutboxEvent } from '../store/types.js';
import type { WebhookRepository } from '../store/webhook-repository.js';
import { createDeliveryWorker, type DeliveryWorker } from './delivery-worker.js';
import { createOutboundSender } from './outbound.js';
import { createWebhookSecrets, type WebhookSecrets } from './webhook-secrets.js';

export type WebhookSettings = { allowPrivateAddresses: boolean; timeoutMs: number; pollMs: number };

export type WebhookService = {
  store: WebhookRepository;
  secrets: WebhookSecrets;
  worker: DeliveryWorker;
  close(): Promise<void>;
};

export function createWebhookService(options: {
  store: WebhookRepository;
  box: SecretBox;
  logger: Logger;
  settings: WebhookSettings;
  recordEvents?: (events: OutboxEvent[]) => Promise<void>;
}): WebhookService {
  const { store, settings } = options;
  const sender = createOutboundSender({ allowPrivate: settings.allowPrivateAddresses, timeoutMs: settings.timeoutMs });
  const secrets = createWebhookSecrets({ store, box: options.box });
  const worker = createDeliveryWorker({
    store,
    sender,
    secrets,
    logger: options.logger,
    pollMs: settings.pollMs,
    // The lease outlasts the sender's deadline, so a slow receiver is never sent the same attempt twice.
    leaseMs: Math.max(120_000, settings.timeoutMs * 3),
    ...(options.recordEvents === undefined ? {} : { recordEvents: options.recordEvents }),
  });
  return {
    store,
    secrets,
    worker,
    async close() {
      await worker.stop();
      await sender.close();
    },
  };
}
