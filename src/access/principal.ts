// Who is calling: the result of authentication, carried by every non-public request.
import type { Limits } from '../limits/plans.js';
import type { DomainGrant, Scope } from './scopes.js';

export type Principal = {
  /** `api_key`: a gateway key; `token`: a JWT from POST /api/token; `byok`: anonymous, the provider key alone. */
  kind: 'api_key' | 'token' | 'byok';
  /** Null only for anonymous bring-your-own-key traffic. */
  organizationId: string | null;
  scope: Scope;
  domains: DomainGrant;
  apiKeyId: string | null;
  userId: string | null;
  /** An API key's own limits (narrowing its organization's plan). */
  limits?: Limits;
  /** An API key's plan: its limits narrow the organization's too (a key never widens them). */
  plan?: string;
  /** Names the credential in messages, e.g. `API key 'ci' (sy_AbCde…wxyz)`; never the secret. */
  label: string;
  /** The provider key the client brought (X-Provider-Key, or the bearer itself when anonymous). Forwarded, never stored. */
  providerKey?: string;
  /** Keyed hash of `providerKey` for metering and limits. */
  providerKeyHash?: string;
};
