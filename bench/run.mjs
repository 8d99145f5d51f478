#!/usr/bin/env node
// The benchmark harness: `npm run bench` (builds, then runs this), `node bench/run.mjs --help`.
// Layout and reading the output: bench/README.md.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findWrk } from './lib/generators.mjs';
import { memoryOf, phasesFor, readReferences, runPhase, verifyRoute, warmUp } from './lib/measure.mjs';
import { helpText, parseOptions } from './lib/options.mjs';
import { killAllNow, onCleanup, pinSelf, stopAll, stopProcess } from './lib/processes.mjs';
import { renderReport } from './lib/report.mjs';
import { describeLimitMode } from './lib/gateway-limits.mjs';
import { startOwnRedis } from './lib/redis-server.mjs';
import { repoRoot, simulatorHits, startSimulator, targetsFor } from './lib/targets.mjs';

const log = (line) => process.stdout.write(`${line}\n`);
// Set on Ctrl-C / SIGTERM: nothing more is started and no report is written from a cut-short run.
let interrupted = false;
function stopIfInterrupted() {
  if (interrupted) throw new Error('interrupted');
}
// Foreign CPU load, in cores, above which a phase counts as disturbed (repeated once, then listed).
const disturbedLoad = 0.25;
const fmtMs = (value) => (value === null || value === undefined ? '—' : value.toFixed(2));

function describePhase(phase, result) {
  const parts = [];
  if (phase.loop === 'closed') parts.push(`${Math.round(result.rps)} req/s`);
  else parts.push(`p50 ${fmtMs(result.latencyMs?.p50)} p99 ${fmtMs(result.latencyMs?.p99)} ms`);
  if (phase.id === 'openStream') parts.push(`TTFB p50 ${fmtMs(result.ttfbMs?.p50)} ms`);
  if (result.cpuUsPerRequest !== null) parts.push(`${Math.round(result.cpuUsPerRequest)} µs CPU/req`);
  if (result.errors > 0) parts.push(`${result.errors} errors (${result.errorDetail ?? result.firstError})`);
  if (result.hitProblem) parts.push(`UPSTREAM CHECK: ${result.hitProblem}`);
  if (result.foreignLoad > 0.05) parts.push(`other processes: ${Math.round(result.foreignLoad * 100)}% of a core`);
  return parts.join(', ');
}

function notePhaseProblems(results, key, round, phase, result) {
  const where = `round ${round}, ${key}, ${phase.label}`;
  if (result.errors > 0) results.problems.push(`${where}: ${result.errors} failed requests (${result.errorDetail ?? result.firstError})`);
  if (result.unfinished > 0) results.problems.push(`${where}: ${result.unfinished} requests still unanswered after the drain time`);
  if (result.hitProblem) results.problems.push(`${where}: upstream check: ${result.hitProblem}`);
  if (result.foreignLoad > disturbedLoad) {
    results.problems.push(`${where}: other processes used ${Math.round(result.foreignLoad * 100)}% of a core during the phase (shared machine): numbers disturbed`);
  }
  if (result.loadCoreBusy > 0.97 && phase.id === 'closed' && !key.startsWith('direct/')) {
    results.problems.push(`${where}: load core ${Math.round(result.loadCoreBusy * 100)}% busy, throughput may be bounded by the simulator/generator`);
  }
}

async function verifyTarget(context, target, running, round) {
  const routes = [];
  for (const route of target.routes) {
    if (context.routeFailures.has(`${target.id}/${route}`)) continue;
    const { problems, warnings } = await verifyRoute(context, target, running.origin, route);
    for (const warning of warnings) {
      const text = `${target.id}/${route}: ${warning}`;
      if (!context.results.problems.includes(text)) context.results.problems.push(text);
    }
    if (problems.length > 0) {
      const message = `${target.id}/${route} failed verification, not measured: ${problems.join('; ')}`;
      log(`  ${message}`);
      context.results.problems.push(`round ${round}: ${message}`);
      context.routeFailures.add(`${target.id}/${route}`);
      context.results.failures[`${target.id}/${route}`] = message;
    } else routes.push(route);
  }
  return routes;
}

async function measureTarget(context, target, round) {
  const { options, results } = context;
  const prefix = `[round ${round}/${options.rounds}] ${target.label}`;
  log(`${prefix}: starting`);
  const running = await target.start({
    simOrigin: context.simOrigin, core: context.cores.target, startTimeoutS: options.startTimeoutS, gatewayMainPath: options.gatewayMain,
    redisUrl: context.redisUrl,
  });
  try {
    const routes = await verifyTarget(context, target, running, round);
    if (routes.length === 0) return;
    log(`${prefix}: verified (${routes.join(', ')}); warming up ${options.warmupS} s`);
    await warmUp(context, { ...target, routes }, running);
    const afterWarmup = memoryOf(running);
    for (const route of routes) {
      const key = `${target.id}/${route}`;
      const entry = {};
      for (const phase of phasesFor(options)) {
        stopIfInterrupted();
        log(`${prefix} ${route}: ${phase.label} (${options.durationS} s)`);
        let result = await runPhase(context, target, running, route, phase);
        log(`    ${describePhase(phase, result)}`);
        if (result.foreignLoad > disturbedLoad && options.quietWaitS > 0) {
          log('    disturbed by other processes: repeating the phase once');
          const again = await runPhase(context, target, running, route, phase);
          log(`    ${describePhase(phase, again)}`);
          if (again.foreignLoad < result.foreignLoad) result = again;
        }
        notePhaseProblems(results, key, round, phase, result);
        entry[phase.id] = result;
      }
      entry.memory = afterWarmup ? { afterWarmup, peak: null } : null;
      results.rounds[round - 1][key] = entry;
    }
    const peak = memoryOf(running);
    for (const route of routes) {
      const memory = results.rounds[round - 1][`${target.id}/${route}`].memory;
      if (memory) memory.peak = peak;
    }
    if (peak) log(`${prefix}: RSS after warm-up ${afterWarmup.rss.toFixed(1)} MiB, peak ${peak.peak.toFixed(1)} MiB`);
  } finally {
    if (running.handle) await stopProcess(running.handle);
    running.cleanup();
  }
}

