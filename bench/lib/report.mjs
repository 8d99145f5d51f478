// Turns the per-round results into the Markdown report. Every ratio and every "added" figure is
// computed within one round (target vs the bare proxy / the direct call of that same round), and
// the median over rounds is what is shown.
import { baselineModes, gatewayLabel, gatewayTargetId } from './gateway-limits.mjs';
import { median, minMax } from './stats.mjs';

const baseRows = [['direct', 'pass-through'], ['direct', 'translated'], ['bare', 'pass-through'], ['parse', 'pass-through']];
const labels = { direct: 'direct (simulator)', bare: 'bare proxy', parse: 'bare + JSON parse' };
// The most the limits may cost, as a factor on the gateway's figures without them (same run, same round).
const limitsCostBound = 1.3;

/** The gateway's --gateway-limits modes in this run (none when it was not among the targets). */
function gatewayModes(results) {
  return results.options.targets.includes('gateway') ? (results.options.gatewayLimits ?? ['off']) : [];
}
const routeLabels = { 'pass-through': 'pass-through', translated: 'translated' };

const fmt = {
  int: (value) => (value === null ? '—' : Math.round(value).toLocaleString('en-US')),
  ms: (value) => (value === null ? '—' : value.toFixed(2)),
  signedMs: (value) => (value === null ? '—' : `${value >= 0 ? '+' : ''}${value.toFixed(2)}`),
  ratio: (value) => (value === null ? '—' : `${value.toFixed(2)}×`),
  mib: (value) => (value === null ? '—' : value.toFixed(1)),
  pct: (value) => (value === null ? '—' : `${Math.round(value * 100)}%`),
};

function phaseOf(round, key, phase) {
  return round[key]?.[phase] ?? null;
}

// Collects f(round) over rounds and returns the median (null when no round has a value).
function perRound(results, f) {
  return median(results.rounds.map((round) => {
    try {
      return f(round);
    } catch {
      return null;
    }
  }));
}

