// The organizations' webhook signing secrets: generated here, sealed under the master key (like provider
// credentials) before they reach the store, opened only to sign a delivery. A plaintext secret leaves
// this module once, in the answer that created or rotated it.
import type { SecretBox } from '../access/secret-box.js';
import type { WebhookRepository } from '../store/webhook-repository.js';
import { activeSecrets, generateWebhookSecret } from './signing.js';

export type WebhookSecretStore = Pick<WebhookRepository, 'getSecret' | 'ensureSecret' | 'rotateSecret'>;

export type WebhookSecrets = {
  /** A new secret, sealed for the organization: the plaintext to show once, the sealed form to store. */
  generate(organizationId: string): { secret: string; sealed: string };
  /** The secrets to sign with now: current, then previous during a grace period. Creates one when the organization has none. */
  signingSecrets(organizationId: string, now: Date): Promise<string[]>;
  /** Makes a new current secret; the old one signs too until `now + graceSeconds`. */
  rotate(organizationId: string, graceSeconds: number, now: Date): Promise<{ secret: string; previousExpiresAt: Date | null }>;
};

export const webhookSecretContext = (organizationId: string) => `webhook-secret:${organizationId}`;

export function createWebhookSecrets(options: { store: WebhookSecretStore; box: SecretBox }): WebhookSecrets {
  const { store, box } = options;
  const generate = (organizationId: string) => {
    const secret = generateWebhookSecret();
    return { secret, sealed: box.seal(secret, webhookSecretContext(organizationId)) };
  };
  return {
    generate,
    async signingSecrets(organizationId, now) {
      // A job callback may come before any webhook: its organization gets a secret then (shown on rotation).
      const record = (await store.getSecret(organizationId)) ?? (await store.ensureSecret(organizationId, generate(organizationId).sealed, now));
      const context = webhookSecretContext(organizationId);
      return activeSecrets(
        {
          current: box.open(record.currentSealed, context),
          previous: record.previousSealed === null ? null : box.open(record.previousSealed, context),
          previousExpiresAt: record.previousExpiresAt,
        },
        now,
      );
    },
    async rotate(organizationId, graceSeconds, now) {
      const { secret, sealed } = generate(organizationId);
      const record = await store.rotateSecret(organizationId, sealed, new Date(now.getTime() + graceSeconds * 1000), now);
      return { secret, previousExpiresAt: record.previousSealed === null ? null : record.previousExpiresAt };
    },
  };
}
