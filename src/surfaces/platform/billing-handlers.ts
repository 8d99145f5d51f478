// Plans, limits and prepaid balances on the platform API. The operator organization's admins set any
// organization's plan and limits and credit its balance; every organization reads its own balance.
// Changes apply to this gateway's next call at once (the policy cache forgets the organization) and to
// other replicas within `auth.cacheSeconds`.
import { z } from 'zod';
import type { Principal } from '../../access/principal.js';
import { GatewayError } from '../../core/errors.js';
import type { Exchange } from '../../http/server.js';
import { auditEntry } from '../../identity/audit.js';
import { newId } from '../../identity/ids.js';
import { organizationView } from '../../identity/organization-service.js';
import { limitFields, type Plan } from '../../limits/plans.js';
import type { PolicySource } from '../../limits/policies.js';
import type { Balance, BalanceStore, BalanceTransaction } from '../../store/types.js';
import type { PlatformDeps } from './platform-deps.js';
import { listQuery, originOf, param, principalOf, readJson, sendOk } from './platform-io.js';

export type BillingDeps = {
  balances: BalanceStore;
  plans: Readonly<Record<string, Plan>>;
  policies: PolicySource;
};

const limitsSchema = z.strictObject(
  Object.fromEntries(Object.keys(limitFields).map((name) => [name, z.number().int().nonnegative().optional()])),
);

export const organizationPatchSchema = z
  .strictObject({
    /** A plan name from `limits.plans` (or a shipped one); null: the gateway's default plan. */
    plan: z.string().trim().min(1).max(64).nullable().optional(),
    /** The organization's own limits, narrowing its plan; null clears them. */
    limits: limitsSchema.nullable().optional(),
  })
  .refine((value) => value.plan !== undefined || value.limits !== undefined, { message: "Give 'plan' or 'limits' (or both)." });

/** Dollars with at most six decimals, or integer micro-USD: exactly one of them. */
export const creditSchema = z
  .strictObject({
    amount_micro_usd: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    amount_usd: z
      .number()
      .positive()
      .max(1_000_000_000)
      .refine((value) => Number.isInteger(Math.round(value * 1_000_000)) && Math.abs(value * 1_000_000 - Math.round(value * 1_000_000)) < 1e-6, {
        message: 'has more than six decimals',
      })
      .optional(),
    note: z.string().trim().max(500).optional(),
  })
  .refine((value) => (value.amount_micro_usd === undefined) !== (value.amount_usd === undefined), {
    message: "Give exactly one of 'amount_usd' and 'amount_micro_usd'.",
  });

