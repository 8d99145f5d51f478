// Command-line options of bench/run.mjs.
import { parseArgs } from 'node:util';
import { limitModes } from './gateway-limits.mjs';

export const helpText = `Usage: node bench/run.mjs [options]      (npm run bench builds first, then runs this)

Benchmarks the gateway against two Node baselines and direct calls to the provider simulator,
on loopback, with the simulator and load generators pinned to one core and the server under test
to the other (taskset). Method: bench/README.md; output: a Markdown report printed and
written to bench/results/latest.md (raw numbers in latest.json). See bench/README.md.

Options:
  --quick                 smoke run: 1 round, 2 s warm-up, 3 s per phase (flags below still win)
  --rounds N              rounds, target order rotating each round (default 3)
  --warmup S              warm-up seconds per target (default 10)
  --duration S            seconds per measured phase (default 10)
  --connections N         closed-loop concurrency (default 50)
  --rate R                open-loop rate for non-streaming requests, req/s (default 1000)
  --low-rate R            a second open-loop rate for non-streaming requests (default 200; 0: skip)
  --stream-rate R         open-loop rate for streaming requests, streams/s (default 200; core 0
                          cannot carry the simulator and generator side of 1000 streams/s)
  --chunks N              simulator: content chunks per stream (default 20)
  --chunk-delay-ms MS     simulator: delay between chunks (default 10)
  --targets LIST          comma list of direct,bare,parse,gateway (default: all)
  --simulator KIND        auto | project | stand-in (default auto: the project's
                          dist/src/simulator/cli.js when built, else bench/stand-in-simulator.mjs)
  --node-generator        use the Node closed-loop generator even when wrk is installed
  --simulator-cli FILE    the project simulator's entry point (default dist/src/simulator/cli.js)
  --gateway-main FILE     the gateway's entry point (default dist/src/main.js)
  --gateway-limits LIST   comma list of off | core | memory | redis (default off): the gateway target once
                          per mode. memory / redis: every call counts against a plan far above the load
                          (nothing is refused), counters in the gateway's memory or on Redis; core: no
                          limits and the ledger's crash journal off too. With off or core and a limits
                          mode in one run the report compares them per round (against core when it ran)
  --redis-url URL         a running Redis for --gateway-limits redis, used as it is (default: the harness
                          starts its own redis-server on the load core, see --redis-priority)
  --redis-priority P      realtime | normal (default realtime): the priority of the harness's own
                          redis-server. realtime (SCHED_FIFO) stands in for Redis on its own host;
                          normal shows what sharing the load core costs
  --client-key KEY        bearer token the load sends to the simulator and baselines (default "bench"); the
                          gateway gets the admin key it prints at its first start on a fresh data directory
  --quiet-wait S          before each phase, wait up to S s while other processes keep more than
                          --quiet-threshold of a core busy (default 30, quick 5; 0: never wait)
  --quiet-threshold C     foreign load, in cores, that counts as quiet (default 0.15)
  --start-timeout S       seconds a target may take to answer GET /health (default 30)
  --out FILE              report path (default bench/results/latest.md)
  --help                  this text
`;

const defaults = {
  rounds: 3, warmup: 10, duration: 10, connections: 50, rate: 1000, 'low-rate': 200, 'stream-rate': 200,
  chunks: 20, 'chunk-delay-ms': 10, 'start-timeout': 30, 'quiet-wait': 30, 'quiet-threshold': 0.15,
};
const quickDefaults = { rounds: 1, warmup: 2, duration: 3, 'quiet-wait': 5 };
const zeroAllowed = new Set(['chunk-delay-ms', 'quiet-wait', 'quiet-threshold', 'low-rate']);
const allTargets = ['direct', 'bare', 'parse', 'gateway'];

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      'node-generator': { type: 'boolean' },
      targets: { type: 'string' },
      simulator: { type: 'string', default: 'auto' },
      'client-key': { type: 'string', default: 'bench' },
      'gateway-main': { type: 'string' },
      'gateway-limits': { type: 'string', default: 'off' },
      'redis-url': { type: 'string' },
      'redis-priority': { type: 'string', default: 'realtime' },
      'simulator-cli': { type: 'string' },
      out: { type: 'string' },
      ...Object.fromEntries(Object.keys(defaults).map((name) => [name, { type: 'string' }])),
    },
  });
  const numbers = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const given = values[name] ?? (values.quick ? quickDefaults[name] : undefined) ?? fallback;
    const number = Number(given);
    if (!Number.isFinite(number) || number < 0 || (number === 0 && !zeroAllowed.has(name))) {
      throw new Error(`--${name} must be a positive number, got ${JSON.stringify(given)}`);
    }
    numbers[name] = number;
  }
  const targets = values.targets ? values.targets.split(',').map((name) => name.trim()).filter(Boolean) : allTargets;
  const unknown = targets.filter((name) => !allTargets.includes(name));
  if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${allTargets.join(', ')}`);
  if (!['auto', 'project', 'stand-in'].includes(values.simulator)) throw new Error('--simulator must be auto, project or stand-in');
  const gatewayLimits = [...new Set(values['gateway-limits'].split(',').map((mode) => mode.trim()).filter(Boolean))];
  const badModes = gatewayLimits.filter((mode) => !limitModes.includes(mode));
  if (gatewayLimits.length === 0 || badModes.length > 0) {
    throw new Error(`--gateway-limits takes a comma list of ${limitModes.join(', ')}; got ${JSON.stringify(values['gateway-limits'])}`);
  }
  if (!['realtime', 'normal'].includes(values['redis-priority'])) throw new Error('--redis-priority must be realtime or normal');
  return {
    help: values.help === true,
    quick: values.quick === true,
    rounds: Math.round(numbers.rounds),
    warmupS: numbers.warmup,
    durationS: numbers.duration,
    connections: Math.round(numbers.connections),
    rate: numbers.rate,
    lowRate: numbers['low-rate'],
    streamRate: numbers['stream-rate'],
    chunks: Math.round(numbers.chunks),
    chunkDelayMs: numbers['chunk-delay-ms'],
    startTimeoutS: numbers['start-timeout'],
    quietWaitS: numbers['quiet-wait'],
    quietThreshold: numbers['quiet-threshold'],
    targets,
    simulator: values.simulator,
    forceNodeGenerator: values['node-generator'] === true,
    clientKey: values['client-key'],
    gatewayMain: values['gateway-main'] ?? null,
    gatewayLimits,
    redisUrl: values['redis-url'] ?? null,
    redisPriority: values['redis-priority'],
    simulatorCli: values['simulator-cli'] ?? null,
    out: values.out ?? null,
  };
}
