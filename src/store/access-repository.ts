// Organizations, users, API keys, provider credentials, the audit log and the event outbox on SQL.
// Every read and write of an organization's records filters by its id, so a record id from another
// organization finds nothing; only the credential lookups (secret hash, email) span organizations.
// Row conversions: access-rows.ts; transactions: write-transaction.ts.
import type SqliteDatabase from 'better-sqlite3';
import type { Updateable } from 'kysely';
import {
  apiKeyRow,
  auditRow,
  normalizeEmail,
  organizationRow,
  outboxRow,
  page,
  providerCredentialRow,
  toApiKey,
  toAuditEntry,
  toOrganization,
  toOutboxEvent,
  toProviderCredential,
  toUser,
  userRow,
  writeOptionalTime,
  writeTime,
} from './access-rows.js';
import { ApiKeyTouches } from './api-key-touches.js';
import { booleanWriter, readInteger } from './column-values.js';
import type { SqlDialect, StoreDatabase, UsersTable } from './database.js';
import type { StoreLogger } from './store-logger.js';
import type {
  AccessStore,
  ApiKeyRecord,
  AuditEntry,
  ListQuery,
  Organization,
  OutboxEvent,
  ProviderCredentialRecord,
  User,
} from './types.js';
import { duplicateErrorFor, mappingDuplicates, writeTransaction, type WriteTransaction } from './write-transaction.js';

export type AccessRepositoryOptions = {
  db: StoreDatabase;
  dialect: SqlDialect;
  logger: StoreLogger;
  /** On SQLite: the raw connection, which tells a file (shared with other stores) from :memory:. */
  sqlite?: SqliteDatabase.Database;
  /** At most one `last_used_at` write per key per this many ms (default 60 s). */
  touchIntervalMs?: number;
};

export class AccessRepository implements AccessStore {
  readonly #db: StoreDatabase;
  readonly #dialect: SqlDialect;
  readonly #write: WriteTransaction;
  readonly #writeBoolean: (value: boolean) => boolean | number;
  readonly #touches: ApiKeyTouches;

