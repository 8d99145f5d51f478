#!/usr/bin/env node
// Hedged requests against a provider with a long tail. The simulator (core 0) makes a share of requests wait
// much longer for their first token (--tail-ratio, --tail-ms, seeded); the gateway (core 1) serves a model
// group of two deployments on it, once without hedging and once per hedge setting; an open-loop Node
// generator (core 0) sends JSON and streaming requests at a fixed rate, latencies measured from each request's
// scheduled time. Reported: time to first byte and to the end (p50, p90, p99, max), and upstream calls per
// request (what hedging costs).
//
//   node bench/hedge.mjs [--rate 50] [--duration 20] [--tail-ratio 0.05] [--tail-ms 500] [--hedges off,fixed:50,p95]
//
// Needs `npm run build` first. Linux only (taskset).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { runNodeGenerator } from './lib/generators.mjs';
import { freePort, onCleanup, pinSelf, startPinned, stopAll, stopProcess, waitForHealth, waitForLine } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    'tail-ratio': { type: 'string', default: '0.05' },
    'tail-ms': { type: 'string', default: '500' },
    hedges: { type: 'string', default: 'off,fixed:50,p95' },
    seed: { type: 'string', default: '1' },
  },
});
const rate = Number(values.rate);
const durationS = Number(values.duration);
const root = new URL('..', import.meta.url).pathname;
pinSelf(0);
onCleanup(stopAll);

const simPort = await freePort();
const simulator = startPinned({
  name: 'simulator',
  core: 0,
  command: process.execPath,
  args: [join(root, 'dist/src/simulator/cli.js'), '--port', String(simPort), '--chunks', '20', '--chunk-delay-ms', '5',
    '--tail-ratio', values['tail-ratio'], '--tail-ms', values['tail-ms'], '--seed', values.seed],
});
await waitForLine(simulator, /listening/, 10_000);
const simOrigin = `http://127.0.0.1:${simPort}`;

function hedgeConfig(mode) {
  if (mode === 'off') return null;
  if (mode === 'p95') return { delayMs: 'p95', minDelayMs: 20 };
  return { delayMs: Number(mode.split(':')[1]) };
}

async function simulatorRequests() {
  const { body } = await request(`${simOrigin}/_sim/stats`);
  return ((await body.json()).requests);
}

const results = [];
for (const mode of values.hedges.split(',')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-hedge-'));
  const configFile = join(dataDir, 'hedge.yaml');
  writeFileSync(configFile, JSON.stringify({
    routing: {
      breaker: { enabled: false },
      groups: {
        'tail-chat': {
          deployments: [
            { id: 'a', provider: 'openai', model: 'gpt-4o-mini', baseURL: `${simOrigin}/v1` },
            { id: 'b', provider: 'openai', model: 'gpt-4o-mini', baseURL: `${simOrigin}/v1` },
          ],
          hedge: hedgeConfig(mode),
        },
      },
    },
  }));
  const port = await freePort();
  const gateway = startPinned({
    name: `gateway (hedge ${mode})`,
    core: 1,
    command: process.execPath,
    args: [join(root, 'dist/src/main.js')],
    env: {
      SWITCHYARD_PORT: String(port), SWITCHYARD_HOST: '127.0.0.1', SWITCHYARD_SIMULATOR: 'false', SWITCHYARD_CONFIG: configFile,
      OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: `${simOrigin}/v1`, LOG_LEVEL: 'warn', SWITCHYARD_DATA_DIR: dataDir,
      REDIS_URL: '', SWITCHYARD_DEFAULT_PLAN: '',
    },
  });
  const key = (await waitForLine(gateway, /Admin API key \(shown only once, store it now\): (sy_\w+)/, 30_000))[1];
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(gateway, `${origin}/health`, 30_000);
  for (const stream of [false, true]) {
    const spec = {
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'tail-chat', messages: [{ role: 'user', content: 'Explain hedged requests in two sentences.' }], max_tokens: 100, ...(stream ? { stream: true } : {}) }),
      terminator: stream ? 'data: [DONE]' : null,
    };
    const before = await simulatorRequests();
    const run = await runNodeGenerator({ core: 0, mode: 'open', origin, spec, durationS, rate, maxConnections: 512 });
    const upstream = (await simulatorRequests()) - before;
    results.push({ mode, stream, run, upstreamPerRequest: upstream / run.sent });
    process.stderr.write(`${mode} ${stream ? 'stream' : 'json'}: p50 ${run.latencyMs?.p50.toFixed(1)} p99 ${run.latencyMs?.p99.toFixed(1)} ms, errors ${run.errors}\n`);
  }
  await stopProcess(gateway);
}
await stopProcess(simulator);

const fmt = (value) => (value === null || value === undefined ? '–' : value.toFixed(1));
console.log(`Hedged requests: ${rate} req/s open loop for ${durationS} s each; simulator tail: ${Number(values['tail-ratio']) * 100}% of requests wait ${values['tail-ms']} ms more for their first token (seed ${values.seed}).`);
console.log('');
console.log('| hedge | request | TTFB p50 | p90 | p99 | max | end p50 | p99 | upstream calls / request | errors |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const { mode, stream, run, upstreamPerRequest } of results) {
  console.log(`| ${mode} | ${stream ? 'stream' : 'JSON'} | ${fmt(run.ttfbMs?.p50)} | ${fmt(run.ttfbMs?.p90)} | ${fmt(run.ttfbMs?.p99)} | ${fmt(run.ttfbMs?.max)} | ${fmt(run.latencyMs?.p50)} | ${fmt(run.latencyMs?.p99)} | ${upstreamPerRequest.toFixed(3)} | ${run.errors} |`);
}
await stopAll();
process.exit(0);