function metrics(results, target, route) {
  const key = `${target}/${route}`;
  const directKey = `direct/${route}`;
  const value = (phase, pick) => perRound(results, (round) => pick(phaseOf(round, key, phase)));
  const ratio = (phase) => perRound(results, (round) => phaseOf(round, key, phase).rps / phaseOf(round, 'bare/pass-through', phase).rps);
  const added = (phase, pick) => perRound(results, (round) => pick(phaseOf(round, key, phase)) - pick(phaseOf(round, directKey, phase)));
  const memory = (pick) => perRound(results, (round) => pick(round[key].memory));
  const openLoop = (phase) => ({
    p50: value(phase, (p) => p.latencyMs.p50), p90: value(phase, (p) => p.latencyMs.p90),
    p99: value(phase, (p) => p.latencyMs.p99), max: value(phase, (p) => p.latencyMs.max),
    addedP50: added(phase, (p) => p.latencyMs.p50), addedP99: added(phase, (p) => p.latencyMs.p99),
    sendLagP99: value(phase, (p) => p.sendLagMs.p99), cpu: value(phase, (p) => p.cpuUsPerRequest),
    foreign: value(phase, (p) => p.foreignLoad),
  });
  return {
    rps: value('closed', (p) => p.rps), rpsRatio: ratio('closed'),
    rpsRange: minMax(results.rounds.map((round) => phaseOf(round, key, 'closed')?.rps)),
    cpu: value('closed', (p) => p.cpuUsPerRequest),
    targetShare: value('closed', (p) => p.targetCpuShare), loadBusy: value('closed', (p) => p.loadCoreBusy),
    foreignClosed: value('closed', (p) => p.foreignLoad),
    streamRps: value('closedStream', (p) => p.rps), streamRatio: ratio('closedStream'),
    streamCpu: value('closedStream', (p) => p.cpuUsPerRequest),
    open: openLoop('open'),
    openLow: openLoop('openLow'),
    stream: {
      ...openLoop('openStream'),
      ttfbP50: value('openStream', (p) => p.ttfbMs.p50), ttfbP99: value('openStream', (p) => p.ttfbMs.p99),
      addedTtfbP50: added('openStream', (p) => p.ttfbMs.p50), addedTtfbP99: added('openStream', (p) => p.ttfbMs.p99),
    },
    rssAfterWarmup: memory((m) => m.afterWarmup.rss),
    peak: minMax(results.rounds.map((round) => round[key]?.memory?.peak?.peak))?.max ?? null,
  };
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function rowsFor(results) {
  const rows = baseRows
    .filter(([target]) => results.options.targets.includes(target))
    .map(([target, route]) => ({ target, route, label: labels[target] }));
  for (const mode of gatewayModes(results)) {
    for (const route of ['pass-through', 'translated']) rows.push({ target: gatewayTargetId(mode), route, label: gatewayLabel(mode) });
  }
  return rows.map((row) => ({ ...row, routeLabel: routeLabels[row.route], m: metrics(results, row.target, row.route) }));
}

function summaryTable(rows, options) {
  return table(
    ['target', 'route', 'req/s @' + options.connections, '× bare', 'CPU µs/req', `p50 / p99 @${options.rate}/s (ms)`, 'added p50 (ms)',
      'stream TTFB p50 (ms)', 'added TTFB (ms)', 'RSS / peak (MiB)'],
    rows.map(({ label, routeLabel, m }) => [
      label, routeLabel, fmt.int(m.rps), fmt.ratio(m.rpsRatio), fmt.int(m.cpu), `${fmt.ms(m.open.p50)} / ${fmt.ms(m.open.p99)}`,
      fmt.signedMs(m.open.addedP50), fmt.ms(m.stream.ttfbP50), fmt.signedMs(m.stream.addedTtfbP50),
      `${fmt.mib(m.rssAfterWarmup)} / ${fmt.mib(m.peak)}`,
    ]),
  );
}

function throughputTable(rows) {
  return table(
    ['target', 'route', 'req/s (min–max)', '× bare', 'CPU µs/req', 'target CPU', 'load core busy', 'other load', 'streams/s', '× bare', 'CPU µs/stream'],
    rows.map(({ label, routeLabel, m }) => [
      label, routeLabel, `${fmt.int(m.rps)} (${fmt.int(m.rpsRange?.min ?? null)}–${fmt.int(m.rpsRange?.max ?? null)})`, fmt.ratio(m.rpsRatio),
      fmt.int(m.cpu), fmt.pct(m.targetShare), fmt.pct(m.loadBusy), fmt.pct(m.foreignClosed), fmt.int(m.streamRps), fmt.ratio(m.streamRatio), fmt.int(m.streamCpu),
    ]),
  );
}

function latencyTable(rows, pick) {
  return table(
    ['target', 'route', 'p50', 'p90', 'p99', 'max', 'added p50', 'added p99', 'CPU µs/req', 'generator lag p99', 'other load'],
    rows.map(({ label, routeLabel, m }) => {
      const open = pick(m);
      return [
        label, routeLabel, fmt.ms(open.p50), fmt.ms(open.p90), fmt.ms(open.p99), fmt.ms(open.max), fmt.signedMs(open.addedP50), fmt.signedMs(open.addedP99),
        fmt.int(open.cpu), fmt.ms(open.sendLagP99), fmt.pct(open.foreign),
      ];
    }),
  );
}

function streamingTable(rows) {
  return table(
    ['target', 'route', 'TTFB p50', 'TTFB p99', 'added TTFB p50', 'added TTFB p99', 'total p50', 'total p99', 'added total p50', 'CPU µs/stream', 'other load'],
    rows.map(({ label, routeLabel, m: { stream } }) => [
      label, routeLabel, fmt.ms(stream.ttfbP50), fmt.ms(stream.ttfbP99), fmt.signedMs(stream.addedTtfbP50), fmt.signedMs(stream.addedTtfbP99),
      fmt.ms(stream.p50), fmt.ms(stream.p99), fmt.signedMs(stream.addedP50), fmt.int(stream.cpu), fmt.pct(stream.foreign),
    ]),
  );
}

function detailTables(rows, options) {
  const sections = [
    `### Closed loop, ${options.connections} connections (${options.durationS} s per phase)`,
    'Maximum throughput and CPU time of the server under test per completed request. Its latency is queueing (Little\'s law), so it is not shown. '
      + `Streaming throughput is bounded by the simulator's pacing (${options.chunks} chunks ${options.chunkDelayMs} ms apart: about `
      + `${options.connections} ÷ the direct stream time), so CPU µs/stream is its useful figure. `
      + '"target CPU" is the target\'s CPU time over wall time (100% = its core is saturated); "load core busy" is the simulator + generator core; '
      + '"other load" is CPU used by processes other than the benchmark\'s during the phase, in % of one core (the machine is shared; above ~25% the phase is disturbed).',
    throughputTable(rows),
    `### Open loop, non-streaming, ${options.rate} req/s (ms, from each request's scheduled send time)`,
    latencyTable(rows, (m) => m.open),
  ];
  if (options.lowRate > 0) {
    sections.push(`### Open loop, non-streaming, ${options.lowRate} req/s (ms; the rate usual for reference figures)`, latencyTable(rows, (m) => m.openLow));
  }
  sections.push(
    `### Open loop, streaming, ${options.streamRate} streams/s (ms, from each request's scheduled send time)`,
    `TTFB is the first body byte; total is the end of the stream (${options.chunks} chunks ${options.chunkDelayMs} ms apart).`,
    streamingTable(rows),
  );
  return sections.join('\n\n');
}

function check(name, value, passes, detail) {
  if (value === null) return `- NOT MEASURED — ${name}: ${detail}`;
  return `- ${passes ? 'PASS' : 'FAIL'} — ${name}: ${detail}`;
}

// The targets are the core gateway's (limits off); a run with limits modes only checks its first one.
function targetChecks(results) {
  const modes = gatewayModes(results);
  const id = gatewayTargetId(modes.includes('off') ? 'off' : (modes[0] ?? 'off'));
  const pass = metrics(results, id, 'pass-through');
  const translated = metrics(results, id, 'translated');
  const failure = results.failures[id] ?? results.failures[`${id}/pass-through`];
  const targets = results.options.targets;
  const none = (reference) => {
    if (failure) return `not measured (${failure.split('\n')[0].slice(0, 400)})`;
    if (!targets.includes('gateway')) return 'not measured (the gateway was not among --targets)';
    if (!targets.includes(reference)) return `not measured (needs the ${reference} target in the same run)`;
    return 'not measured';
  };
  const lines = [
    check('pass-through throughput ≥ 0.5× bare proxy', pass.rpsRatio, pass.rpsRatio >= 0.5,
      pass.rpsRatio === null ? none('bare') : `${fmt.ratio(pass.rpsRatio)} (${fmt.int(pass.rps)} req/s; translated ${fmt.ratio(translated.rpsRatio)})`),
    check(`added p50 latency < 0.5 ms at ${results.options.rate} req/s`, pass.open.addedP50, pass.open.addedP50 < 0.5,
      pass.open.addedP50 === null ? none('direct')
        : `pass-through ${fmt.signedMs(pass.open.addedP50)} ms (p50 ${fmt.ms(pass.open.p50)} ms vs direct; translated ${fmt.signedMs(translated.open.addedP50)} ms)`),
    check('added stream TTFB < 1 ms', pass.stream.addedTtfbP50, pass.stream.addedTtfbP50 < 1,
      pass.stream.addedTtfbP50 === null ? none('direct')
        : `pass-through ${fmt.signedMs(pass.stream.addedTtfbP50)} ms at p50, ${results.options.streamRate} streams/s (translated ${fmt.signedMs(translated.stream.addedTtfbP50)} ms)`),
    check('gateway memory < 150 MiB', pass.peak, pass.peak < 150,
      pass.peak === null ? none('gateway') : `peak RSS ${fmt.mib(pass.peak)} MiB (after warm-up ${fmt.mib(pass.rssAfterWarmup)} MiB)`),
  ];
  const checked = id === 'gateway' ? [] : [`- (checked on ${gatewayLabel(modes[0])}: limits off was not in --gateway-limits)`];
  return [...checked, ...lines, ...limitsChecks(results, modes)].join('\n');
}

// Per round, the gateway with limits on against the gateway without them (the same round's figures),
// median over rounds: each figure on may cost at most limitsCostBound× the figure off.
// The baseline is `core` (no limits, no crash journal) when it ran, else `off` (no limits).
function limitsChecks(results, modes) {
  const on = modes.filter((mode) => !baselineModes.includes(mode));
  if (on.length === 0) return [];
  const baseline = baselineModes.find((mode) => modes.includes(mode));
  if (baseline === undefined) {
    return on.map((mode) => `- NOT MEASURED — limits (${mode}) within ${limitsCostBound}× of the gateway without them: needs --gateway-limits off,${mode} or core,${mode} in the same run`);
  }
  const without = baseline === 'core' ? 'the core gateway without them (no limits, no crash journal)' : 'the gateway without them';
  const withWhat = baseline === 'core' ? 'with limits and journal' : 'with limits';
  const rate = results.options.rate;
  const figures = [
    { name: 'throughput', phase: 'closed', pick: (p) => p.rps, unit: 'req/s', format: fmt.int, higherIsBetter: true },
    { name: 'CPU per request', phase: 'closed', pick: (p) => p.cpuUsPerRequest, unit: 'µs', format: fmt.int, redis: true },
    // Not one of the targets' figures: at a fixed rate well below capacity it shows what each call's own
    // round trip to Redis costs (nothing shares it), where the closed loop's CPU shows the cost at capacity.
    { name: `CPU per request at ${rate} req/s`, phase: 'open', pick: (p) => p.cpuUsPerRequest, unit: 'µs', format: fmt.int, redis: true, info: true },
    { name: `p50 at ${rate} req/s`, phase: 'open', pick: (p) => p.latencyMs.p50, unit: 'ms', format: fmt.ms },
    { name: 'stream TTFB p50', phase: 'openStream', pick: (p) => p.ttfbMs.p50, unit: 'ms', format: fmt.ms },
    { name: 'peak memory', phase: 'memory', pick: (m) => m.peak.peak, unit: 'MiB', format: fmt.mib },
  ];
  const lines = [];
  for (const mode of on) {
    const offKey = `${gatewayTargetId(baseline)}/pass-through`;
    const onKey = `${gatewayTargetId(mode)}/pass-through`;
    for (const { name, phase, pick, unit, format, higherIsBetter, redis, info } of figures) {
      const offValue = (round) => pick(phaseOf(round, offKey, phase));
      const onValue = (round) => pick(phaseOf(round, onKey, phase));
      // How many times worse the figure is with limits on (below 1: better), within each round.
      const cost = perRound(results, (round) => (higherIsBetter ? offValue(round) / onValue(round) : onValue(round) / offValue(round)));
      // The harness's own Redis: its CPU per request, and the cost with it added to the gateway's.
      const redisValue = (round) => phaseOf(round, onKey, phase).redisCpuUsPerRequest;
      const redisCpu = redis && mode === 'redis' ? perRound(results, redisValue) : null;
      const withRedis = redisCpu === null ? ''
        : `; redis-server ${fmt.int(redisCpu)} µs more per request on its own core, `
          + `${fmt.ratio(perRound(results, (round) => (onValue(round) + redisValue(round)) / offValue(round)))} counting it`;
      const detail = cost === null ? 'not measured (a gateway variant failed or was not run)'
        : `${format(perRound(results, onValue))} ${unit} ${withWhat}, ${format(perRound(results, offValue))} ${unit} without `
          + `(cost ${fmt.ratio(cost)}, pass-through${withRedis})`;
      if (info) lines.push(`- INFO — limits (${mode}) ${name}, beside ${without}: ${detail}`);
      else lines.push(check(`limits (${mode}) ${name} within ${limitsCostBound}× of ${without}`, cost, cost <= limitsCostBound, detail));
    }
  }
  return lines;
}

export function renderReport(results) {
  const { options, meta } = results;
  const rows = rowsFor(results);
  const notes = [
    `- ${meta.date}; ${meta.cpu}; Node ${meta.node}; ${options.rounds} round(s), ${options.warmupS} s warm-up per target, ${options.durationS} s per phase${options.quick ? ' (--quick: a smoke run, not a measurement)' : ''}.`,
    `- Cores: simulator and load generators on core ${meta.cores.load}, server under test on core ${meta.cores.target} (taskset). A Node server uses one core: figures are per core.`,
    `- Simulator: ${meta.simulator}. Closed-loop generator: ${meta.closedGenerator}. Open-loop generator: Node + undici, latency from scheduled send time (coordinated omission corrected).`,
    ...(meta.gatewayLimits?.length > 0 ? [`- Gateway limits (--gateway-limits): ${meta.gatewayLimits.join('; ')}. The ledger (request log) is always on.`] : []),
    ...(meta.redis ? [`- Redis: ${meta.redis}.`] : []),
    '- Ratios and "added" figures are computed per round against the bare proxy / the direct call of the same round; the medians are shown. '
      + 'The baselines have no translated route: the gateway\'s translated row is compared with the same bare pass-through proxy, and its "added" figures with a direct Anthropic call.',
  ];
  const problems = [...results.problems];
  const body = [
    '# Switchyard benchmark',
    notes.join('\n'),
    '## Targets',
    targetChecks(results),
    '## Summary (medians over rounds)',
    summaryTable(rows, options),
    detailTables(rows, options),
    '## Problems and warnings',
    problems.length > 0 ? problems.map((problem) => `- ${problem}`).join('\n') : '- none',
  ];
  return `${body.join('\n\n')}\n`;
}