  constructor(options: AccessRepositoryOptions) {
    this.#db = options.db;
    this.#dialect = options.dialect;
    this.#write = writeTransaction(options.db, options.dialect, options.sqlite);
    this.#writeBoolean = booleanWriter(options.dialect);
    this.#touches = new ApiKeyTouches({
      write: (touches) => this.#writeTouches(touches),
      logger: options.logger,
      ...(options.touchIntervalMs === undefined ? {} : { intervalMs: options.touchIntervalMs }),
    });
  }

  /** Writes pending key touches; the connection itself belongs to the store. */
  close(): Promise<void> {
    return this.#touches.close();
  }

  /**
   * Race-safe through the unique index that admits one operator organization: of two gateways passing
   * the "no organization yet" check at once, the second one's insert fails and it returns false.
   */
  async bootstrap(input: { organization: Organization; user: User; key: ApiKeyRecord; audit: AuditEntry[] }): Promise<boolean> {
    if (!input.organization.isOperator) throw new Error('bootstrap() creates the operator organization: isOperator must be true.');
    try {
      return await this.#write(async (db) => {
        const any = await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
        if (any !== undefined) return false;
        await db.insertInto('organizations').values(organizationRow(input.organization, this.#writeBoolean)).execute();
        await db.insertInto('users').values(userRow(input.user)).execute();
        await db.insertInto('api_keys').values(apiKeyRow(input.key)).execute();
        await insertAudit(db, input.audit);
        return true;
      });
    } catch (error) {
      const duplicate = duplicateErrorFor(error);
      if (duplicate?.field === 'isOperator') return false;
      throw duplicate ?? error;
    }
  }

  /** Throws `DuplicateError` (field `isOperator`) for a second operator, (`email`) for a taken email. */
  createOrganization(organization: Organization, extras: { user?: User; key?: ApiKeyRecord; audit?: AuditEntry[] } = {}): Promise<void> {
    return mappingDuplicates(
      this.#write(async (db) => {
        await db.insertInto('organizations').values(organizationRow(organization, this.#writeBoolean)).execute();
        if (extras.user !== undefined) await db.insertInto('users').values(userRow(extras.user)).execute();
        if (extras.key !== undefined) await db.insertInto('api_keys').values(apiKeyRow(extras.key)).execute();
        await insertAudit(db, extras.audit);
      }),
    );
  }

  async getOrganization(id: string): Promise<Organization | undefined> {
    const row = await this.#db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOrganization(row);
  }

  updateOrganization(
    id: string,
    patch: Partial<Pick<Organization, 'plan' | 'limits'>>,
    audit?: AuditEntry[],
  ): Promise<Organization | undefined> {
    return this.#write(async (db) => {
      const values: { plan?: string | null; limits?: string | null } = {};
      if (patch.plan !== undefined) values.plan = patch.plan;
      if (patch.limits !== undefined) values.limits = patch.limits === null ? null : JSON.stringify(patch.limits);
      if (Object.keys(values).length > 0) await db.updateTable('organizations').set(values).where('id', '=', id).execute();
      const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) return undefined;
      await insertAudit(db, audit);
      return toOrganization(row);
    });
  }

  /** Oldest first (the operator organization leads). */
  async listOrganizations(query: ListQuery = {}): Promise<Organization[]> {
    const { limit, offset } = page(query);
    const rows = await this.#db
      .selectFrom('organizations')
      .selectAll()
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toOrganization);
  }

  createUser(user: User, audit?: AuditEntry[]): Promise<void> {
    return mappingDuplicates(
      this.#write(async (db) => {
        await db.insertInto('users').values(userRow(user)).execute();
        await insertAudit(db, audit);
      }),
    );
  }

  async getUser(organizationId: string, id: string): Promise<User | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return row && toUser(row);
  }

  /** Oldest first. */
  async listUsers(organizationId: string, query: ListQuery = {}): Promise<User[]> {
    const { limit, offset } = page(query);
    const rows = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toUser);
  }

  /** The audit rows are written only when the user exists in that organization. */
  updateUser(
    organizationId: string,
    id: string,
    patch: Partial<Pick<User, 'role' | 'passwordHash' | 'disabledAt'>>,
    audit?: AuditEntry[],
  ): Promise<User | undefined> {
    const changes: Updateable<UsersTable> = {};
    if (patch.role !== undefined) changes.role = patch.role;
    if (patch.passwordHash !== undefined) changes.password_hash = patch.passwordHash;
    if (patch.disabledAt !== undefined) changes.disabled_at = writeOptionalTime(patch.disabledAt);
    return this.#write(async (db) => {
      const row =
        Object.keys(changes).length === 0
          ? await db.selectFrom('users').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst()
          : await db
              .updateTable('users')
              .set(changes)
              .where('organization_id', '=', organizationId)
              .where('id', '=', id)
              .returningAll()
              .executeTakeFirst();
      if (row === undefined) return undefined;
      await insertAudit(db, audit);
      return toUser(row);
    });
  }

  createApiKey(key: ApiKeyRecord, extras: { audit?: AuditEntry[]; events?: OutboxEvent[] } = {}): Promise<void> {
    return mappingDuplicates(
      this.#write(async (db) => {
        await db.insertInto('api_keys').values(apiKeyRow(key)).execute();
        await insertAudit(db, extras.audit);
        await insertEvents(db, extras.events);
      }),
    );
  }

  /** Any organization; revoked and expired keys too (the caller decides). */
  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
    return row && toApiKey(row);
  }

  async getApiKey(organizationId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toApiKey(row);
  }

  async listApiKeys(organizationId: string, query: ListQuery & { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    const { limit, offset } = page(query);
    let select = this.#db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId);
    if (query.includeRevoked !== true) select = select.where('revoked_at', 'is', null);
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    return rows.map(toApiKey);
  }

  /** The audit rows are written only when this call revoked the key. */
  revokeApiKey(organizationId: string, id: string, at: Date, audit?: AuditEntry[]): Promise<ApiKeyRecord | undefined> {
    return this.#write(async (db) => {
      const revoked = await db
        .updateTable('api_keys')
        .set({ revoked_at: writeTime(at) })
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (revoked !== undefined) {
        await insertAudit(db, audit);
        return toApiKey(revoked);
      }
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toApiKey(row);
    });
  }

  /** `replacement.rotatedFrom` is stored as `id` when left null. */
  async rotateApiKey(
    organizationId: string,
    id: string,
    replacement: ApiKeyRecord,
    options: { at: Date; oldKeyEndsAt?: Date; audit?: AuditEntry[]; events?: OutboxEvent[] },
  ): Promise<boolean> {
    if (replacement.organizationId !== organizationId) {
      throw new Error('rotateApiKey(): the replacement key must belong to the organization of the old key.');
    }
    return mappingDuplicates(
      this.#write(async (db) => {
        let select = db
          .selectFrom('api_keys')
          .select(['revoked_at', 'expires_at'])
          .where('organization_id', '=', organizationId)
          .where('id', '=', id);
        // SQLite's write transaction holds the whole database already; PostgreSQL locks the row.
        if (this.#dialect === 'postgres') select = select.forUpdate();
        const old = await select.executeTakeFirst();
        if (old === undefined || old.revoked_at !== null) return false;
        await db
          .updateTable('api_keys')
          .set(options.oldKeyEndsAt === undefined ? { revoked_at: writeTime(options.at) } : { expires_at: sooner(old.expires_at, options.oldKeyEndsAt) })
          .where('id', '=', id)
          .execute();
        await db.insertInto('api_keys').values(apiKeyRow({ ...replacement, rotatedFrom: replacement.rotatedFrom ?? id })).execute();
        await insertAudit(db, options.audit);
        await insertEvents(db, options.events);
        return true;
      }),
    );
  }

  touchApiKey(id: string, at: Date): Promise<void> {
    return this.#touches.touch(id, at);
  }

  createProviderCredential(credential: ProviderCredentialRecord, audit?: AuditEntry[]): Promise<void> {
    return mappingDuplicates(
      this.#write(async (db) => {
        await db.insertInto('provider_credentials').values(providerCredentialRow(credential)).execute();
        await insertAudit(db, audit);
      }),
    );
  }

  async getProviderCredential(organizationId: string, id: string): Promise<ProviderCredentialRecord | undefined> {
    const row = await this.#db
      .selectFrom('provider_credentials')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toProviderCredential(row);
  }

  async listProviderCredentials(organizationId: string, provider?: string): Promise<ProviderCredentialRecord[]> {
    let select = this.#db.selectFrom('provider_credentials').selectAll().where('organization_id', '=', organizationId);
    if (provider !== undefined) select = select.where('provider', '=', provider);
    const rows = await select.orderBy('provider', 'asc').orderBy('name', 'asc').execute();
    return rows.map(toProviderCredential);
  }

  rotateProviderCredential(
    organizationId: string,
    id: string,
    sealedKey: string,
    at: Date,
    audit?: AuditEntry[],
  ): Promise<ProviderCredentialRecord | undefined> {
    return this.#write(async (db) => {
      const row = await db
        .updateTable('provider_credentials')
        .set({ sealed_key: sealedKey, rotated_at: writeTime(at) })
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await insertAudit(db, audit);
      return toProviderCredential(row);
    });
  }

  deleteProviderCredential(organizationId: string, id: string, audit?: AuditEntry[]): Promise<boolean> {
    return this.#write(async (db) => {
      const result = await db
        .deleteFrom('provider_credentials')
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await insertAudit(db, audit);
      return true;
    });
  }

  async recordAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#write((db) => insertAudit(db, entries));
  }

  async recordEvents(events: OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#write((db) => insertEvents(db, events));
  }

  async listAudit(organizationId: string, query: ListQuery & { action?: string } = {}): Promise<AuditEntry[]> {
    const { limit, offset } = page(query);
    let select = this.#db.selectFrom('audit_log').selectAll().where('organization_id', '=', organizationId);
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    return rows.map(toAuditEntry);
  }

  async listOutboxEvents(organizationId: string, query: ListQuery & { type?: string } = {}): Promise<OutboxEvent[]> {
    const { limit, offset } = page(query);
    let select = this.#db.selectFrom('outbox_events').selectAll().where('organization_id', '=', organizationId);
    if (query.type !== undefined) select = select.where('type', '=', query.type);
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    return rows.map(toOutboxEvent);
  }

  /** One transaction for the batch; a timestamp never moves backwards. */
  #writeTouches(touches: ReadonlyMap<string, number>): Promise<void> {
    return this.#write(async (db) => {
      for (const [id, time] of touches) {
        await db
          .updateTable('api_keys')
          .set({ last_used_at: time })
          .where('id', '=', id)
          .where((where) => where.or([where('last_used_at', 'is', null), where('last_used_at', '<', time)]))
          .execute();
      }
    });
  }
}

async function insertAudit(db: StoreDatabase, entries: readonly AuditEntry[] | undefined): Promise<void> {
  if (entries !== undefined && entries.length > 0) await db.insertInto('audit_log').values(entries.map(auditRow)).execute();
}

async function insertEvents(db: StoreDatabase, events: readonly OutboxEvent[] | undefined): Promise<void> {
  if (events !== undefined && events.length > 0) await db.insertInto('outbox_events').values(events.map(outboxRow)).execute();
}

function sooner(current: number | string | bigint | null, proposed: Date): number {
  const proposedTime = writeTime(proposed);
  return current === null ? proposedTime : Math.min(readInteger(current), proposedTime);
}
