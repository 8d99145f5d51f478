// One target's turn in one round: verify, warm up, then the four measured phases per route.
// Every phase also reads the target's CPU time, both cores' load and the simulator's hit count.
import { setTimeout as sleep } from 'node:timers/promises';
import { coreBusyShare, readCoreTimes, readCpuSeconds, readMemoryMiB, startForeignLoadMeter } from './processes.mjs';
import { requestFor } from './requests.mjs';
import { runClosedLoop, runNodeGenerator } from './generators.mjs';
import { compareReadings, fetchOnce, readResponse } from './verify.mjs';
import { simulatorHits } from './targets.mjs';

// The measured phases of one route, in order. `openLow` (the low rate of the usual
// reference figures) is left out with --low-rate 0.
export function phasesFor(options) {
  const phases = [
    { id: 'closed', loop: 'closed', stream: false, label: `closed loop, ${options.connections} connections` },
    { id: 'closedStream', loop: 'closed', stream: true, label: `closed loop, ${options.connections} connections, streaming` },
    { id: 'open', loop: 'open', stream: false, rate: options.rate, label: `open loop, ${options.rate} req/s` },
    { id: 'openLow', loop: 'open', stream: false, rate: options.lowRate, label: `open loop, ${options.lowRate} req/s` },
    { id: 'openStream', loop: 'open', stream: true, rate: options.streamRate, label: `open loop, ${options.streamRate} streams/s` },
  ];
  return phases.filter((phase) => phase.loop === 'closed' || phase.rate > 0);
}

// Direct readings per route and stream mode, read twice to learn whether the simulator's text is
// deterministic (then every target must return exactly the same text).
export async function readReferences(context) {
  const references = {};
  for (const route of ['pass-through', 'translated']) {
    for (const stream of [false, true]) {
      const spec = requestFor('direct', route, stream, context.options.clientKey);
      const first = readResponse(spec, await fetchOnce(context.simOrigin, spec), stream);
      const second = readResponse(spec, await fetchOnce(context.simOrigin, spec), stream);
      if (first.problems.length > 0) {
        throw new Error(`the simulator itself answers ${route}${stream ? ' streaming' : ''} wrongly: ${first.problems.join('; ')}`);
      }
      references[`${route}/${stream}`] = { ...first, deterministic: first.text === second.text };
    }
  }
  return references;
}

// Returns {problems, warnings} for one route of a running target (two requests: JSON and SSE).
export async function verifyRoute(context, target, origin, route) {
  const problems = [];
  const warnings = [];
  const hitsBefore = await simulatorHits(context.simOrigin);
  for (const stream of [false, true]) {
    const spec = requestFor(target.kind, route, stream, target.clientKey ?? context.options.clientKey);
    const mode = stream ? 'streaming' : 'JSON';
    let reading;
    try {
      reading = readResponse(spec, await fetchOnce(origin, spec), stream);
    } catch (error) {
      problems.push(`${mode}: request failed: ${error.code ?? error.message}`);
      continue;
    }
    // Through the gateway the translated route answers in OpenAI's format: its shape is compared
    // with the direct OpenAI answer and its text with the direct Anthropic one.
    const sameFormat = route === 'pass-through' || target.kind === 'direct';
    const shapeReference = context.references[`${sameFormat ? route : 'pass-through'}/${stream}`];
    const textReference = context.references[`${route}/${stream}`];
    const outcome = compareReadings(reading, shapeReference, {
      sameFormat,
      expectedText: textReference.deterministic ? textReference.text : null,
    });
    problems.push(...outcome.problems.map((problem) => `${mode}: ${problem}`));
    warnings.push(...outcome.warnings.map((warning) => `${mode}: ${warning}`));
  }
  const hitsAfter = await simulatorHits(context.simOrigin);
  if (hitsBefore !== null && hitsAfter !== null) {
    const hits = hitsAfter - hitsBefore - context.statsSelfHits;
    if (hits !== 2) problems.push(`the simulator saw ${hits} upstream requests for 2 requests sent`);
  }
  return { problems, warnings };
}

