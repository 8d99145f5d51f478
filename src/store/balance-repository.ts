// Prepaid balances on SQL. A call on a balance reserves its worst-case cost first (a row in
// balance_reservations), then settles to its real cost (a `charge` transaction) and drops the reservation.
// The check "balance minus live reservations covers this call" and the insert of the reservation happen in
// one write transaction holding the balance row (FOR UPDATE on PostgreSQL; SQLite's write transactions
// are serial), so concurrent calls on any number of replicas cannot spend the same money twice.
import { sql, type Selectable } from 'kysely';
import { readInteger, writeInteger, writeText } from './column-values.js';
import type { BalanceTransactionsTable, SqlDialect, StoreDatabase } from './database.js';
import type { Balance, BalanceStore, BalanceTransaction, ListQuery } from './types.js';
import type { WriteTransaction } from './write-transaction.js';

export class BalanceRepository implements BalanceStore {
  readonly #db: StoreDatabase;
  readonly #dialect: SqlDialect;
  readonly #write: WriteTransaction;

  constructor(options: { db: StoreDatabase; dialect: SqlDialect; write: WriteTransaction }) {
    this.#db = options.db;
    this.#dialect = options.dialect;
    this.#write = options.write;
  }

  async get(organizationId: string, now = Date.now()): Promise<Balance | undefined> {
    const row = await this.#db
      .selectFrom('balances')
      .select(['balance_micro_usd', 'updated_at'])
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const reserved = await this.#reserved(this.#db, organizationId, now);
    const balance = readInteger(row.balance_micro_usd);
    return { organizationId, balanceMicroUsd: balance, reservedMicroUsd: reserved, availableMicroUsd: balance - reserved, updatedAt: new Date(readInteger(row.updated_at)) };
  }

  reserve(input: { organizationId: string; requestId: string; amountMicroUsd: number; now: number; expiresAt: number }) {
    return this.#write(async (db) => {
      let select = db.selectFrom('balances').select('balance_micro_usd').where('organization_id', '=', input.organizationId);
      if (this.#dialect === 'postgres') select = select.forUpdate();
      const row = await select.executeTakeFirst();
      const balance = row === undefined ? 0 : readInteger(row.balance_micro_usd);
      const available = balance - (await this.#reserved(db, input.organizationId, input.now));
      if (row === undefined || available < input.amountMicroUsd) return { reserved: false, availableMicroUsd: available };
      await db
        .insertInto('balance_reservations')
        .values({
          request_id: writeText(input.requestId),
          organization_id: input.organizationId,
          amount_micro_usd: writeInteger(input.amountMicroUsd),
          expires_at: writeInteger(input.expiresAt),
        })
        .onConflict((conflict) => conflict.column('request_id').doNothing())
        .execute();
      return { reserved: true, availableMicroUsd: available - input.amountMicroUsd };
    });
  }

  settle(input: { organizationId: string; requestId: string; costMicroUsd: number; now: number; id: string }) {
    return this.#write(async (db) => {
      await db.deleteFrom('balance_reservations').where('request_id', '=', input.requestId).execute();
      if (input.costMicroUsd <= 0) return undefined;
      return this.#apply(db, {
        organizationId: input.organizationId,
        id: input.id,
        kind: 'charge',
        amountMicroUsd: -input.costMicroUsd,
        requestId: input.requestId,
        note: null,
        now: input.now,
      });
    });
  }

  credit(input: { organizationId: string; amountMicroUsd: number; note: string | null; now: number; id: string }) {
    return this.#write(async (db) => {
      const result = await this.#apply(db, { ...input, kind: 'credit', requestId: null });
      // Never undefined for a credit: only a repeated charge of one request is skipped.
      return result!;
    });
  }

  async listTransactions(organizationId: string, query: ListQuery = {}): Promise<BalanceTransaction[]> {
    const rows = await this.#db
      .selectFrom('balance_transactions')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(Math.trunc(query.limit ?? 50), 0), 1000))
      .offset(Math.max(Math.trunc(query.offset ?? 0), 0))
      .execute();
    return rows.map(toTransaction);
  }

  /** Adds a signed amount to the balance (creating it at zero) and records the transaction, in the caller's transaction. */
  async #apply(
    db: StoreDatabase,
    input: { organizationId: string; id: string; kind: BalanceTransaction['kind']; amountMicroUsd: number; requestId: string | null; note: string | null; now: number },
  ): Promise<BalanceTransaction | undefined> {
    if (input.requestId !== null) {
      // A settle retried after a commit must not charge twice: the request id is unique among transactions.
      const seen = await db.selectFrom('balance_transactions').select('id').where('request_id', '=', input.requestId).executeTakeFirst();
      if (seen !== undefined) return undefined;
    }
    const amount = writeInteger(input.amountMicroUsd);
    const updated = await db
      .insertInto('balances')
      .values({ organization_id: input.organizationId, balance_micro_usd: amount, updated_at: input.now })
      .onConflict((conflict) =>
        conflict.column('organization_id').doUpdateSet({
          balance_micro_usd: sql`balances.balance_micro_usd + ${amount}`,
          updated_at: input.now,
        }),
      )
      .returning('balance_micro_usd')
      .executeTakeFirstOrThrow();
    const transaction: BalanceTransaction = {
      id: input.id,
      organizationId: input.organizationId,
      kind: input.kind,
      amountMicroUsd: amount,
      balanceAfterMicroUsd: readInteger(updated.balance_micro_usd),
      requestId: input.requestId,
      note: input.note,
      createdAt: new Date(input.now),
    };
    await db
      .insertInto('balance_transactions')
      .values({
        id: transaction.id,
        organization_id: transaction.organizationId,
        kind: transaction.kind,
        amount_micro_usd: amount,
        balance_after_micro_usd: transaction.balanceAfterMicroUsd,
        request_id: transaction.requestId,
        note: transaction.note === null ? null : writeText(transaction.note),
        created_at: input.now,
      })
      .execute();
    return transaction;
  }

  async #reserved(db: StoreDatabase, organizationId: string, now: number): Promise<number> {
    const row = await db
      .selectFrom('balance_reservations')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('amount_micro_usd'), sql<number>`0`).as('total'))
      .where('organization_id', '=', organizationId)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row === undefined ? 0 : readInteger(row.total);
  }
}

function toTransaction(row: Selectable<BalanceTransactionsTable>): BalanceTransaction {
  return {
    id: row.id,
    organizationId: row.organization_id,
    kind: row.kind as BalanceTransaction['kind'],
    amountMicroUsd: readInteger(row.amount_micro_usd),
    balanceAfterMicroUsd: readInteger(row.balance_after_micro_usd),
    requestId: row.request_id,
    note: row.note,
    createdAt: new Date(readInteger(row.created_at)),
  };
}
