// POST /api/token: email and password in, a JWT out. The answer to a wrong email and to a wrong password
// is the same, in content and (through a dummy scrypt) in time; repeated failures are slowed down per
// account and per client address.
import type { ThrottleDecision } from '../access/login-throttle.js';
import { verifyAgainstNothing, verifyPassword } from '../access/password.js';
import { GatewayError } from '../core/errors.js';
import { auditEntry, type Origin } from './audit.js';
import type { IdentityDeps } from './identity-deps.js';

export async function login(
  deps: IdentityDeps,
  credentials: { email: string; password: string },
  origin: Origin,
): Promise<{ token: string; expiresAt: Date }> {
  const email = credentials.email;
  const { account, address } = deps.loginThrottles;
  const accountKey = [`account:${email}`];
  const addressKey = [`address:${origin.ip ?? 'unknown'}`];
  const at = deps.now().getTime();
  const verdict = slowest(account.check(accountKey, at), address.check(addressKey, at));
  if (!verdict.allowed) {
    throw new GatewayError(
      'rate_limited',
      `Too many failed sign-in attempts; try again in ${verdict.retryAfterSeconds} s.`,
      { retryAfter: verdict.retryAfterSeconds, publicCode: 'too_many_attempts' },
    );
  }
  const user = await deps.store.findUserByEmail(email);
  const valid =
    user === undefined || user.disabledAt !== null
      ? await verifyAgainstNothing(credentials.password)
      : await verifyPassword(credentials.password, user.passwordHash);
  if (!valid || user === undefined) {
    account.failed(accountKey, deps.now().getTime());
    address.failed(addressKey, deps.now().getTime());
    await deps.store.recordAudit([
      auditEntry(null, origin, 'auth.login_failed', user ? { type: 'user', id: user.id } : null, {
        organizationId: user?.organizationId ?? null,
        details: { email },
      }),
    ]);
    throw new GatewayError('unauthenticated', 'Invalid email or password.', { publicCode: 'invalid_credentials' });
  }
  // Only the account is cleared: an address that tried many accounts stays slowed down.
  account.succeeded(accountKey);
  const issued = await deps.tokens.issue({ userId: user.id, organizationId: user.organizationId, role: user.role });
  await deps.store.recordAudit([
    auditEntry(null, origin, 'auth.login', { type: 'user', id: user.id }, { organizationId: user.organizationId }),
  ]);
  return issued;
}

function slowest(first: ThrottleDecision, second: ThrottleDecision): ThrottleDecision {
  if (first.allowed) return second;
  if (second.allowed) return first;
  return first.retryAfterSeconds >= second.retryAfterSeconds ? first : second;
}
