// The simulator and the servers under test: how each is started, pinned and known to be ready.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { request } from 'undici';
import { checkLimitsApplied, gatewayLabel, gatewayTargetId, limitsEnvironment } from './gateway-limits.mjs';
import { freePort, onCleanup, startPinned, stopProcess, waitForHealth, waitForLine } from './processes.mjs';

// The first start on an empty data directory prints the operator's admin key once; the load sends it.
const adminKeyLine = /Admin API key \(shown only once, store it now\): (sy_\w+)/;

export const repoRoot = new URL('../../', import.meta.url).pathname;
const projectSimulator = join(repoRoot, 'dist/src/simulator/cli.js');
const standInSimulator = join(repoRoot, 'bench/stand-in-simulator.mjs');
const gatewayMain = join(repoRoot, 'dist/src/main.js');

// Returns {handle, origin, kind, note}. In auto mode a project simulator that is missing or
// fails to start falls back to the stand-in, and the note says so.
export async function startSimulator({ simulator, simulatorCli, chunks, chunkDelayMs, core }) {
  const projectCli = simulatorCli ? resolve(simulatorCli) : projectSimulator;
  const wantsProject = simulator === 'project' || (simulator === 'auto' && existsSync(projectCli));
  let note = null;
  if (wantsProject) {
    try {
      const kind = `project (${relative(repoRoot, projectCli)})`;
      return { ...(await launchSimulator(projectCli, chunks, chunkDelayMs, core)), kind, note };
    } catch (error) {
      if (simulator === 'project') throw error;
      note = `the project simulator failed to start, using the stand-in: ${error.message.split('\n')[0]}`;
    }
  } else if (simulator === 'auto') {
    note = `${relative(repoRoot, projectCli)} is not built: using bench/stand-in-simulator.mjs`;
  }
  return { ...(await launchSimulator(standInSimulator, chunks, chunkDelayMs, core)), kind: 'stand-in (bench/stand-in-simulator.mjs)', note };
}

async function launchSimulator(script, chunks, chunkDelayMs, core) {
  if (!existsSync(script)) throw new Error(`${script} does not exist`);
  const port = await freePort();
  const handle = startPinned({
    name: 'simulator', core, command: process.execPath, cwd: repoRoot,
    args: [script, '--port', String(port), '--chunks', String(chunks), '--chunk-delay-ms', String(chunkDelayMs)],
  });
  let match;
  try {
    match = await waitForLine(handle, /simulator listening on (http:\/\/[^\s]+)/, 15_000);
  } catch (error) {
    await stopProcess(handle);
    throw error;
  }
  return { handle, origin: match[1].replace(/\/$/, '') };
}

// Upstream hit count, or null when the simulator has no /_sim/stats.
export async function simulatorHits(origin) {
  try {
    const { statusCode, body } = await request(`${origin}/_sim/stats`, { headersTimeout: 5000, bodyTimeout: 5000 });
    if (statusCode !== 200) {
      await body.dump();
      return null;
    }
    const stats = await body.json();
    return typeof stats.requests === 'number' ? stats.requests : null;
  } catch {
    return null;
  }
}

function baseline(id, label, script) {
  return {
    id, label, kind: 'baseline', routes: ['pass-through'],
    async start({ simOrigin, core, startTimeoutS }) {
      const port = await freePort();
      const handle = startPinned({
        name: label, core, command: process.execPath, cwd: repoRoot,
        args: [join(repoRoot, 'bench', script), '--port', String(port), '--upstream', simOrigin],
      });
      const origin = `http://127.0.0.1:${port}`;
      try {
        await waitForHealth(handle, `${origin}/health`, startTimeoutS * 1000);
      } catch (error) {
        await stopProcess(handle);
        throw error;
      }
      return { handle, origin, cleanup: () => {} };
    },
  };
}

// The gateway, once per --gateway-limits mode (ids `gateway`, `gateway+memory`, `gateway+redis`).
export function gatewayTarget(mode) {
  const target = {
    id: gatewayTargetId(mode), label: gatewayLabel(mode), kind: 'gateway', limits: mode, routes: ['pass-through', 'translated'],
    /** Set once started: the gateway's admin key, sent by the load instead of --client-key. */
    clientKey: undefined,
    async start({ simOrigin, core, startTimeoutS, gatewayMainPath, redisUrl }) {
      const main = gatewayMainPath ? resolve(gatewayMainPath) : gatewayMain;
      if (!existsSync(main)) {
        throw new Error(`${main} does not exist: the gateway is not built (npm run build) or not written yet`);
      }
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
      const cleanup = onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
      const handle = startPinned({
        name: target.label, core, command: process.execPath, cwd: repoRoot,
        args: ['--enable-source-maps', main],
        env: {
          SWITCHYARD_PORT: String(port), SWITCHYARD_HOST: '127.0.0.1', SWITCHYARD_SIMULATOR: 'false',
          OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: `${simOrigin}/v1`,
          ANTHROPIC_API_KEY: 'bench', ANTHROPIC_BASE_URL: simOrigin,
          LOG_LEVEL: 'warn', SWITCHYARD_DATA_DIR: dataDir,
          ...limitsEnvironment(mode, dataDir, redisUrl),
        },
      });
      const origin = `http://127.0.0.1:${port}`;
      try {
        await waitForHealth(handle, `${origin}/health`, startTimeoutS * 1000);
        target.clientKey = (await waitForLine(handle, adminKeyLine, startTimeoutS * 1000))[1];
        await checkLimitsApplied(mode, origin, target.clientKey);
      } catch (error) {
        await stopProcess(handle);
        cleanup();
        throw error;
      }
      return { handle, origin, cleanup };
    },
  };
  return target;
}

const direct = {
  id: 'direct', label: 'direct (simulator)', kind: 'direct', routes: ['pass-through', 'translated'],
  async start({ simOrigin }) {
    return { handle: null, origin: simOrigin, cleanup: () => {} };
  },
};

export const targetsById = {
  direct,
  bare: baseline('bare', 'bare proxy', 'baseline-proxy.mjs'),
  parse: baseline('parse', 'bare + JSON parse', 'baseline-parse.mjs'),
};

/** The targets of --targets in order, `gateway` standing for the gateway in each --gateway-limits mode. */
export function targetsFor(options) {
  return options.targets.flatMap((id) => (id === 'gateway' ? options.gatewayLimits.map(gatewayTarget) : [targetsById[id]]));
}
