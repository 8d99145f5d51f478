// The access store on SQLite (file and memory) and PostgreSQL: organizations, bootstrap, users,
// provider credentials, the audit log and the outbox. API keys: access-api-keys.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Migrator } from 'kysely';
import { folderMigrationProvider, migrateToLatest } from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import { DuplicateError, type Store } from '../../src/store/types.js';
import { targets, withStore } from './store-fixtures.js';
import { apiKey, auditEntry, bootstrapInput, credential, ids, newestFirst, nextTime, organization, outboxEvent, user } from './access-records.js';

const run = promisify(execFile);
const isDuplicate = (field: string) => (error: unknown) => error instanceof DuplicateError && error.field === field;

async function countRows(store: Store) {
  const organizations = await store.access.listOrganizations({ limit: 1000 });
  const users = (await Promise.all(organizations.map((org) => store.access.listUsers(org.id)))).flat();
  return { organizations: organizations.length, users: users.length };
}

for (const target of targets) {
  describe(`access store on ${target.name}`, { skip: target.skip }, () => {
    test('migrates a database that already holds request log rows; the new columns read as null', async () => {
      const location = await target.fresh();
      try {
        const database = await openDatabase({ url: location.url, dataDir: location.dataDir });
        try {
          await new Migrator({ db: database.db, provider: folderMigrationProvider }).migrateTo('0001_request_log');
          await database.db
            .insertInto('request_log')
            .values({
              id: 'before-access',
              created_at: 1,
              endpoint: 'chat',
              model: 'm',
              provider: 'p',
              upstream_model: 'u',
              stream: target.name === 'PostgreSQL' ? false : 0,
              status: 200,
              error_code: null,
              prompt_tokens: 1,
              completion_tokens: 1,
              cached_tokens: 0,
              cache_write_tokens: 0,
              reasoning_tokens: 0,
              cost_micro_usd: 0,
              latency_ms: 1,
              ttft_ms: null,
            })
            .execute();
          assert.deepEqual(await migrateToLatest(database), ['0002_access', '0003_metering', '0004_attempts', '0005_routing_groups', '0006_prompt_runs', '0007_prompt_jobs', '0008_webhooks']);
          assert.deepEqual(await migrateToLatest(database), []);
        } finally {
          await database.close();
        }
        if (!target.durable) return;
        const store = await openStore({ url: location.url, dataDir: location.dataDir });
        try {
          const old = await store.requestLog.get('before-access');
          assert.deepEqual(
            [old?.organizationId, old?.apiKeyId, old?.userId, old?.byokHash],
            [null, null, null, null],
          );
          // 0004 made the old row the first (and only) attempt of its own request.
          assert.deepEqual([old?.requestId, old?.attempt, old?.deployment], ['before-access', 1, null]);
        } finally {
          await store.close();
        }
      } finally {
        await location.cleanup();
      }
    });

    test('organizations: create, get, list oldest first with limit and offset', async () => {
      await withStore(target, async ({ access }) => {
        const created = Array.from({ length: 5 }, (_, index) => organization({ name: `Org ${index}` }));
        for (const index of [3, 0, 4, 1, 2]) await access.createOrganization(created[index]!);
        assert.deepEqual(await access.getOrganization(created[2]!.id), created[2]);
        assert.equal(await access.getOrganization(randomUUID()), undefined);
        assert.deepEqual(await access.listOrganizations(), created);
        assert.deepEqual(await access.listOrganizations({ limit: 2, offset: 1 }), created.slice(1, 3));
        assert.deepEqual(await access.listOrganizations({ limit: 0 }), []);
      });
    });

    test('createOrganization writes the user, key and audit rows with it, or nothing', async () => {
      await withStore(target, async (store) => {
        const { access } = store;
        const org = organization();
        const admin = user(org.id, { role: 'admin' });
        const key = apiKey(org.id, { createdBy: admin.id });
        const audit = [auditEntry(org.id, { action: 'organization.created' })];
        await access.createOrganization(org, { user: admin, key, audit });
        assert.deepEqual(await access.getUser(org.id, admin.id), admin);
        assert.deepEqual(await access.getApiKey(org.id, key.id), key);
        assert.deepEqual(await access.listAudit(org.id), audit);

        const second = organization();
        const clash = user(second.id, { email: admin.email.toUpperCase() });
        await assert.rejects(access.createOrganization(second, { user: clash, audit: [auditEntry(second.id)] }), isDuplicate('email'));
        assert.equal(await access.getOrganization(second.id), undefined);
        assert.deepEqual(await access.listAudit(second.id), []);
        assert.deepEqual(await countRows(store), { organizations: 1, users: 1 });
      });
    });

    test('only one operator organization can exist', async () => {
      await withStore(target, async ({ access }) => {
        await access.createOrganization(organization({ isOperator: true }));
        await assert.rejects(access.createOrganization(organization({ isOperator: true })), isDuplicate('isOperator'));
        await access.createOrganization(organization());
        await access.createOrganization(organization());
        const listed = await access.listOrganizations();
        assert.deepEqual(listed.map((org) => org.isOperator), [true, false, false]);
      });
    });

    test('bootstrap writes the operator, its admin, key and audit once; later calls write nothing', async () => {
      await withStore(target, async (store) => {
        const first = bootstrapInput();
        assert.equal(await store.access.bootstrap(first), true);
        assert.deepEqual(await store.access.listOrganizations(), [first.organization]);
        assert.deepEqual(await store.access.getUser(first.organization.id, first.user.id), first.user);
        assert.deepEqual(await store.access.findApiKeyByHash(first.key.secretHash), first.key);
        assert.deepEqual(await store.access.listAudit(first.organization.id), first.audit);

        const again = bootstrapInput();
        assert.equal(await store.access.bootstrap(again), false);
        assert.equal(await store.access.findUserByEmail(again.user.email), undefined);
        assert.equal(await store.access.findApiKeyByHash(again.key.secretHash), undefined);
        assert.deepEqual(await countRows(store), { organizations: 1, users: 1 });
      });
    });

    test('bootstrap does nothing once any organization exists, operator or not', async () => {
      await withStore(target, async (store) => {
        await store.access.createOrganization(organization());
        assert.equal(await store.access.bootstrap(bootstrapInput()), false);
        assert.deepEqual(await countRows(store), { organizations: 1, users: 0 });
      });
    });

    test('bootstrap refuses an organization that is not the operator', async () => {
      await withStore(target, async ({ access }) => {
        const input = bootstrapInput();
        await assert.rejects(access.bootstrap({ ...input, organization: { ...input.organization, isOperator: false } }), /isOperator/);
        assert.deepEqual(await access.listOrganizations(), []);
      });
    });

    const sharedOnly = target.durable ? false : 'an in-memory database is private to one connection';

    test('stores bootstrapping one database at once: exactly one creates the operator', { skip: sharedOnly }, async () => {
      const location = await target.fresh();
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => openStore({ url: location.url, dataDir: location.dataDir })),
      );
      try {
        const outcomes = await Promise.all(stores.map((store) => store.access.bootstrap(bootstrapInput())));
        assert.deepEqual(outcomes.filter(Boolean).length, 1, `outcomes: ${outcomes.join(', ')}`);
        assert.deepEqual(await countRows(stores[0]!), { organizations: 1, users: 1 });
      } finally {
        await Promise.all(stores.map((store) => store.close()));
        await location.cleanup();
      }
    });

    test('gateway processes bootstrapping one database at once: exactly one creates the operator', { skip: sharedOnly }, async () => {
      const location = await target.fresh();
      try {
        // Every process opens (and migrates) the store first, then all bootstrap at the same moment.
        const startAt = String(Date.now() + 3_000);
        const script = new URL('./bootstrap-process.ts', import.meta.url).pathname;
        const outputs = await Promise.all(
          Array.from({ length: 3 }, () =>
            run(process.execPath, ['--import', 'tsx', script, location.url, location.dataDir, startAt], { cwd: process.cwd() }),
          ),
        );
        const outcomes = outputs.map((output) => (JSON.parse(output.stdout) as { created: boolean }).created);
        assert.equal(outcomes.filter(Boolean).length, 1, `outcomes: ${outcomes.join(', ')}`);
        const store = await openStore({ url: location.url, dataDir: location.dataDir });
        try {
          assert.deepEqual(await countRows(store), { organizations: 1, users: 1 });
        } finally {
          await store.close();
        }
      } finally {
        await location.cleanup();
      }
    });

    test('users: create, get within the organization only, find by email in any case, list oldest first', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const people = [
          user(acme.id, { email: 'ada@example.com', role: 'admin' }),
          user(acme.id, { disabledAt: nextTime() }),
          user(acme.id, { role: 'generator' }),
        ];
        const audit = [auditEntry(acme.id, { action: 'user.created', actorType: 'user', actorId: people[0]!.id })];
        await access.createUser(people[0]!, audit);
        for (const person of people.slice(1)) await access.createUser(person);
        const stranger = user(other.id);
        await access.createUser(stranger);

        assert.deepEqual(await access.getUser(acme.id, people[1]!.id), people[1]);
        assert.equal(await access.getUser(other.id, people[1]!.id), undefined);
        assert.deepEqual(await access.findUserByEmail('ADA@Example.COM'), people[0]);
        assert.deepEqual(await access.findUserByEmail(stranger.email), stranger);
        assert.equal(await access.findUserByEmail('nobody@example.com'), undefined);
        assert.deepEqual(await access.listUsers(acme.id), people);
        assert.deepEqual(await access.listUsers(acme.id, { limit: 1, offset: 1 }), [people[1]]);
        assert.deepEqual(await access.listUsers(other.id), [stranger]);
        assert.deepEqual(await access.listUsers(randomUUID()), []);
        assert.deepEqual(await access.listAudit(acme.id), audit);
      });
    });

    test('users: emails are stored lower-cased and unique in any case, across organizations', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const grace = user(acme.id, { email: 'Grace.Hopper@Example.com' });
        await access.createUser(grace);
        assert.equal((await access.getUser(acme.id, grace.id))?.email, 'grace.hopper@example.com');
        const audit = [auditEntry(other.id, { action: 'user.created' })];
        await assert.rejects(access.createUser(user(other.id, { email: 'GRACE.HOPPER@example.com' }), audit), isDuplicate('email'));
        assert.deepEqual(await access.listUsers(other.id), []);
        assert.deepEqual(await access.listAudit(other.id), [], 'the audit row went with the refused user');
      });
    });

    test('updateUser changes role, password and disabled state within the organization only', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const person = user(acme.id);
        await access.createUser(person);

        const disabledAt = nextTime();
        const audit = [auditEntry(acme.id, { action: 'user.role_changed', details: { from: 'manager', to: 'admin' } })];
        const updated = await access.updateUser(acme.id, person.id, { role: 'admin', passwordHash: 'scrypt$new', disabledAt }, audit);
        const expected = { ...person, role: 'admin' as const, passwordHash: 'scrypt$new', disabledAt };
        assert.deepEqual(updated, expected);
        assert.deepEqual(await access.getUser(acme.id, person.id), expected);
        assert.deepEqual(await access.listAudit(acme.id), audit);

        assert.deepEqual(await access.updateUser(acme.id, person.id, { disabledAt: null }), { ...expected, disabledAt: null });
        assert.deepEqual(await access.updateUser(acme.id, person.id, {}), { ...expected, disabledAt: null });

        assert.equal(await access.updateUser(other.id, person.id, { role: 'generator' }, [auditEntry(other.id)]), undefined);
        assert.equal(await access.updateUser(acme.id, randomUUID(), { role: 'generator' }, [auditEntry(acme.id)]), undefined);
        assert.equal((await access.getUser(acme.id, person.id))?.role, 'admin');
        assert.deepEqual(await access.listAudit(other.id), []);
        assert.deepEqual(await access.listAudit(acme.id), audit);
      });
    });

    test('provider credentials: create, get and list per organization, ordered by provider and name', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const made = [
          credential(acme.id, { provider: 'openai', name: 'team-b' }),
          credential(acme.id, { provider: 'anthropic', name: 'primary' }),
          credential(acme.id, { provider: 'openai', name: 'team-a', rotatedAt: nextTime() }),
          credential(other.id, { provider: 'openai', name: 'team-a' }),
        ];
        const audit = [auditEntry(acme.id, { action: 'provider_credential.created' })];
        await access.createProviderCredential(made[0]!, audit);
        for (const item of made.slice(1)) await access.createProviderCredential(item);

        assert.deepEqual(await access.getProviderCredential(acme.id, made[2]!.id), made[2]);
        assert.equal(await access.getProviderCredential(other.id, made[2]!.id), undefined);
        assert.deepEqual(await access.listProviderCredentials(acme.id), [made[1], made[2], made[0]]);
        assert.deepEqual(await access.listProviderCredentials(acme.id, 'openai'), [made[2], made[0]]);
        assert.deepEqual(await access.listProviderCredentials(other.id), [made[3]]);
        assert.deepEqual(await access.listProviderCredentials(randomUUID()), []);
        assert.deepEqual(await access.listAudit(acme.id), audit);
      });
    });

    test('provider credentials: a second one of the same provider and name is a DuplicateError on name', async () => {
      await withStore(target, async ({ access }) => {
        const acme = organization();
        await access.createOrganization(acme);
        const first = credential(acme.id, { provider: 'openai', name: 'default' });
        await access.createProviderCredential(first);
        await assert.rejects(
          access.createProviderCredential(credential(acme.id, { provider: 'openai', name: 'default' }), [auditEntry(acme.id)]),
          isDuplicate('name'),
        );
        assert.deepEqual(await access.listProviderCredentials(acme.id), [first]);
        assert.deepEqual(await access.listAudit(acme.id), []);
        const otherProvider = credential(acme.id, { provider: 'mistral', name: 'default' });
        await access.createProviderCredential(otherProvider);
        assert.deepEqual(await access.listProviderCredentials(acme.id), [otherProvider, first]);
      });
    });

    test('provider credentials: rotate and delete within the organization only', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const item = credential(acme.id);
        await access.createProviderCredential(item);

        const at = nextTime();
        const rotateAudit = [auditEntry(acme.id, { action: 'provider_credential.rotated' })];
        assert.equal(await access.rotateProviderCredential(other.id, item.id, 'v1.stolen', at, [auditEntry(other.id)]), undefined);
        const rotated = await access.rotateProviderCredential(acme.id, item.id, 'v1.sealed-again', at, rotateAudit);
        assert.deepEqual(rotated, { ...item, sealedKey: 'v1.sealed-again', rotatedAt: at });
        assert.deepEqual(await access.getProviderCredential(acme.id, item.id), rotated);

        assert.equal(await access.deleteProviderCredential(other.id, item.id, [auditEntry(other.id)]), false);
        assert.deepEqual(await access.getProviderCredential(acme.id, item.id), rotated);
        const deleteAudit = [auditEntry(acme.id, { action: 'provider_credential.deleted' })];
        assert.equal(await access.deleteProviderCredential(acme.id, item.id, deleteAudit), true);
        assert.equal(await access.getProviderCredential(acme.id, item.id), undefined);
        assert.equal(await access.deleteProviderCredential(acme.id, item.id, [auditEntry(acme.id)]), false);
        assert.equal(await access.rotateProviderCredential(acme.id, item.id, 'v1.gone', nextTime()), undefined);

        assert.deepEqual(await access.listAudit(acme.id), newestFirst([...rotateAudit, ...deleteAudit]));
        assert.deepEqual(await access.listAudit(other.id), []);
      });
    });

    test('audit log: every field round-trips; newest first, per organization, by action, paged', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const full = auditEntry(acme.id, {
          actorType: 'api_key',
          actorId: randomUUID(),
          action: 'api_key.revoked',
          targetType: 'api_key',
          targetId: randomUUID(),
          ip: '2001:db8::1',
          userAgent: 'curl/8.5.0',
          details: { reason: 'leaked', count: 3, nested: { list: [1, 'two', null], flag: false }, empty: null },
        });
        const entries = [
          full,
          auditEntry(acme.id, { action: 'auth.login', actorType: 'user' }),
          auditEntry(null, { action: 'auth.login_failed', actorType: 'anonymous', ip: '192.0.2.7' }),
          auditEntry(acme.id, { action: 'auth.login', actorType: 'user' }),
          auditEntry(other.id, { action: 'auth.login' }),
        ];
        await access.recordAudit([]);
        await access.recordAudit(entries.slice(0, 2));
        await access.recordAudit(entries.slice(2));

        const acmeEntries = entries.filter((entry) => entry.organizationId === acme.id);
        assert.deepEqual(await access.listAudit(acme.id), newestFirst(acmeEntries));
        assert.deepEqual(await access.listAudit(acme.id, { action: 'auth.login' }), newestFirst([entries[1]!, entries[3]!]));
        assert.deepEqual(await access.listAudit(acme.id, { limit: 1, offset: 2 }), [full]);
        assert.deepEqual(await access.listAudit(other.id), [entries[4]]);
        assert.deepEqual(await access.listAudit(acme.id, { action: 'user.role_changed' }), []);
      });
    });

    test('lists default to 50 entries and are capped at 1000', async () => {
      await withStore(target, async ({ access }) => {
        const acme = organization();
        await access.createOrganization(acme);
        const entries = Array.from({ length: 1005 }, () => auditEntry(acme.id));
        await access.recordAudit(entries);
        assert.deepEqual(ids(await access.listAudit(acme.id)), ids(newestFirst(entries).slice(0, 50)));
        assert.equal((await access.listAudit(acme.id, { limit: 5000 })).length, 1000);
        assert.equal((await access.listAudit(acme.id, { limit: 1000, offset: 1000 })).length, 5);
        assert.deepEqual(await access.listAudit(acme.id, { limit: -3 }), []);
      });
    });

    test('outbox: events written with a key are listed newest first, per organization, by type, paged', async () => {
      await withStore(target, async ({ access }) => {
        const [acme, other] = [organization(), organization()];
        await access.createOrganization(acme);
        await access.createOrganization(other);
        const created = outboxEvent(acme.id, { data: { keyId: 'k1', scope: 'generator', domains: ['models'], expiresAt: null } });
        await access.createApiKey(apiKey(acme.id), { events: [created] });
        const later = [
          outboxEvent(acme.id, { type: 'api_key.revoked', data: { keyId: 'k1' } }),
          outboxEvent(acme.id, { type: 'api_key.created', data: {} }),
        ];
        await access.createApiKey(apiKey(acme.id), { events: later });
        const foreign = outboxEvent(other.id);
        await access.createApiKey(apiKey(other.id), { events: [foreign] });

        assert.deepEqual(await access.listOutboxEvents(acme.id), newestFirst([created, ...later]));
        assert.deepEqual(await access.listOutboxEvents(acme.id, { type: 'api_key.created' }), [later[1], created]);
        assert.deepEqual(await access.listOutboxEvents(acme.id, { limit: 1, offset: 2 }), [created]);
        assert.deepEqual(await access.listOutboxEvents(other.id), [foreign]);
        assert.deepEqual(await access.listOutboxEvents(randomUUID()), []);
      });
    });
  });
}
