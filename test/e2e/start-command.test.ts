// The start command as a user runs it: no credentials → the built-in simulator serves `sim/*` offline;
// a bad config stops the start with the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The environment minus any provider credential or Switchyard setting the developer may have exported. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/_API_KEY$|_BASE_URL$|^SWITCHYARD_|^DATABASE_URL$|^PORT$|^DASHSCOPE/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function startGateway(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean, what: string, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}; output so far:\n${output()}`);
}

test('with no credentials the gateway starts on SQLite with the simulator and answers sim-chat', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-start-'));
  const { child, output, exited } = startGateway(
    cleanEnv({ SWITCHYARD_PORT: '0', SWITCHYARD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
  );
  try {
    await waitFor(() => /listening on (http:\/\/\S+)/.test(output()), 'the listening line', output);
    const url = /listening on (http:\/\/\S+)/.exec(output())![1]!;
    assert.match(output(), /store: sqlite/);
    assert.match(output(), /simulator/i);
    assert.match(output(), /curl /, 'the banner shows how to call it');
    const adminKey = /Admin API key \(shown only once, store it now\): (sy_\w+)/.exec(output())?.[1];
    assert.ok(adminKey, 'the first start prints the admin key once');
    assert.match(output(), /Admin sign-in: admin@localhost \/ password \S+ \(shown only once\)/);
    assert.ok(existsSync(join(dataDir, 'master.key')), 'a master key is generated into the data directory');

    const anonymous = await fetch(`${url}/v1/models`);
    assert.equal(anonymous.status, 401);

    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ model: 'sim-chat', messages: [{ role: 'user', content: 'Hello!' }] }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    assert.match(body.choices[0]!.message.content, /Hello!/);
    assert.equal(response.headers.get('x-provider'), 'sim');
    assert.ok(existsSync(join(dataDir, 'switchyard.db')), 'the SQLite file is in the data directory');

    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM drains and exits cleanly');

    // The command line creates keys on the same store; a second start prints no secret.
    const created = await runCommand(['keys', 'create', '--name', 'ci', '--scope', 'generator', '--domains', 'models'], dataDir);
    assert.equal(created.code, 0, created.output);
    const cliKey = /Secret \(shown only once\): (sy_\w+)/.exec(created.output)?.[1];
    assert.ok(cliKey, created.output);
    const listed = await runCommand(['keys', 'list'], dataDir);
    assert.match(listed.output, /bootstrap admin/);
    assert.ok(!listed.output.includes(cliKey!) && !listed.output.includes(adminKey!), 'listing never shows a secret');

    const again = startGateway(cleanEnv({ SWITCHYARD_PORT: '0', SWITCHYARD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }));
    try {
      await waitFor(() => /listening on (http:\/\/\S+)/.test(again.output()), 'the second listening line', again.output);
      const secondUrl = /listening on (http:\/\/\S+)/.exec(again.output())![1]!;
      assert.doesNotMatch(again.output(), /sy_\w{20,}/, 'no secret on later starts');
      const withCliKey = await fetch(`${secondUrl}/v1/models`, { headers: { authorization: `Bearer ${cliKey}` } });
      assert.equal(withCliKey.status, 200);
      const forbidden = await fetch(`${secondUrl}/api/keys`, { headers: { authorization: `Bearer ${cliKey}` } });
      assert.equal(forbidden.status, 403);
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    } finally {
      again.child.kill('SIGKILL');
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function runCommand(args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root,
    env: cleanEnv({ SWITCHYARD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

test('an invalid config file stops the start and names the field', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
  const file = join(directory, 'switchyard.yaml');
  writeFileSync(file, 'server:\n  port: "eighty"\nproviders:\n  openai:\n    baseURL: not-a-url\n');
  const { output, exited } = startGateway(cleanEnv({ SWITCHYARD_CONFIG: file }));
  try {
    assert.equal(await exited, 2);
    assert.match(output(), /server\.port/);
    assert.match(output(), /providers\.openai\.baseURL/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('an unknown config field is refused by name', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
  const file = join(directory, 'switchyard.yaml');
  writeFileSync(file, 'server:\n  prot: 8080\n');
  const { output, exited } = startGateway(cleanEnv({ SWITCHYARD_CONFIG: file }));
  try {
    assert.equal(await exited, 2);
    assert.match(output(), /prot/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
