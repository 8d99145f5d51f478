// Organizations' own model groups on SQL (table routing_groups, migration 0005). A write holds the
// organization for its transaction (FOR UPDATE on PostgreSQL; SQLite's write transactions are serial), so
// the count of an organization's groups cannot pass its limit when replicas create groups at once.
import type { Kysely, Selectable } from 'kysely';
import { readInteger, writeText } from './column-values.js';
import type { DatabaseSchema, Int8Column, JsonTextColumn, SqlDialect, StoreDatabase } from './database.js';
import type { PutRoutingGroupInput, PutRoutingGroupResult, RoutingGroupRecord, RoutingGroupStore } from './types.js';
import type { WriteTransaction } from './write-transaction.js';

export interface RoutingGroupsTable {
  organization_id: string;
  /** The public model name the group serves for that organization. */
  name: string;
  /** The validated definition (strategy, deployments, fallbacks, timeouts, retries, hedge) as JSON. */
  definition: JsonTextColumn;
  created_at: Int8Column;
  updated_at: Int8Column;
}

type GroupDatabase = Kysely<DatabaseSchema & { routing_groups: RoutingGroupsTable }>;

export class RoutingGroupRepository implements RoutingGroupStore {
  readonly #db: GroupDatabase;
  readonly #dialect: SqlDialect;
  readonly #write: WriteTransaction;

  constructor(options: { db: StoreDatabase; dialect: SqlDialect; write: WriteTransaction }) {
    this.#db = withGroups(options.db);
    this.#dialect = options.dialect;
    this.#write = options.write;
  }

  async list(organizationId: string): Promise<RoutingGroupRecord[]> {
    const rows = await this.#db.selectFrom('routing_groups').selectAll().where('organization_id', '=', organizationId).orderBy('name').execute();
    return rows.map(toRecord);
  }

  async get(organizationId: string, name: string): Promise<RoutingGroupRecord | undefined> {
    const row = await this.#db
      .selectFrom('routing_groups')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  put(input: PutRoutingGroupInput): Promise<PutRoutingGroupResult> {
    return this.#write(async (transaction) => {
      const db = withGroups(transaction);
      if (this.#dialect === 'postgres') {
        await db.selectFrom('organizations').select('id').where('id', '=', input.organizationId).forUpdate().execute();
      }
      const existing = await db
        .selectFrom('routing_groups')
        .select('created_at')
        .where('organization_id', '=', input.organizationId)
        .where('name', '=', input.name)
        .executeTakeFirst();
      const at = input.at.getTime();
      const definition = writeText(JSON.stringify(input.definition));
      if (existing !== undefined) {
        await db
          .updateTable('routing_groups')
          .set({ definition, updated_at: at })
          .where('organization_id', '=', input.organizationId)
          .where('name', '=', input.name)
          .execute();
        const record = { ...recordOf(input), createdAt: new Date(readInteger(existing.created_at)) };
        return { created: false, record };
      }
      const { count } = await db
        .selectFrom('routing_groups')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('organization_id', '=', input.organizationId)
        .executeTakeFirstOrThrow();
      if (readInteger(count) >= input.maxGroups) return { limitReached: true };
      await db
        .insertInto('routing_groups')
        .values({ organization_id: input.organizationId, name: writeText(input.name), definition, created_at: at, updated_at: at })
        .execute();
      return { created: true, record: recordOf(input) };
    });
  }

  async delete(organizationId: string, name: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('routing_groups')
      .where('organization_id', '=', organizationId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

/** The table is declared here, beside its only repository, rather than in the shared schema. */
function withGroups(db: StoreDatabase): GroupDatabase {
  return db.withTables<{ routing_groups: RoutingGroupsTable }>();
}

function recordOf(input: PutRoutingGroupInput): RoutingGroupRecord {
  // Read back as it will be from the database: through JSON.
  const definition: unknown = JSON.parse(JSON.stringify(input.definition));
  return { organizationId: input.organizationId, name: input.name, definition, createdAt: input.at, updatedAt: input.at };
}

function toRecord(row: Selectable<RoutingGroupsTable>): RoutingGroupRecord {
  return {
    organizationId: row.organization_id,
    name: row.name,
    definition: JSON.parse(row.definition) as unknown,
    createdAt: new Date(readInteger(row.created_at)),
    updatedAt: new Date(readInteger(row.updated_at)),
  };
}
