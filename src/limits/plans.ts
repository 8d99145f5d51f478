// Plans and the limits they set. The defaults are the published tiers the product was specified from:
// free 10/min · 100/hour · 25K/month; starter 30/min · 1,000/hour · 250K/month · 10K tokens/min;
// pro 100/min · 5,000/hour · 1M/month · 100K tokens/min; scale 500/min · 50,000/hour · 10M/month.
// Monthly quotas refuse on free and starter; pro and scale allow overage, recorded as billable.

/** Every limit a plan, an organization or a key can set. Absent: no limit in that dimension. */
export type Limits = {
  requestsPerMinute?: number;
  requestsPerHour?: number;
  requestsPerMonth?: number;
  tokensPerMinute?: number;
  tokensPerHour?: number;
  tokensPerMonth?: number;
  concurrentRequests?: number;
  spendPerDayMicroUsd?: number;
  spendPerMonthMicroUsd?: number;
};

export type Plan = Limits & {
  /** Past the monthly request quota: refuse (false) or admit and record the overage as billable (true). */
  allowOverage: boolean;
};

export const limitNames = [
  'requestsPerMinute',
  'requestsPerHour',
  'requestsPerMonth',
  'tokensPerMinute',
  'tokensPerHour',
  'tokensPerMonth',
  'concurrentRequests',
  'spendPerDayMicroUsd',
  'spendPerMonthMicroUsd',
] as const satisfies readonly (keyof Limits)[];

export const defaultPlans: Readonly<Record<string, Plan>> = {
  free: { requestsPerMinute: 10, requestsPerHour: 100, requestsPerMonth: 25_000, allowOverage: false },
  starter: { requestsPerMinute: 30, requestsPerHour: 1_000, requestsPerMonth: 250_000, tokensPerMinute: 10_000, allowOverage: false },
  pro: { requestsPerMinute: 100, requestsPerHour: 5_000, requestsPerMonth: 1_000_000, tokensPerMinute: 100_000, allowOverage: true },
  scale: { requestsPerMinute: 500, requestsPerHour: 50_000, requestsPerMonth: 10_000_000, allowOverage: true },
};

/** An API key's or an organization's `limits` as the API takes them (snake_case), in the same dimensions. */
export const limitFields: Readonly<Record<string, keyof Limits>> = {
  requests_per_minute: 'requestsPerMinute',
  requests_per_hour: 'requestsPerHour',
  requests_per_month: 'requestsPerMonth',
  tokens_per_minute: 'tokensPerMinute',
  tokens_per_hour: 'tokensPerHour',
  tokens_per_month: 'tokensPerMonth',
  concurrent_requests: 'concurrentRequests',
  spend_per_day_micro_usd: 'spendPerDayMicroUsd',
  spend_per_month_micro_usd: 'spendPerMonthMicroUsd',
  /** The older name of spend_per_month_micro_usd, still accepted. */
  budget_micro_usd_per_month: 'spendPerMonthMicroUsd',
};
const keyLimitFields = limitFields;

/** The organization's own limits, stored in the same snake_case fields as a key's. */
export const organizationLimits = (stored: Record<string, number> | null): Limits => keyLimits(stored);

export function keyLimits(stored: Record<string, number> | null): Limits {
  const limits: Limits = {};
  for (const [field, value] of Object.entries(stored ?? {})) {
    const name = keyLimitFields[field];
    if (name !== undefined) limits[name] = value;
  }
  return limits;
}

/**
 * The limits that apply to a call: each dimension's smallest value among the organization's plan and the
 * key's own limits (a key can narrow its organization's limits, never widen them). Absent everywhere: none.
 */
export function effectiveLimits(...layers: Array<Limits | undefined>): Limits {
  const result: Limits = {};
  for (const name of limitNames) {
    for (const layer of layers) {
      const value = layer?.[name];
      if (value === undefined) continue;
      const current = result[name];
      result[name] = current === undefined ? value : Math.min(current, value);
    }
  }
  return result;
}
