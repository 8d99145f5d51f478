import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function withFile(text: string, run: (file: string) => void) {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
  const file = join(directory, 'switchyard.yaml');
  writeFileSync(file, text);
  try {
    run(file);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

test('defaults: port 8080 on loopback, SQLite in ./data, simulator auto', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.server.port, 8080);
  assert.equal(config.server.host, '127.0.0.1');
  assert.equal(config.dataDir, './data');
  assert.equal(config.database.url, undefined);
  assert.equal(config.simulator.enabled, 'auto');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server));
});

test('the file is read, ${VAR} interpolated, and the environment overrides it', () => {
  withFile(
    'server:\n  port: 9000\nproviders:\n  anthropic:\n    apiKey: ${MY_KEY}\n    baseURL: ${PROXY:-https://proxy.example/anthropic}\n',
    (file) => {
      const config = loadConfig({
        file,
        env: { MY_KEY: 'from-env', PORT: '7000', OPENAI_API_KEY: 'k1', OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1', DATABASE_URL: 'postgres://db/x' },
      });
      assert.equal(config.server.port, 7000);
      assert.equal(config.providers.anthropic?.apiKey, 'from-env');
      assert.equal(config.providers.anthropic?.baseURL, 'https://proxy.example/anthropic');
      assert.equal(config.providers.openai?.apiKey, 'k1');
      assert.equal(config.providers.openai?.baseURL, 'http://127.0.0.1:1234/v1');
      assert.equal(config.database.url, 'postgres://db/x');
    },
  );
});

test('GOOGLE_API_KEY and DASHSCOPE_API_KEY configure gemini and qwen', () => {
  const config = loadConfig({ env: { GOOGLE_API_KEY: 'g', DASHSCOPE_API_KEY: 'q' } });
  assert.equal(config.providers.gemini?.apiKey, 'g');
  assert.equal(config.providers.qwen?.apiKey, 'q');
});

test('errors name the bad field', () => {
  withFile('server:\n  port: 99999\nmodels:\n  - id: x\n    provider: openai\n    pricing: {input: -1, output: 1}\n', (file) => {
    assert.throws(() => loadConfig({ file, env: {} }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /server\.port/);
      assert.match(error.message, /models\.0\.pricing\.input/);
      return true;
    });
  });
  assert.throws(() => loadConfig({ env: { PORT: 'abc' } }), /PORT must be a number/);
  withFile('providers:\n  openai:\n    apiKey: ${NOT_SET_ANYWHERE}\n', (file) => {
    assert.throws(() => loadConfig({ file, env: {} }), /NOT_SET_ANYWHERE/);
  });
  withFile('- just\n- a list\n', (file) => {
    assert.throws(() => loadConfig({ file, env: {} }), /mapping at the top level/);
  });
  assert.throws(() => loadConfig({ file: '/nonexistent/switchyard.yaml', env: {} }), /not found/);
});
