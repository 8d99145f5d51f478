// An organization's own provider credentials, opened from the store and kept in memory for a few seconds,
// handed out round-robin per provider. They override the server-wide keys from config for that
// organization's calls. Changing a credential through this gateway forgets the organization at once.
import { SecretBoxError, type SecretBox } from '../access/secret-box.js';
import { createCachedLoader } from '../core/cached-loader.js';
import { GatewayError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import type { AccessStore } from '../store/types.js';

export type OrganizationCredentials = {
  has(provider: string): boolean;
  /** The next credential for `provider` (round-robin over the organization's credentials), or undefined. */
  next(provider: string): StoredKey | undefined;
  /** One stored credential by its id (a deployment of the organization's own groups names it), or undefined. */
  byId(id: string): StoredKey | undefined;
};

export type CredentialVault = {
  /** Synchronous when cached. */
  load(organizationId: string): OrganizationCredentials | Promise<OrganizationCredentials>;
  forget(organizationId: string): void;
};

/** An opened credential: its id (recorded in the ledger) and the key itself. */
export type StoredKey = { id: string; key: string };

export const credentialContext = (organizationId: string, credentialId: string) => `${organizationId}:${credentialId}`;

export function createCredentialVault(options: {
  store: AccessStore;
  box: SecretBox;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
}): CredentialVault {
  async function fetch(organizationId: string): Promise<OrganizationCredentials> {
    const records = await options.store.listProviderCredentials(organizationId);
    const byProvider = new Map<string, StoredKey[]>();
    const broken = new Map<string, string>();
    const byId = new Map<string, StoredKey>();
    for (const record of records) {
      try {
        const key = options.box.open(record.sealedKey, credentialContext(organizationId, record.id));
        const list = byProvider.get(record.provider) ?? [];
        list.push({ id: record.id, key });
        byId.set(record.id, { id: record.id, key });
        byProvider.set(record.provider, list);
      } catch (error) {
        if (!(error instanceof SecretBoxError)) throw error;
        options.logger.error({ organizationId, credentialId: record.id, err: error }, 'cannot open a stored provider credential');
        broken.set(record.provider, record.name);
      }
    }
    const cursors = new Map<string, number>();
    return {
      has: (provider) => byProvider.has(provider) || broken.has(provider),
      byId: (id) => byId.get(id),
      next(provider) {
        const keys = byProvider.get(provider);
        if (keys === undefined) {
          const name = broken.get(provider);
          if (name === undefined) return undefined;
          // Falling back to the server's key would bill the operator for this organization's traffic.
          throw new GatewayError(
            'unavailable',
            `The organization's credential '${name}' for ${provider} cannot be opened with this gateway's master key; ` +
              'an admin should rotate it (POST /api/provider-credentials/{id}/rotate).',
            { publicCode: 'credential_unavailable' },
          );
        }
        const cursor = cursors.get(provider) ?? 0;
        cursors.set(provider, (cursor + 1) % keys.length);
        return keys[cursor];
      },
    };
  }

  const loader = createCachedLoader(fetch, { ttlMs: options.ttlMs ?? 15_000, ...(options.now === undefined ? {} : { now: options.now }) });
  return { load: (organizationId) => loader.get(organizationId), forget: (organizationId) => loader.forget(organizationId) };
}
