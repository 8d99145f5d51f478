import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseCliOptions } from '../../src/simulator/cli-options.js';
import { OPENAI_HEADERS, postJson } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/simulator/cli.ts', import.meta.url));

function runCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  let buffer = '';
  for await (const chunk of child.stdout!) {
    buffer += String(chunk);
    const newline = buffer.indexOf('\n');
    if (newline !== -1) return buffer.slice(0, newline);
  }
  throw new Error(`the simulator exited before printing its address: ${buffer}`);
}

describe('simulator CLI', () => {
  it('parses its flags', () => {
    assert.deepEqual(
      parseCliOptions(['--port', '9100', '--latency-ms', '5', '--first-token-ms', '6', '--chunk-delay-ms', '7', '--chunks', '3', '--reply', 'Hi', '--keys', 'a,b']),
      { host: undefined, port: 9100, latencyMs: 5, firstTokenMs: 6, chunkDelayMs: 7, chunks: 3, reply: 'Hi', keys: ['a', 'b'] },
    );
    assert.throws(() => parseCliOptions(['--port', 'abc']), /--port must be a non-negative integer/);
    assert.throws(() => parseCliOptions(['--colour']));
  });

  it('prints its address, serves requests and stops on SIGTERM', async () => {
    const child = runCli(['--port', '0', '--reply', 'Fixed answer']);
    try {
      const line = await firstLine(child);
      const match = /^simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      assert.ok(match, line);
      const { json } = await postJson(`${match[1]}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
      assert.equal(json.choices[0].message.content, 'Fixed answer');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits with status 2 on a bad flag', async () => {
    const child = runCli(['--latency-ms', '-1']);
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
  });
});
