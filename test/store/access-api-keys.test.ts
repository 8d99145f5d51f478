// API keys in the access store on SQLite (file and memory) and PostgreSQL: creation with its audit and
// events, lookups, revocation, rotation and the coalesced "last used" writes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { LogEvent } from 'kysely';
import { AccessRepository } from '../../src/store/access-repository.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import { DuplicateError, type ApiKeyRecord } from '../../src/store/types.js';
import { capturingLogger, targets, withStore, type Target } from './store-fixtures.js';
import { apiKey, auditEntry, ids, newestFirst, nextTime, organization, outboxEvent, user } from './access-records.js';

const isDuplicate = (field: string) => (error: unknown) => error instanceof DuplicateError && error.field === field;
const writesTo = (queries: LogEvent[], table: string) =>
  queries.filter((event) => new RegExp(`^update "${table}"`).test(event.query.sql)).length;

/** An access repository on a fresh migrated database, closed (touches flushed) before the database is. */
async function withRepository(
  target: Target,
  use: (context: {
    repository: AccessRepository;
    /** The key as stored, by its secret hash. */
    read: (secretHash: string) => Promise<ApiKeyRecord | undefined>;
    queries: LogEvent[];
    logger: ReturnType<typeof capturingLogger>;
    database: Awaited<ReturnType<typeof openDatabase>>;
  }) => Promise<void>,
): Promise<void> {
  const location = await target.fresh();
  const queries: LogEvent[] = [];
  const logger = capturingLogger();
  const database = await openDatabase({ url: location.url, dataDir: location.dataDir, onQuery: (event) => void queries.push(event) });
  try {
    await migrateToLatest(database);
    const repository = new AccessRepository({
      db: database.db,
      dialect: database.dialect,
      logger,
      ...(database.sqlite ? { sqlite: database.sqlite } : {}),
    });
    try {
      await use({ repository, read: (secretHash) => repository.findApiKeyByHash(secretHash), queries, logger, database });
    } finally {
      await repository.close();
    }
  } finally {
    await database.close();
    await location.cleanup();
  }
}

