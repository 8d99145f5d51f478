// --gateway-limits: the gateway benchmarked with request limits on. `memory` and `redis` give every
// organization a plan far above anything the load offers, so nothing is refused but every call is counted
// (minute, hour and month windows, one all-or-nothing consume per request), in the gateway's memory or on
// Redis. `off` is the gateway as configured by default: no plan, so no counter is touched. `core` is `off`
// without the ledger's crash journal as well (database.journal.enabled: false): the core gateway's request
// log alone, the baseline for "limits and ledger on" against the core without them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { requestFor } from './requests.mjs';

export const limitModes = ['off', 'core', 'memory', 'redis'];
/** The modes without limits, each a baseline the limits modes are compared with. */
export const baselineModes = ['core', 'off'];

export const benchPlanName = 'bench';
export const benchPlan = {
  requestsPerMinute: 1_000_000_000,
  requestsPerHour: 1_000_000_000,
  requestsPerMonth: 1_000_000_000_000,
  tokensPerMinute: 1_000_000_000_000,
};

export const gatewayTargetId = (mode) => (mode === 'off' ? 'gateway' : `gateway+${mode}`);
export const gatewayLabel = (mode) => {
  if (mode === 'off') return 'gateway';
  if (mode === 'core') return 'gateway, core (no limits, no crash journal)';
  return `gateway, limits on (${mode})`;
};

export function describeLimitMode(mode) {
  if (mode === 'off') return 'off (no plan: no counter is touched)';
  if (mode === 'core') return 'core (no plan, and the ledger\'s crash journal off: the request log alone)';
  const counters = mode === 'redis' ? 'counters on Redis (one Lua script call per event-loop turn carrying its checks, settlements riding on the next call within 10 ms)' : 'counters in the gateway\'s memory';
  const count = (value) => value.toLocaleString('en-US');
  return `${mode}: every call charged to plan "${benchPlanName}" (${count(benchPlan.requestsPerMinute)} requests a minute and an hour, `
    + `${count(benchPlan.requestsPerMonth)} a month: nothing refused), ${counters}`;
}

/**
 * The gateway's environment for a mode. Every mode blanks REDIS_URL and SWITCHYARD_DEFAULT_PLAN inherited
 * from the shell (they would switch limits on behind the mode's back); a limits mode adds a config file.
 */
export function limitsEnvironment(mode, dataDir, redisUrl) {
  const env = { REDIS_URL: '', SWITCHYARD_DEFAULT_PLAN: '' };
  if (mode === 'off') return env;
  const file = join(dataDir, 'bench-limits.yaml');
  if (mode === 'core') {
    writeFileSync(file, `${JSON.stringify({ database: { journal: { enabled: false } } }, null, 2)}\n`);
    return { ...env, SWITCHYARD_CONFIG: file };
  }
  const limits = {
    backend: mode,
    ...(mode === 'redis' ? { redisUrl } : {}),
    defaultPlan: benchPlanName,
    plans: { [benchPlanName]: benchPlan },
  };
  // YAML is a superset of JSON.
  writeFileSync(file, `${JSON.stringify({ limits }, null, 2)}\n`);
  return { ...env, SWITCHYARD_CONFIG: file, ...(mode === 'redis' ? { REDIS_URL: redisUrl } : {}) };
}

/** One call: with limits on, the answer must carry the bench plan's X-RateLimit-Limit, else the mode did not apply. */
export async function checkLimitsApplied(mode, origin, clientKey) {
  if (baselineModes.includes(mode)) return;
  const spec = requestFor('gateway', 'pass-through', false, clientKey);
  const { statusCode, headers, body } = await request(`${origin}${spec.path}`, {
    method: 'POST', headers: spec.headers, body: spec.body, headersTimeout: 10_000, bodyTimeout: 10_000,
  });
  await body.dump();
  const limit = headers['x-ratelimit-limit'];
  if (statusCode !== 200 || limit !== String(benchPlan.requestsPerMinute)) {
    throw new Error(`--gateway-limits ${mode} did not apply: status ${statusCode}, X-RateLimit-Limit ${limit ?? 'absent'}`);
  }
}
