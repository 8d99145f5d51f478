// A model call's admission: counting it against its key's and organization's limits (and reserving from a
// prepaid balance) before any attempt, and the X-RateLimit-/X-Quota- headers that go out either way.
import type { Exchange } from '../http/server.js';
import type { Admission, CallLimits, CallRequest } from '../limits/call-limits.js';

/**
 * Counts the call against its key's and organization's limits (and reserves from a prepaid balance); the
 * X-RateLimit-/X-Quota- headers go out either way. Returns what the meter settles when the call ends.
 */
export function applyLimits(limits: CallLimits | undefined, exchange: Exchange, call: CallRequest): Admission | undefined | Promise<Admission> {
  if (limits === undefined) return undefined;
  const pending = limits.admit(exchange.principal, call);
  if (pending instanceof Promise) return pending.then((admission) => answerAdmission(exchange, admission));
  return answerAdmission(exchange, pending);
}

function answerAdmission(exchange: Exchange, admission: Admission): Admission {
  for (const name in admission.headers) exchange.response.setHeader(name, admission.headers[name]!);
  if (admission.refusal !== undefined) throw admission.refusal;
  return admission;
}