for (const target of targets) {
  describe(`API keys on ${target.name}`, { skip: target.skip }, () => {
    test('every field round-trips: dates, nulls, JSON limits, domains "*" and a list', async () => {
      await withStore(target, async ({ access }) => {
        const acme = organization();
        const creator = user(acme.id);
        await access.createOrganization(acme, { user: creator });
        const everything = apiKey(acme.id, {
          createdBy: creator.id,
          name: 'production backend',
          description: 'Used by the billing service',
          scope: 'admin',
          domains: '*',
          expiresAt: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 1)),
          revokedAt: nextTime(),
          lastUsedAt: nextTime(),
          plan: 'team',
          limits: { requestsPerMinute: 600, tokensPerDay: 2_000_000 },
        });
        const sparse = apiKey(acme.id, { domains: ['models', 'usage', 'keys'] });
        const none = apiKey(acme.id, { domains: [] });
        for (const key of [everything, sparse, none]) await access.createApiKey(key);
        for (const key of [everything, sparse, none]) {
          assert.deepEqual(await access.getApiKey(acme.id, key.id), key);
          assert.deepEqual(await access.findApiKeyByHash(key.secretHash), key);
        }
        assert.equal((await access.getApiKey(acme.id, everything.id))?.domains, '*');
      });
    });

    test('createApiKey writes the key, its audit rows and events in one transaction', async () => {
      await withStore(target, async ({ access }) => {
        const acme = organization();
        await access.createOrganization(acme);
        const key = apiKey(acme.id);
        const audit = [auditEntry(acme.id, { targetType: 'api_key', targetId: key.id })];
        const events = [outboxEvent(acme.id, { data: { keyId: key.id } })];
        await access.createApiKey(key, { audit, events });
        assert.deepEqual(await access.listApiKeys(acme.id), [key]);
        assert.deepEqual(await access.listAudit(acme.id), audit);
        assert.deepEqual(await access.listOutboxEvents(acme.id), events);

        // The second audit row repeats an id: the whole write is refused.
        const refused = apiKey(acme.id);
        const repeated = auditEntry(acme.id);
        await assert.rejects(
          access.createApiKey(refused, { audit: [repeated, { ...repeated }], events: [outboxEvent(acme.id)] }),
          isDuplicate('id'),
        );
        assert.equal(await access.findApiKeyByHash(refused.secretHash), undefined);
        assert.deepEqual(await access.listAudit(acme.id), audit);
        assert.deepEqual(await access.listOutboxEvents(acme.id), events);

        await assert.rejects(access.createApiKey(apiKey(acme.id, { secretHash: key.secretHash })), isDuplicate('secretHash'));
      });
    });

    test('get and list only within the organization; newest first; revoked keys only when asked', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const keys = Array.from({ length: 5 }, () => apiKey(acme.id));
        for (const index of [2, 4, 0, 3, 1]) await access.createApiKey(keys[index]!);
        const foreign = apiKey(other.id);
        await access.createApiKey(foreign);
        await access.revokeApiKey(acme.id, keys[1]!.id, nextTime());

        assert.equal(await access.getApiKey(other.id, keys[0]!.id), undefined);
        assert.equal(await access.getApiKey(acme.id, foreign.id), undefined);
        assert.deepEqual(await access.findApiKeyByHash(foreign.secretHash), foreign, 'lookup by hash spans organizations');
        const active = newestFirst(keys).filter((key) => key.id !== keys[1]!.id);
        assert.deepEqual(ids(await access.listApiKeys(acme.id)), ids(active));
        assert.deepEqual(ids(await access.listApiKeys(acme.id, { includeRevoked: true })), ids(newestFirst(keys)));
        assert.deepEqual(ids(await access.listApiKeys(acme.id, { limit: 2, offset: 1 })), ids(active.slice(1, 3)));
        assert.deepEqual(ids(await access.listApiKeys(other.id)), [foreign.id]);
        assert.deepEqual(await access.listApiKeys(randomUUID(), { includeRevoked: true }), []);
      });
    });

    test('revokeApiKey sets revoked_at once, audits once, and sees only its organization', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const key = apiKey(acme.id);
        await access.createApiKey(key);

        assert.equal(await access.revokeApiKey(other.id, key.id, nextTime(), [auditEntry(other.id)]), undefined);
        assert.equal(await access.revokeApiKey(acme.id, randomUUID(), nextTime(), [auditEntry(acme.id)]), undefined);
        assert.equal((await access.getApiKey(acme.id, key.id))?.revokedAt, null);

        const at = nextTime();
        const audit = [auditEntry(acme.id, { action: 'api_key.revoked' })];
        assert.deepEqual(await access.revokeApiKey(acme.id, key.id, at, audit), { ...key, revokedAt: at });
        assert.deepEqual(await access.revokeApiKey(acme.id, key.id, nextTime(), [auditEntry(acme.id)]), { ...key, revokedAt: at });
        assert.deepEqual(await access.findApiKeyByHash(key.secretHash), { ...key, revokedAt: at });
        assert.deepEqual(await access.listAudit(acme.id), audit);
        assert.deepEqual(await access.listAudit(other.id), []);
      });
    });

    test('rotateApiKey without a grace period revokes the old key and inserts the replacement', async () => {
      await withStore(target, async ({ access }) => {
        const acme = organization();
        await access.createOrganization(acme);
        const old = apiKey(acme.id, { name: 'backend' });
        await access.createApiKey(old);
        const replacement = apiKey(acme.id, { name: 'backend' });
        const at = nextTime();
        const audit = [auditEntry(acme.id, { action: 'api_key.rotated' })];
        const events = [outboxEvent(acme.id, { type: 'api_key.rotated', data: { from: old.id, to: replacement.id } })];
        assert.equal(await access.rotateApiKey(acme.id, old.id, replacement, { at, audit, events }), true);

        assert.deepEqual(await access.getApiKey(acme.id, old.id), { ...old, revokedAt: at });
        assert.deepEqual(await access.getApiKey(acme.id, replacement.id), { ...replacement, rotatedFrom: old.id });
        assert.deepEqual(await access.listAudit(acme.id), audit);
        assert.deepEqual(await access.listOutboxEvents(acme.id), events);
        assert.deepEqual(ids(await access.listApiKeys(acme.id)), [replacement.id]);
      });
    });

    test('rotateApiKey with a grace period moves the expiry of the old key, never later', async () => {
      await withStore(target, async ({ access }) => {
        const acme = organization();
        await access.createOrganization(acme);
        const at = nextTime();
        const graceEnd = new Date(at.getTime() + 86_400_000);
        const unlimited = apiKey(acme.id);
        const expiringSooner = apiKey(acme.id, { expiresAt: new Date(at.getTime() + 3_600_000) });
        const expiringLater = apiKey(acme.id, { expiresAt: new Date(at.getTime() + 7 * 86_400_000) });
        for (const key of [unlimited, expiringSooner, expiringLater]) await access.createApiKey(key);

        for (const key of [unlimited, expiringSooner, expiringLater]) {
          const replacement = apiKey(acme.id, { rotatedFrom: key.id });
          assert.equal(await access.rotateApiKey(acme.id, key.id, replacement, { at, oldKeyEndsAt: graceEnd }), true);
          assert.deepEqual(await access.getApiKey(acme.id, replacement.id), replacement);
        }
        assert.deepEqual(await access.getApiKey(acme.id, unlimited.id), { ...unlimited, expiresAt: graceEnd });
        assert.deepEqual(await access.getApiKey(acme.id, expiringSooner.id), expiringSooner);
        assert.deepEqual(await access.getApiKey(acme.id, expiringLater.id), { ...expiringLater, expiresAt: graceEnd });
      });
    });

    test('rotateApiKey writes nothing for a revoked key, another organization, or a replacement that clashes', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const revoked = apiKey(acme.id, { revokedAt: nextTime() });
        const active = apiKey(acme.id);
        await access.createApiKey(revoked);
        await access.createApiKey(active);
        const extras = () => ({ at: nextTime(), audit: [auditEntry(acme.id)], events: [outboxEvent(acme.id)] });

        assert.equal(await access.rotateApiKey(acme.id, revoked.id, apiKey(acme.id), extras()), false);
        assert.equal(await access.rotateApiKey(acme.id, randomUUID(), apiKey(acme.id), extras()), false);
        assert.equal(await access.rotateApiKey(other.id, active.id, apiKey(other.id), { at: nextTime(), audit: [auditEntry(other.id)] }), false);
        await assert.rejects(access.rotateApiKey(acme.id, active.id, apiKey(other.id), extras()), /organization/);
        await assert.rejects(
          access.rotateApiKey(acme.id, active.id, apiKey(acme.id, { secretHash: revoked.secretHash }), extras()),
          isDuplicate('secretHash'),
        );

        assert.deepEqual(await access.getApiKey(acme.id, active.id), active);
        assert.deepEqual(ids(await access.listApiKeys(acme.id, { includeRevoked: true })), ids([active, revoked]));
        assert.deepEqual(await access.listApiKeys(other.id, { includeRevoked: true }), []);
        assert.deepEqual(await access.listAudit(acme.id), []);
        assert.deepEqual(await access.listOutboxEvents(acme.id), []);
        assert.deepEqual(await access.listAudit(other.id), []);
      });
    });

    test('touchApiKey writes the first use at once, holds later ones back, and writes those on close', async () => {
      await withRepository(target, async ({ repository, read, queries }) => {
        const acme = organization();
        await repository.createOrganization(acme);
        const [first, second] = [apiKey(acme.id), apiKey(acme.id)];
        await repository.createApiKey(first);
        await repository.createApiKey(second);
        const [t1, t2, t3] = [nextTime(), nextTime(), nextTime()];

        await repository.touchApiKey(first.id, t1);
        assert.deepEqual((await read(first.secretHash))?.lastUsedAt, t1);
        const writes = writesTo(queries, 'api_keys');
        await repository.touchApiKey(first.id, t3);
        await repository.touchApiKey(first.id, t2);
        await repository.touchApiKey(second.id, t2);
        assert.equal(writesTo(queries, 'api_keys'), writes + 1, 'one write for the first use of the second key only');
        assert.deepEqual((await read(first.secretHash))?.lastUsedAt, t1);
        assert.deepEqual((await read(second.secretHash))?.lastUsedAt, t2);

        await repository.close();
        assert.deepEqual((await read(first.secretHash))?.lastUsedAt, t3, 'the latest held-back use');
        await repository.touchApiKey(second.id, nextTime());
        assert.deepEqual((await read(second.secretHash))?.lastUsedAt, t2, 'ignored after close');
      });
    });

    test('touchApiKey never moves last_used_at backwards, and never throws', async () => {
      await withRepository(target, async ({ repository, read, logger, database }) => {
        const acme = organization();
        await repository.createOrganization(acme);
        const used = nextTime();
        const key = apiKey(acme.id, { lastUsedAt: used });
        await repository.createApiKey(key);
        await repository.touchApiKey(key.id, new Date(used.getTime() - 1000));
        assert.deepEqual((await read(key.secretHash))?.lastUsedAt, used);
        await repository.touchApiKey(randomUUID(), nextTime());
        await repository.touchApiKey(key.id, new Date(Number.NaN));

        await database.db.schema.alterTable('api_keys').renameTo('api_keys_away').execute();
        const other = randomUUID();
        await assert.doesNotReject(repository.touchApiKey(other, nextTime()));
        await assert.doesNotReject(repository.touchApiKey(other, nextTime()));
        await assert.doesNotReject(repository.close());
        assert.equal(logger.lines.filter((line) => /recording API key use failed/.test(line.msg ?? '')).length, 2);
        await database.db.schema.alterTable('api_keys_away').renameTo('api_keys').execute();
      });
    });

    test('store.close() writes held-back key uses', { skip: target.durable ? false : 'an in-memory database is gone after close' }, async () => {
      const location = await target.fresh();
      try {
        const store = await openStore({ url: location.url, dataDir: location.dataDir });
        const acme = organization();
        const key = apiKey(acme.id);
        await store.access.createOrganization(acme);
        await store.access.createApiKey(key);
        const [t1, t2] = [nextTime(), nextTime()];
        await store.access.touchApiKey(key.id, t1);
        await store.access.touchApiKey(key.id, t2);
        await store.close();
        const reopened = await openStore({ url: location.url, dataDir: location.dataDir });
        try {
          assert.deepEqual((await reopened.access.getApiKey(acme.id, key.id))?.lastUsedAt, t2);
        } finally {
          await reopened.close();
        }
      } finally {
        await location.cleanup();
      }
    });
  });
}
