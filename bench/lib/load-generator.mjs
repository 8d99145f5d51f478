#!/usr/bin/env node
// The Node load generator, run as its own process (pinned to core 0 by run.mjs) with one JSON
// argument; it prints one JSON result line on stdout.
//
// mode "open": a fixed arrival rate. Request i is scheduled at start + i/rate whatever happens to
// earlier ones, and every latency is measured from that scheduled time, not from when the request
// was actually sent: a stalled server (or generator) is charged for the whole wait, which corrects
// for coordinated omission. sendLag reports how late the generator itself was.
// mode "closed": `connections` loops each sending the next request when the previous completes;
// the fallback when wrk is not installed (a Node generator saturates its own core first).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { summarize } from './stats.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const pool = new Pool(config.origin, {
  connections: config.maxConnections ?? 1024,
  pipelining: 1,
  keepAliveTimeout: 60_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
});
const requestOptions = { path: config.path, method: 'POST', headers: config.headers, body: config.body };

const outcome = { ok: 0, errors: 0, incomplete: 0, statuses: {}, firstError: null };

function noteError(message) {
  outcome.errors += 1;
  outcome.firstError ??= message;
}

// Resolves to {ttfb, end} in performance.now() milliseconds, or null after an error.
async function sendOne() {
  let ttfb = null;
  try {
    const { statusCode, body } = await pool.request(requestOptions);
    let tail = '';
    for await (const chunk of body) {
      ttfb ??= performance.now();
      if (config.terminator) tail = (tail + chunk.toString('latin1')).slice(-256);
    }
    const end = performance.now();
    outcome.statuses[statusCode] = (outcome.statuses[statusCode] ?? 0) + 1;
    if (statusCode !== 200) {
      noteError(`status ${statusCode}`);
      return null;
    }
    if (config.terminator && !tail.includes(config.terminator)) {
      outcome.incomplete += 1;
      noteError(`stream did not end with ${JSON.stringify(config.terminator)}`);
      return null;
    }
    outcome.ok += 1;
    return { ttfb: ttfb ?? end, end };
  } catch (error) {
    noteError(String(error?.code ?? error?.message ?? error));
    return null;
  }
}

// The first `warmupS` of the schedule open connections and warm this process's JIT: those
// requests are sent (and counted upstream) but not recorded.
async function openLoop() {
  const unrecorded = Math.round(config.rate * (config.warmupS ?? 1));
  const total = unrecorded + Math.max(1, Math.round(config.rate * config.durationS));
  const intervalMs = 1000 / config.rate;
  const latency = [];
  const ttfb = [];
  const sendLag = [];
  const pending = new Set();
  const start = performance.now() + 20;
  let sent = 0;

  const fire = (scheduled, recorded) => {
    if (recorded) sendLag.push(performance.now() - scheduled);
    const promise = sendOne().then((result) => {
      pending.delete(promise);
      if (!result || !recorded) return;
      latency.push(result.end - scheduled);
      ttfb.push(result.ttfb - scheduled);
    });
    pending.add(promise);
  };

  await new Promise((resolve) => {
    const pump = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        fire(start + sent * intervalMs, sent >= unrecorded);
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(pump, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    setTimeout(pump, Math.max(0, start - performance.now()));
  });
  const sendingS = (performance.now() - start) / 1000 - (config.warmupS ?? 1);
  const drained = await Promise.race([
    Promise.all(pending).then(() => true),
    new Promise((resolve) => setTimeout(resolve, (config.drainTimeoutS ?? 30) * 1000, false).unref()),
  ]);
  return {
    mode: 'open', sent, recorded: latency.length, sendingS, offeredRate: config.rate, unfinished: drained ? 0 : pending.size,
    latencyMs: summarize(latency), ttfbMs: summarize(ttfb), sendLagMs: summarize(sendLag),
  };
}

async function closedLoop() {
  const deadline = performance.now() + config.durationS * 1000;
  const latency = [];
  let completed = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      const result = await sendOne();
      if (result && result.end <= deadline) {
        completed += 1;
        latency.push(result.end - begin);
      }
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: config.connections }, worker));
  const elapsedS = (performance.now() - begin) / 1000;
  return { mode: 'closed', generator: 'node', requests: completed, durationS: elapsedS, rps: completed / elapsedS, latencyMs: summarize(latency) };
}

const result = config.mode === 'open' ? await openLoop() : await closedLoop();
process.stdout.write(`${JSON.stringify({ ...result, ...outcome })}\n`);
await pool.destroy().catch(() => {});
process.exit(0);
