// The command line and what it opens: the master key rule per dialect, and the commands' answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { MasterKeyError } from '../../src/access/secret-box.js';
import { runCli, UsageError } from '../../src/cli/cli.js';
import { openGatewayState } from '../../src/cli/open-gateway-state.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observability/logger.js';
import { postgresTestDatabase } from '../helpers/postgres.js';

function capture() {
  let text = '';
  const out = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  });
  return { out, text: () => text };
}

test('on SQLite a missing master key is generated once into the data directory, mode 0600', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-state-'));
  try {
    const config = parseConfig({ dataDir });
    const first = await openGatewayState(config, silentLogger);
    await first.store.close();
    assert.equal(first.masterKey.source, 'generated');
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600);
    const second = await openGatewayState(config, silentLogger);
    await second.store.close();
    assert.equal(second.masterKey.source, 'file');
    assert.deepEqual(second.masterKey.key, first.masterKey.key);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with PostgreSQL a missing master key stops the start, saying what to set', async (t) => {
  const database = await postgresTestDatabase(t);
  if ('skip' in database) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-state-'));
  try {
    const config = parseConfig({ dataDir, database: { url: database.url } });
    await assert.rejects(openGatewayState(config, silentLogger), (error: unknown) => {
      assert.ok(error instanceof MasterKeyError);
      assert.match(error.message, /SWITCHYARD_MASTER_KEY/);
      assert.match(error.message, /PostgreSQL/);
      return true;
    });
    const withKey = parseConfig({ dataDir, database: { url: database.url }, auth: { masterKey: 'ab'.repeat(16) + 'cd'.repeat(16) } });
    const state = await openGatewayState(withKey, silentLogger);
    assert.equal(state.masterKey.source, 'env');
    await state.store.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('master-key prints 64 fresh hex characters; help prints usage; unknown commands are usage errors', async () => {
  const first = capture();
  const second = capture();
  await runCli(['master-key'], first.out);
  await runCli(['master-key'], second.out);
  assert.match(first.text(), /^[0-9a-f]{64}\n$/);
  assert.notEqual(first.text(), second.text());
  const help = capture();
  await runCli(['help'], help.out);
  assert.match(help.text(), /switchyard keys create/);
  await assert.rejects(runCli(['frobnicate'], capture().out), UsageError);
});
