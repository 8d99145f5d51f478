// Runs the load generators on the load core and returns their parsed JSON result.
//   closed loop: wrk (Debian's package) when installed, else the Node generator, labelled.
//   open loop:   always the Node generator (lib/load-generator.mjs), coordinated-omission corrected.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPinned, stopProcess } from './processes.mjs';

const libDir = fileURLToPath(new URL('.', import.meta.url));

export function findWrk() {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

async function collectJson(handle, timeoutMs) {
  const timer = setTimeout(() => stopProcess(handle, 500), timeoutMs);
  const { code, signal } = await handle.exited;
  clearTimeout(timer);
  const line = [...handle.lines].reverse().find((text) => text.startsWith('{'));
  if (!line) {
    const reason = signal ? `killed by ${signal} (time limit ${timeoutMs} ms?)` : `exit code ${code}`;
    throw new Error(`${handle.name} printed no result (${reason}):\n${handle.lines.slice(-8).join('\n')}`);
  }
  return JSON.parse(line);
}

// Returns {generator, requests, durationS, rps, errors, errorDetail, latencyMs}.
export async function runClosedLoop({ core, wrk, origin, spec, connections, durationS, tmpDir }) {
  if (!wrk) {
    const result = await runNodeGenerator({ core, mode: 'closed', origin, spec, connections, durationS });
    return { ...result, generator: 'node', errorDetail: result.firstError };
  }
  const bodyFile = join(tmpDir, 'wrk-body.json');
  writeFileSync(bodyFile, spec.body);
  const headerArgs = Object.entries(spec.headers).map(([name, value]) => `${name}: ${value}`);
  const handle = startPinned({
    name: 'wrk', core, command: wrk,
    args: ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(durationS))}s`, '--timeout', '10s', '-s', join(libDir, 'wrk-post.lua'),
      new URL(spec.path, origin).href, '--', bodyFile, ...headerArgs],
  });
  const raw = await collectJson(handle, (durationS + 30) * 1000);
  const errorTotal = Object.values(raw.errors).reduce((sum, value) => sum + value, 0);
  const durationSeconds = raw.durationUs / 1e6;
  return {
    generator: 'wrk',
    requests: raw.requests,
    durationS: durationSeconds,
    rps: raw.requests / durationSeconds,
    errors: errorTotal,
    errorDetail: errorTotal > 0 ? JSON.stringify(raw.errors) : null,
    latencyMs: Object.fromEntries(Object.entries(raw.latencyUs).map(([key, value]) => [key, value / 1000])),
  };
}

export async function runNodeGenerator({ core, mode, origin, spec, connections, durationS, rate, maxConnections }) {
  const config = {
    mode, origin, path: spec.path, headers: spec.headers, body: spec.body, terminator: spec.terminator,
    connections, durationS, rate, maxConnections, drainTimeoutS: 30, warmupS: 1,
  };
  const handle = startPinned({
    name: `node ${mode}-loop generator`, core, command: process.execPath,
    args: [join(libDir, 'load-generator.mjs'), JSON.stringify(config)],
  });
  return collectJson(handle, (durationS + 60) * 1000);
}