export function billingHandlers(deps: PlatformDeps & { billing: BillingDeps }) {
  const { identity, billing } = deps;
  return {
    /** PATCH /api/organizations/:orgId: plan and limits (operator admins). */
    async updateOrganization(exchange: Exchange) {
      const actor = principalOf(exchange);
      const id = param(exchange, 'orgId');
      await assertOperator(deps, actor, id, 'change plans and limits');
      const patch = await readJson(exchange, organizationPatchSchema, deps.bodyLimit);
      if (patch.plan != null && billing.plans[patch.plan] === undefined) {
        throw new GatewayError('invalid_request', `Unknown plan '${patch.plan}'; plans: ${Object.keys(billing.plans).join(', ')}.`, {
          param: 'plan',
          details: { plans: Object.keys(billing.plans) },
        });
      }
      const changes: { plan?: string | null; limits?: Record<string, number> | null } = {};
      if (patch.plan !== undefined) changes.plan = patch.plan;
      if (patch.limits !== undefined) changes.limits = patch.limits === null ? null : definedOnly(patch.limits);
      const now = identity.now();
      const updated = await identity.store.updateOrganization(id, changes, [
        auditEntry(actor, originOf(exchange, deps.trustProxy), 'organization.limits_changed', { type: 'organization', id }, {
          at: now,
          organizationId: id,
          details: { ...changes },
        }),
      ]);
      if (updated === undefined) throw new GatewayError('not_found', `No organization ${id}.`);
      billing.policies.forget(id);
      sendOk(exchange, 200, { organization: organizationView(updated) });
    },

    /** GET /api/balance: the caller's organization's prepaid balance and its latest transactions. */
    async getBalance(exchange: Exchange) {
      const actor = principalOf(exchange);
      const balance = await billing.balances.get(actor.organizationId);
      const transactions = balance === undefined ? [] : await billing.balances.listTransactions(actor.organizationId, { limit: 20 });
      sendOk(exchange, 200, { balance: balance === undefined ? null : balanceView(balance), transactions: transactions.map(transactionView) });
    },

    /** GET /api/balance/transactions: newest first, paged. */
    async listTransactions(exchange: Exchange) {
      const actor = principalOf(exchange);
      const { limit, offset } = listQuery(exchange);
      const transactions = await billing.balances.listTransactions(actor.organizationId, { limit, offset });
      sendOk(exchange, 200, { transactions: transactions.map(transactionView), limit, offset });
    },

    /** POST /api/organizations/:orgId/balance/credits: adds money (operator admins); the organization runs prepaid from then on. */
    async credit(exchange: Exchange) {
      const actor = principalOf(exchange);
      const id = param(exchange, 'orgId');
      await assertOperator(deps, actor, id, 'credit balances');
      const input = await readJson(exchange, creditSchema, deps.bodyLimit);
      if ((await identity.store.getOrganization(id)) === undefined) throw new GatewayError('not_found', `No organization ${id}.`);
      const amount = input.amount_micro_usd ?? Math.round(input.amount_usd! * 1_000_000);
      const now = identity.now();
      const transaction = await billing.balances.credit({ organizationId: id, amountMicroUsd: amount, note: input.note ?? null, now: now.getTime(), id: newId('btx') });
      await identity.store.recordAudit([
        auditEntry(actor, originOf(exchange, deps.trustProxy), 'balance.credited', { type: 'organization', id }, {
          at: now,
          organizationId: id,
          details: { amount_micro_usd: amount },
        }),
      ]);
      billing.policies.forget(id);
      const balance = await billing.balances.get(id);
      sendOk(exchange, 201, { transaction: transactionView(transaction), balance: balance && balanceView(balance) });
    },
  };
}

/** Operator admins manage every organization; anyone else naming another organization is told so first. */
async function assertOperator(deps: PlatformDeps, actor: Principal & { organizationId: string }, id: string, what: string): Promise<void> {
  const own = await deps.identity.store.getOrganization(actor.organizationId);
  if (own?.isOperator === true) return;
  if (id !== actor.organizationId) {
    throw new GatewayError('forbidden', `${actor.label} belongs to another organization and cannot manage organization ${id}.`, {
      publicCode: 'wrong_organization',
    });
  }
  throw new GatewayError('forbidden', `Only admins of the operator organization can ${what}.`, { publicCode: 'operator_only' });
}

function definedOnly(limits: Record<string, number | undefined>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [name, value] of Object.entries(limits)) if (value !== undefined) result[name] = value;
  return result;
}

/** Money as integer micro-USD (exact) and as dollars for display. */
const dollars = (micro: number) => micro / 1_000_000;

function balanceView(balance: Balance) {
  return {
    object: 'balance',
    organization_id: balance.organizationId,
    balance_micro_usd: balance.balanceMicroUsd,
    reserved_micro_usd: balance.reservedMicroUsd,
    available_micro_usd: balance.availableMicroUsd,
    balance_usd: dollars(balance.balanceMicroUsd),
    available_usd: dollars(balance.availableMicroUsd),
    updated_at: balance.updatedAt.toISOString(),
  };
}

function transactionView(transaction: BalanceTransaction) {
  return {
    id: transaction.id,
    object: 'balance_transaction',
    kind: transaction.kind,
    amount_micro_usd: transaction.amountMicroUsd,
    amount_usd: dollars(transaction.amountMicroUsd),
    balance_after_micro_usd: transaction.balanceAfterMicroUsd,
    request_id: transaction.requestId,
    note: transaction.note,
    created_at: transaction.createdAt.toISOString(),
  };
}
