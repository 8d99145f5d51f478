// Which provider key a model call uses: the one the client brought (BYOK), else its organization's stored
// credential for that provider, else the server-wide key from config (the adapter's own).
import type { Principal } from '../access/principal.js';
import type { Capability } from '../core/catalogue.js';
import { GatewayError } from '../core/errors.js';
import type { CredentialVault, OrganizationCredentials } from '../identity/credential-vault.js';
import type { ModelDirectory, Route } from './model-directory.js';

export type CredentialSource = 'server' | 'organization' | 'byok';

/** `credential` names what served the call in the ledger: `server`, `byok` or the stored credential's id. */
export type RoutedCall = { route: Route; apiKey: string | undefined; source: CredentialSource; credential: string };

const none: OrganizationCredentials = { has: () => false, next: () => undefined, byId: () => undefined };

export async function routeWithCredential(
  directory: ModelDirectory,
  vault: CredentialVault,
  principal: Principal | undefined,
  model: string,
  capability: Capability,
): Promise<RoutedCall> {
  const byok = principal?.providerKey;
  let stored = none;
  if (byok === undefined && principal?.organizationId != null) {
    const loaded = vault.load(principal.organizationId);
    stored = loaded instanceof Promise ? await loaded : loaded;
  }
  const route = directory.route(model, capability, byok === undefined ? stored.has : () => true);
  if (byok !== undefined) return { route, apiKey: byok, source: 'byok', credential: 'byok' };
  const storedKey = stored.next(route.entry.provider);
  if (storedKey === undefined) return { route, apiKey: undefined, source: 'server', credential: 'server' };
  return { route, apiKey: storedKey.key, source: 'organization', credential: storedKey.id };
}

/** A provider refusing a key the client brought is the client's problem (401), not the gateway's (502). */
export function blameBroughtKey(error: unknown, source: CredentialSource): unknown {
  if (source !== 'byok' || !(error instanceof GatewayError) || error.code !== 'upstream_auth') return error;
  const provider = error.provider ?? 'the provider';
  return new GatewayError('unauthenticated', `Provider '${provider}' refused the provider key you supplied.`, {
    publicCode: 'invalid_provider_key',
    provider: error.provider,
    cause: error,
  });
}
