#!/usr/bin/env node
// What limits and the ledger's crash journal cost at capacity, measured so that a shared machine's drift
// cancels out: every gateway mode runs at once (all on the target core, only one under load at a time), and
// the closed loop goes through them in short slices, cycle after cycle, the order rotating. Each cycle's
// slices are seconds apart, so each mode is compared with the baseline of its own cycle, and the medians of
// those paired ratios are reported. `node bench/limits-ab.mjs --help`; method and figures: bench/README.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gatewayLabel, limitModes } from './lib/gateway-limits.mjs';
import { findWrk, runClosedLoop } from './lib/generators.mjs';
import { killAllNow, onCleanup, pinSelf, readCpuSeconds, readMemoryMiB, stopAll } from './lib/processes.mjs';
import { startOwnRedis } from './lib/redis-server.mjs';
import { requestFor } from './lib/requests.mjs';
import { median, percentileOfSorted } from './lib/stats.mjs';
import { gatewayTarget, repoRoot, simulatorHits, startSimulator } from './lib/targets.mjs';

const helpText = `Usage: node bench/limits-ab.mjs [options]      (build first: npm run build)

Interleaved comparison of the gateway's --gateway-limits modes at capacity (closed loop, 50 connections):
all modes run at once on core 1, the load goes to one at a time in short slices, cycle after cycle, and
each mode's throughput and CPU per request are divided by the baseline's of the same cycle. The median
of those paired ratios (with the 25th-75th percentile range) is the cost. Made for shared machines whose
speed drifts by more than the cost being measured.

Options:
  --modes LIST          comma list of ${limitModes.join(' | ')} (default core,off,memory,redis); the first
                        is the baseline every other mode is divided by, \`off\` a second one when present
  --cycles N            cycles (default 15)
  --slice S             seconds of load per mode per cycle (default 2, whole seconds)
  --warmup S            warm-up seconds per mode before the first cycle (default 10)
  --connections N       closed-loop concurrency (default 50)
  --route R             pass-through | translated (default pass-through)
  --redis-priority P    realtime | normal (default realtime), as in bench/run.mjs
  --out FILE            report path (default bench/results/limits-ab.md, raw numbers beside it as .json)
  --help                this text
`;

