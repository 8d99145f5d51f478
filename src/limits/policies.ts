// What limits an organization: its plan (its own or the gateway's default), its own limits narrowing
// that plan, and whether it runs on a prepaid balance. Read from the store and kept for a few seconds, so
// that a call costs no database read: synchronous when cached. Changing an organization's plan, limits or
// balance through this gateway forgets it at once; other replicas follow within the cache time.
import { createCachedLoader } from '../core/cached-loader.js';
import type { AccessStore, BalanceStore } from '../store/types.js';
import { effectiveLimits, organizationLimits, type Limits, type Plan } from './plans.js';

export type OrganizationPolicy = {
  /** The plan's name, null when none applies. */
  planName: string | null;
  /** The plan narrowed by the organization's own limits. */
  limits: Limits;
  /** Past the monthly request quota: admit and record billable overage instead of refusing. */
  allowOverage: boolean;
  /** Calls reserve and pay from the organization's prepaid balance. */
  prepaid: boolean;
  /** True when nothing at all limits the organization (the fast path). */
  unlimited: boolean;
};

export type PolicySource = {
  policyFor(organizationId: string): OrganizationPolicy | Promise<OrganizationPolicy>;
  forget(organizationId: string): void;
};

export type PolicySourceOptions = {
  access: Pick<AccessStore, 'getOrganization'>;
  balances: Pick<BalanceStore, 'get'>;
  plans: Readonly<Record<string, Plan>>;
  /** The plan of an organization without one of its own; undefined: none. */
  defaultPlan: string | undefined;
  ttlMs?: number;
  now?: () => number;
};

export function createPolicySource(options: PolicySourceOptions): PolicySource {
  const loader = createCachedLoader(
    async (organizationId) => {
      const [organization, balance] = await Promise.all([options.access.getOrganization(organizationId), options.balances.get(organizationId)]);
      return resolvePolicy(options.plans, options.defaultPlan, organization?.plan ?? null, organization?.limits ?? null, balance !== undefined);
    },
    { ttlMs: options.ttlMs ?? 15_000, ...(options.now === undefined ? {} : { now: options.now }) },
  );
  return { policyFor: (organizationId) => loader.get(organizationId), forget: (organizationId) => loader.forget(organizationId) };
}

/** An organization's plan (by name; unknown names fall back to the default plan) narrowed by its own limits. */
export function resolvePolicy(
  plans: Readonly<Record<string, Plan>>,
  defaultPlan: string | undefined,
  planName: string | null,
  ownLimits: Record<string, number> | null,
  prepaid: boolean,
): OrganizationPolicy {
  const name = planName !== null && plans[planName] !== undefined ? planName : (defaultPlan ?? null);
  const plan = name === null ? undefined : plans[name];
  const limits = effectiveLimits(plan, organizationLimits(ownLimits));
  return {
    planName: plan === undefined ? null : name,
    limits,
    allowOverage: plan?.allowOverage === true,
    prepaid,
    unlimited: !prepaid && Object.keys(limits).length === 0,
  };
}
