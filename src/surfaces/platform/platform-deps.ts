import type { IdentityDeps } from '../../identity/identity-deps.js';
import type { CallLimits } from '../../limits/call-limits.js';
import type { BillingDeps } from './billing-handlers.js';
import type { PromptRunStore, UsageQueries } from '../../store/types.js';
import type { LimitsFor } from './usage-handlers.js';

export type PlatformDeps = {
  identity: IdentityDeps;
  bodyLimit: number;
  trustProxy: boolean;
  /** The ledger's usage queries (usage statistics, call history). */
  usage: UsageQueries;
  /** Prompt runs (fan-outs, async prompts) for GET /api/prompts/{id} and the history; absent: calls only. */
  runs?: PromptRunStore;
  /** The limits shown beside the usage statistics. */
  limitsFor: LimitsFor;
  /** Plans, limits and balances. */
  billing: BillingDeps;
  /** Where the caller stands against its limits: X-RateLimit-* / X-Quota-* on every platform response. */
  limits?: Pick<CallLimits, 'peek'>;
};
