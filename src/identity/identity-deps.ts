// What the identity services need: the store, the caches to clear after a change, and the secrets.
import type { LoginThrottle } from '../access/login-throttle.js';
import type { SecretBox } from '../access/secret-box.js';
import type { TokenIssuer } from '../access/tokens.js';
import type { Logger } from '../observability/logger.js';
import type { AccessStore } from '../store/types.js';
import type { Authenticator } from './authenticator.js';
import type { CredentialVault } from './credential-vault.js';

export type IdentityDeps = {
  store: AccessStore;
  authenticator: Authenticator;
  vault: CredentialVault;
  box: SecretBox;
  tokens: TokenIssuer;
  /**
   * Failed sign-ins slow down the account (after a few failures) and the client address (after more,
   * since many honest users can share one office address).
   */
  loginThrottles: { account: LoginThrottle; address: LoginThrottle };
  logger: Logger;
  now: () => Date;
  /** Provider ids a stored credential may name. */
  knownProviders: readonly string[];
  /** Plan names a key's `plan` may name (limits.plans and the shipped ones). */
  planNames: readonly string[];
};
