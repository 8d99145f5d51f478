import type { IdentityDeps } from '../../identity/identity-deps.js';

export type PlatformDeps = {
  identity: IdentityDeps;
  bodyLimit: number;
  trustProxy: boolean;
};