function closedGeneratorLabel(wrk, options) {
  if (wrk) return `wrk (${wrk}, 1 thread)`;
  const why = options.forceNodeGenerator ? '--node-generator' : 'wrk missing: apt-get install -y wrk';
  return `Node + undici (${why}; it saturates its own core first, so its req/s are lower bounds)`;
}

function machineDescription() {
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown CPU';
  return `${cpus().length} cores, ${model}`;
}

async function startUpstream(context) {
  const { options, cores, results } = context;
  log(`starting the simulator on core ${cores.load}`);
  const simulator = await startSimulator({
    simulator: options.simulator, simulatorCli: options.simulatorCli, chunks: options.chunks, chunkDelayMs: options.chunkDelayMs, core: cores.load,
  });
  context.simOrigin = simulator.origin;
  context.simPid = simulator.handle.pid;
  results.meta.simulator = `${simulator.kind}, ${options.chunks} chunks ${options.chunkDelayMs} ms apart`;
  if (simulator.note) {
    log(`NOTE: ${simulator.note}`);
    results.problems.push(simulator.note);
  }
  // Reading the stats twice tells whether the stats request counts itself.
  const first = await simulatorHits(simulator.origin);
  const second = await simulatorHits(simulator.origin);
  if (first === null) {
    results.problems.push('the simulator has no GET /_sim/stats: upstream hit counts are NOT verified');
    log('WARNING: the simulator has no GET /_sim/stats: upstream hit counts cannot be verified');
  }
  context.statsSelfHits = first === null ? 0 : second - first;
  log(`simulator: ${simulator.kind} at ${simulator.origin}`);
  context.references = await readReferences(context);
  await startRedisIfNeeded(context);
}

// --gateway-limits redis: the Redis named by --redis-url, else one of the harness's own (bench/lib/redis-server.mjs).
async function startRedisIfNeeded(context) {
  const { options, cores, results } = context;
  if (!options.targets.includes('gateway') || !options.gatewayLimits.includes('redis')) return;
  if (options.redisUrl) {
    context.redisUrl = options.redisUrl;
    results.meta.redis = `${options.redisUrl} (--redis-url), used as it runs: its CPU is not measured, and on this machine it shares the cores`;
    log(`Redis: ${options.redisUrl} (--redis-url)`);
    return;
  }
  const redis = await startOwnRedis({ core: cores.load, priority: options.redisPriority });
  context.redisUrl = redis.url;
  context.redisPid = redis.handle.pid;
  results.meta.redis = redis.description;
  if (redis.note) {
    log(`NOTE: ${redis.note}`);
    results.problems.push(redis.note);
  }
  log(`Redis: ${redis.description} at ${redis.url}`);
}

async function runRounds(context) {
  const { options, results } = context;
  const targets = targetsFor(options);
  for (let round = 1; round <= options.rounds; round += 1) {
    const shift = (round - 1) % targets.length;
    for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) {
      if (results.failures[target.id]) continue;
      try {
        await measureTarget(context, target, round);
      } catch (error) {
        stopIfInterrupted();
        results.failures[target.id] = error.message;
        results.problems.push(`${target.label} could not be measured: ${error.message.split('\n')[0]}`);
        log(`[round ${round}/${options.rounds}] ${target.label}: NOT MEASURED: ${error.message}`);
      }
    }
  }
}

function writeReport(context) {
  const report = renderReport(context.results);
  const out = resolve(context.options.out ?? join(repoRoot, 'bench/results/latest.md'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  writeFileSync(`${out.replace(/\.md$/, '')}.json`, `${JSON.stringify(context.results, null, 2)}\n`);
  log(`\n${report}`);
  log(`report written to ${out}`);
}

function prepare(options) {
  const cores = availableParallelism() >= 2 ? { load: 0, target: 1 } : { load: 0, target: 0 };
  if (cores.target === cores.load) log('WARNING: fewer than 2 cores: everything shares core 0, figures are not comparable with 2-core runs');
  pinSelf(cores.load);
  const wrk = options.forceNodeGenerator ? null : findWrk();
  if (!wrk && !options.forceNodeGenerator) {
    log('wrk is not installed (install: apt-get update && apt-get install -y wrk); the closed loop falls back to the Node generator, '
      + 'which saturates its own core first: its req/s are labelled and are lower bounds');
  }
  const tmpDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  onCleanup(() => rmSync(tmpDir, { recursive: true, force: true }));
  const results = {
    options, problems: [], failures: {}, rounds: Array.from({ length: options.rounds }, () => ({})),
    meta: {
      date: new Date().toISOString(), node: process.versions.node, cpu: machineDescription(), cores, closedGenerator: closedGeneratorLabel(wrk, options),
      gatewayLimits: options.targets.includes('gateway') ? options.gatewayLimits.map(describeLimitMode) : [],
    },
  };
  return { options, cores, wrk, tmpDir, results, log, routeFailures: new Set() };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    log(helpText);
    return;
  }
  const context = prepare(options);
  try {
    await startUpstream(context);
    await runRounds(context);
    stopIfInterrupted();
    writeReport(context);
  } finally {
    await stopAll();
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping every process started by the benchmark`);
    stopAll().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);

main().catch(async (error) => {
  if (interrupted) return;
  log(`benchmark failed: ${error.stack ?? error.message}`);
  await stopAll();
  process.exitCode = 1;
});