const log = (line) => process.stdout.write(`${line}\n`);

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      modes: { type: 'string', default: 'core,off,memory,redis' },
      cycles: { type: 'string', default: '15' },
      slice: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      route: { type: 'string', default: 'pass-through' },
      'redis-priority': { type: 'string', default: 'realtime' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number, got "${values[name]}"`);
    return value;
  };
  const modes = values.modes.split(',').map((mode) => mode.trim()).filter(Boolean);
  for (const mode of modes) if (!limitModes.includes(mode)) throw new Error(`--modes: unknown mode "${mode}" (one of ${limitModes.join(', ')})`);
  if (modes.length < 2 || new Set(modes).size !== modes.length) throw new Error('--modes needs at least two different modes');
  if (!['pass-through', 'translated'].includes(values.route)) throw new Error(`--route must be pass-through or translated, got "${values.route}"`);
  if (!['realtime', 'normal'].includes(values['redis-priority'])) throw new Error('--redis-priority must be realtime or normal');
  return {
    help: values.help, modes, cycles: positive('cycles'), sliceS: positive('slice'), warmupS: positive('warmup'),
    connections: positive('connections'), route: values.route, redisPriority: values['redis-priority'],
    out: resolve(values.out ?? join(repoRoot, 'bench/results/limits-ab.md')),
  };
}

/** One slice of closed-loop load on one running mode: req/s and CPU µs per request (the gateway's, and Redis's). */
async function slice(context, running, durationS) {
  const { handle, origin, target } = running;
  const spec = requestFor('gateway', context.options.route, false, target.clientKey);
  const hitsBefore = await simulatorHits(context.simOrigin);
  const cpuBefore = readCpuSeconds(handle.pid);
  const redisBefore = running.redisPid ? readCpuSeconds(running.redisPid) : null;
  const result = await runClosedLoop({
    core: context.cores.load, wrk: context.wrk, origin, spec, connections: context.options.connections, durationS, tmpDir: context.tmpDir,
  });
  const cpuS = readCpuSeconds(handle.pid) - cpuBefore;
  const redisS = running.redisPid ? readCpuSeconds(running.redisPid) - redisBefore : null;
  const hits = (await simulatorHits(context.simOrigin)) - hitsBefore;
  // wrk stops counting at its deadline with up to `connections` requests in flight.
  const unverified = hits < result.requests || hits > result.requests + context.options.connections * 2 + 4;
  return {
    rps: result.rps,
    requests: result.requests,
    errors: result.errors,
    cpuUs: (cpuS * 1e6) / result.requests,
    redisCpuUs: redisS === null ? null : (redisS * 1e6) / result.requests,
    problem: result.errors > 0 ? `${result.errors} errors (${result.errorDetail})` : unverified ? `simulator saw ${hits} requests for ${result.requests} completed` : null,
  };
}

const summary = (values) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  return sorted.length === 0 ? null : { median: median(sorted), low: percentileOfSorted(sorted, 25), high: percentileOfSorted(sorted, 75) };
};
const fmtRatio = (value) => `${value.toFixed(2)}×`;
const fmtRange = (stats) => (stats === null ? '—' : `${fmtRatio(stats.median)} (${fmtRatio(stats.low)}–${fmtRatio(stats.high)})`);
const fmtNumber = (value) => Math.round(value).toLocaleString('en-US');

function render(context) {
  const { options, cycles, meta } = context;
  const [baseline] = options.modes;
  const second = options.modes.includes('off') && baseline !== 'off' ? 'off' : null;
  const lines = [
    '# Switchyard limits cost, interleaved',
    `- ${meta.date}; ${meta.cpu}; Node ${process.versions.node}; ${cycles.length} cycles of ${options.sliceS} s per mode, `
      + `${options.warmupS} s warm-up per mode; closed loop, ${options.connections} connections (wrk, 1 thread), route ${options.route}.`,
    `- Every mode ran at once on core ${context.cores.target}; simulator, wrk${meta.redis ? ' and Redis' : ''} on core ${context.cores.load}. `
      + 'Each cycle loads every mode once, the order rotating; a mode\'s cost is its figure against the baseline\'s of the same cycle '
      + '(throughput: baseline req/s ÷ mode req/s; CPU: mode µs ÷ baseline µs), and the median over cycles is shown with its 25th–75th percentiles.',
    ...(meta.redis ? [`- Redis: ${meta.redis}`] : []),
    ...meta.problems.map((problem) => `- NOTE: ${problem}`),
    '',
    `| mode | req/s (median) | CPU µs/req (median) | throughput cost vs ${baseline} | CPU cost vs ${baseline} |${second ? ` throughput cost vs ${second} | CPU cost vs ${second} |` : ''} Redis µs/req |`,
    `|---|---|---|---|---|${second ? '---|---|' : ''}---|`,
  ];
  const results = {};
  for (const mode of options.modes) {
    const own = (pick) => summary(cycles.map((cycle) => pick(cycle[mode])));
    const against = (base, pick, higherIsBetter) =>
      summary(cycles.map((cycle) => (higherIsBetter ? pick(cycle[base]) / pick(cycle[mode]) : pick(cycle[mode]) / pick(cycle[base]))));
    const row = {
      rps: own((s) => s.rps),
      cpuUs: own((s) => s.cpuUs),
      redisCpuUs: own((s) => s.redisCpuUs ?? NaN),
      throughputCost: mode === baseline ? null : against(baseline, (s) => s.rps, true),
      cpuCost: mode === baseline ? null : against(baseline, (s) => s.cpuUs, false),
      ...(second && mode !== second ? { throughputCostVsOff: against(second, (s) => s.rps, true), cpuCostVsOff: against(second, (s) => s.cpuUs, false) } : {}),
    };
    results[mode] = row;
    const cells = [
      gatewayLabel(mode), fmtNumber(row.rps.median), fmtNumber(row.cpuUs.median), fmtRange(row.throughputCost), fmtRange(row.cpuCost),
      ...(second ? [fmtRange(row.throughputCostVsOff ?? null), fmtRange(row.cpuCostVsOff ?? null)] : []),
      row.redisCpuUs === null ? '—' : fmtNumber(row.redisCpuUs.median),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('', '## Cycles', '', `| cycle | ${options.modes.map((mode) => `${mode} req/s / µs`).join(' | ')} |`, `|---|${options.modes.map(() => '---|').join('')}`);
  cycles.forEach((cycle, index) => {
    lines.push(`| ${index + 1} | ${options.modes.map((mode) => `${fmtNumber(cycle[mode].rps)} / ${fmtNumber(cycle[mode].cpuUs)}`).join(' | ')} |`);
  });
  return { text: `${lines.join('\n')}\n`, results };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) return log(helpText);
  const wrk = findWrk();
  if (!wrk) throw new Error('wrk is not installed (apt-get update && apt-get install -y wrk): the slices need it');
  const cores = availableParallelism() >= 2 ? { load: 0, target: 1 } : { load: 0, target: 0 };
  pinSelf(cores.load);
  const tmpDir = mkdtempSync(join(tmpdir(), 'switchyard-ab-'));
  onCleanup(() => rmSync(tmpDir, { recursive: true, force: true }));
  const cpu = cpus();
  const meta = { date: new Date().toISOString(), cpu: `${cpu.length} cores, ${cpu[0]?.model ?? 'unknown CPU'}`, redis: null, problems: [] };
  const context = { options, cores, wrk, tmpDir, meta, cycles: [] };

  const simulator = await startSimulator({ simulator: 'auto', chunks: 20, chunkDelayMs: 10, core: cores.load });
  context.simOrigin = simulator.origin;
  if (simulator.note) meta.problems.push(simulator.note);
  let redis = null;
  if (options.modes.includes('redis')) {
    redis = await startOwnRedis({ core: cores.load, priority: options.redisPriority });
    meta.redis = redis.description;
    if (redis.note) meta.problems.push(redis.note);
  }
  const running = {};
  for (const mode of options.modes) {
    const target = gatewayTarget(mode);
    log(`starting ${target.label}`);
    const started = await target.start({ simOrigin: simulator.origin, core: cores.target, startTimeoutS: 30, redisUrl: redis?.url });
    running[mode] = { ...started, target, redisPid: mode === 'redis' ? redis.handle.pid : null };
  }
  for (const mode of options.modes) {
    log(`warming up ${mode} (${options.warmupS} s)`);
    await slice(context, running[mode], options.warmupS);
  }
  for (let index = 0; index < options.cycles; index += 1) {
    const shift = index % options.modes.length;
    const order = [...options.modes.slice(shift), ...options.modes.slice(0, shift)];
    const cycle = {};
    for (const mode of order) cycle[mode] = await slice(context, running[mode], options.sliceS);
    for (const mode of order) if (cycle[mode].problem) meta.problems.push(`cycle ${index + 1}, ${mode}: ${cycle[mode].problem}`);
    context.cycles.push(cycle);
    log(`cycle ${index + 1}/${options.cycles}: ${options.modes.map((mode) => `${mode} ${fmtNumber(cycle[mode].rps)} req/s ${fmtNumber(cycle[mode].cpuUs)} µs`).join(', ')}`);
  }
  for (const mode of options.modes) {
    const memory = readMemoryMiB(running[mode].handle.pid);
    if (memory) log(`${mode}: peak RSS ${memory.peak.toFixed(1)} MiB`);
  }
  const { text, results } = render(context);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, text);
  writeFileSync(options.out.replace(/\.md$/, '.json'), `${JSON.stringify({ options, meta, cycles: context.cycles, results }, null, 2)}\n`);
  log(`\n${text}`);
  log(`report written to ${options.out}`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`\n${signal}: stopping every process started here`);
    stopAll().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);

main()
  .catch((error) => {
    log(`limits-ab failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
