// An organization's own provider credentials: sealed with AES-256-GCM under the master key (bound to the
// organization and credential id), never returned after creation, rotatable, several per provider.
import { z } from 'zod';
import type { Principal } from '../access/principal.js';
import { GatewayError } from '../core/errors.js';
import { DuplicateError, type ProviderCredentialRecord } from '../store/types.js';
import { auditEntry, type Origin } from './audit.js';
import { credentialContext } from './credential-vault.js';
import type { IdentityDeps } from './identity-deps.js';
import { newId } from './ids.js';

const providerKeySchema = z.string().trim().min(1).max(4096);

export const credentialInputSchema = z.strictObject({
  provider: z.string().min(1),
  name: z.string().trim().min(1).max(100).default('default'),
  api_key: providerKeySchema,
});

export const credentialRotateSchema = z.strictObject({ api_key: providerKeySchema });

export async function createCredential(
  deps: IdentityDeps,
  actor: Principal & { organizationId: string },
  input: z.infer<typeof credentialInputSchema>,
  origin: Origin,
): Promise<ProviderCredentialRecord> {
  if (!deps.knownProviders.includes(input.provider)) {
    throw new GatewayError('invalid_request', `Unknown provider '${input.provider}'. Known providers: ${deps.knownProviders.join(', ')}.`, {
      param: 'provider',
    });
  }
  const now = deps.now();
  const id = newId('cred');
  const record: ProviderCredentialRecord = {
    id,
    organizationId: actor.organizationId,
    provider: input.provider,
    name: input.name,
    sealedKey: deps.box.seal(input.api_key, credentialContext(actor.organizationId, id)),
    createdAt: now,
    rotatedAt: null,
  };
  try {
    await deps.store.createProviderCredential(record, [
      auditEntry(actor, origin, 'provider_credential.created', { type: 'provider_credential', id }, {
        at: now,
        details: { provider: record.provider, name: record.name },
      }),
    ]);
  } catch (error) {
    if (error instanceof DuplicateError) {
      throw new GatewayError('conflict', `This organization already has a ${record.provider} credential named '${record.name}'.`, {
        param: 'name',
        publicCode: 'credential_name_taken',
      });
    }
    throw error;
  }
  deps.vault.forget(actor.organizationId);
  return record;
}

export async function rotateCredential(
  deps: IdentityDeps,
  actor: Principal & { organizationId: string },
  id: string,
  apiKey: string,
  origin: Origin,
): Promise<ProviderCredentialRecord> {
  const now = deps.now();
  const sealed = deps.box.seal(apiKey, credentialContext(actor.organizationId, id));
  const rotated = await deps.store.rotateProviderCredential(actor.organizationId, id, sealed, now, [
    auditEntry(actor, origin, 'provider_credential.rotated', { type: 'provider_credential', id }, { at: now }),
  ]);
  if (rotated === undefined) throw credentialNotFound(id);
  deps.vault.forget(actor.organizationId);
  return rotated;
}

export async function deleteCredential(
  deps: IdentityDeps,
  actor: Principal & { organizationId: string },
  id: string,
  origin: Origin,
): Promise<void> {
  const deleted = await deps.store.deleteProviderCredential(actor.organizationId, id, [
    auditEntry(actor, origin, 'provider_credential.deleted', { type: 'provider_credential', id }),
  ]);
  if (!deleted) throw credentialNotFound(id);
  deps.vault.forget(actor.organizationId);
}

export async function getCredential(deps: IdentityDeps, organizationId: string, id: string): Promise<ProviderCredentialRecord> {
  const record = await deps.store.getProviderCredential(organizationId, id);
  if (record === undefined) throw credentialNotFound(id);
  return record;
}

/** Never the key, sealed or not. */
export function credentialView(record: ProviderCredentialRecord) {
  return {
    id: record.id,
    object: 'provider_credential',
    organization_id: record.organizationId,
    provider: record.provider,
    name: record.name,
    created_at: record.createdAt.toISOString(),
    rotated_at: record.rotatedAt?.toISOString() ?? null,
  };
}

function credentialNotFound(id: string): GatewayError {
  return new GatewayError('not_found', `No provider credential ${id} in this organization.`, { publicCode: 'credential_not_found' });
}