// Bounds for the simulator's hit count: an open loop waits for every answer (exact count); wrk
// stops counting at its deadline while up to `connections` requests are still in flight.
function checkHits(hits, phase, result, connections) {
  if (hits === null) return 'unverified (simulator has no /_sim/stats)';
  if (phase.loop === 'open') return hits === result.sent ? null : `simulator saw ${hits} requests, ${result.sent} were sent`;
  const low = result.requests;
  const high = result.requests + connections * 2 + 2;
  return hits >= low && hits <= high ? null : `simulator saw ${hits} requests, the generator completed ${result.requests}`;
}

// The machine is shared: before a phase, wait (bounded) until other processes leave our cores
// nearly idle. Returns the last measured foreign load, in cores.
async function waitForQuiet(context, pids) {
  const { quietWaitS, quietThreshold } = context.options;
  const deadline = performance.now() + quietWaitS * 1000;
  let announced = false;
  for (;;) {
    const stop = startForeignLoadMeter(pids);
    await sleep(500);
    const foreign = stop();
    if (foreign <= quietThreshold || performance.now() >= deadline) return foreign;
    if (!announced) {
      context.log(`    other processes use ${Math.round(foreign * 100)}% of a core: waiting up to ${quietWaitS} s for quiet`);
      announced = true;
    }
  }
}

export async function runPhase(context, target, running, route, phase) {
  const { options, cores } = context;
  const spec = requestFor(target.kind, route, phase.stream, target.clientKey ?? options.clientKey);
  const pid = running.handle?.pid;
  // The harness's own Redis is ours too; its CPU is charged per request to the target that uses it.
  const redisPid = target.limits === 'redis' ? context.redisPid : undefined;
  const pids = [pid, context.simPid, context.redisPid];
  if (options.quietWaitS > 0) await waitForQuiet(context, pids);
  const foreignMeter = startForeignLoadMeter(pids);
  const hitsBefore = await simulatorHits(context.simOrigin);
  const cpuBefore = pid ? readCpuSeconds(pid) : null;
  const redisCpuBefore = redisPid ? readCpuSeconds(redisPid) : null;
  const coresBefore = readCoreTimes();
  const wallBefore = performance.now();
  const common = { core: cores.load, origin: running.origin, spec, durationS: options.durationS };
  const result = phase.loop === 'closed'
    ? await runClosedLoop({ ...common, wrk: context.wrk, connections: options.connections, tmpDir: context.tmpDir })
    : await runNodeGenerator({ ...common, mode: 'open', rate: phase.rate });
  const wallS = (performance.now() - wallBefore) / 1000;
  const foreignLoad = foreignMeter();
  const cpuS = pid ? readCpuSeconds(pid) - cpuBefore : null;
  const redisCpuS = redisPid ? readCpuSeconds(redisPid) - redisCpuBefore : null;
  const coresAfter = readCoreTimes();
  const hitsAfter = await simulatorHits(context.simOrigin);
  const completed = phase.loop === 'closed' ? result.requests : result.ok;
  const hits = hitsBefore === null || hitsAfter === null ? null : hitsAfter - hitsBefore - context.statsSelfHits;
  return {
    ...result,
    cpuUsPerRequest: cpuS === null || completed === 0 ? null : (cpuS * 1e6) / completed,
    redisCpuUsPerRequest: redisCpuS === null || completed === 0 ? null : (redisCpuS * 1e6) / completed,
    targetCpuShare: cpuS === null ? null : cpuS / wallS,
    loadCoreBusy: coreBusyShare(coresBefore, coresAfter, cores.load),
    targetCoreBusy: coreBusyShare(coresBefore, coresAfter, cores.target),
    foreignLoad,
    upstreamHits: hits,
    hitProblem: checkHits(hits, phase, result, options.connections),
  };
}

// Closed-loop load on every route and mode of the target, split evenly over the warm-up time.
export async function warmUp(context, target, running) {
  const combos = target.routes.flatMap((route) => [false, true].map((stream) => ({ route, stream })));
  const share = Math.max(1, Math.round(context.options.warmupS / combos.length));
  for (const { route, stream } of combos) {
    await runClosedLoop({
      core: context.cores.load, origin: running.origin, wrk: context.wrk, tmpDir: context.tmpDir,
      spec: requestFor(target.kind, route, stream, target.clientKey ?? context.options.clientKey),
      connections: context.options.connections, durationS: share,
    });
  }
}

export function memoryOf(running) {
  return running.handle ? readMemoryMiB(running.handle.pid) : null;
}
