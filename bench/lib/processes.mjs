// Child processes pinned to a core with taskset, readiness waits, /proc readers, and the
// bookkeeping that stops every process started here by its PID (also on Ctrl-C and errors).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const running = new Set();
const cleanups = new Set();

// Registers work (removing a temporary directory) that must run even when the run is cut short.
// Returns a function that runs it now, once.
export function onCleanup(task) {
  const once = () => {
    if (!cleanups.delete(once)) return;
    try {
      task();
    } catch {
      // best effort: a leftover temporary directory is not worth failing for
    }
  };
  cleanups.add(once);
  return once;
}
const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export function pinSelf(core) {
  execFileSync('taskset', ['-pc', String(core), String(process.pid)], { stdio: 'ignore' });
}

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Starts `command args` under `taskset -c core` (taskset execs, so the PID is the command's own).
// The last lines of its output are kept for error messages.
export function startPinned({ name, core, command, args, env, cwd }) {
  const child = spawn('taskset', ['-c', String(core), command, ...args], {
    cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const listeners = new Set();
  const keep = (line) => {
    if (!line.trim()) return;
    lines.push(line);
    if (lines.length > 40) lines.shift();
    for (const listener of listeners) listener(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (text) => {
      const parts = (partial + text).split('\n');
      partial = parts.pop();
      parts.forEach(keep);
    });
    stream.on('end', () => keep(partial));
  }
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const handle = { name, pid: child.pid, child, exited, exitInfo: null, lines, listeners };
  exited.then((info) => {
    handle.exitInfo = info;
    running.delete(handle);
  });
  child.once('error', (error) => lines.push(`spawn error: ${error.message}`));
  running.add(handle);
  return handle;
}

export function outputTail(handle, count = 12) {
  return handle.lines.slice(-count).map((line) => `    | ${line}`).join('\n');
}

function describeExit(handle) {
  const { code, signal } = handle.exitInfo ?? {};
  return signal ? `killed by ${signal}` : `exited with code ${code}`;
}

export async function waitForLine(handle, pattern, timeoutMs) {
  const existing = handle.lines.map((line) => line.match(pattern)).find(Boolean);
  if (existing) return existing;
  let listener;
  const matched = new Promise((resolve) => {
    listener = (line) => {
      const match = line.match(pattern);
      if (match) resolve(match);
    };
    handle.listeners.add(listener);
  });
  try {
    const result = await Promise.race([
      matched,
      handle.exited.then(() => ({ failed: `${handle.name} ${describeExit(handle)} before printing ${pattern}` })),
      sleep(timeoutMs, { failed: `${handle.name} printed nothing matching ${pattern} within ${timeoutMs} ms` }),
    ]);
    if (result.failed) throw new Error(`${result.failed}\n${outputTail(handle)}`);
    return result;
  } finally {
    handle.listeners.delete(listener);
  }
}

// Polls GET url until it answers 200, the process exits, or the time is up.
export async function waitForHealth(handle, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (handle.exitInfo) throw new Error(`${handle.name} ${describeExit(handle)} before ${url} answered 200\n${outputTail(handle)}`);
    try {
      const { statusCode, body } = await request(url, { headersTimeout: 2000, bodyTimeout: 2000 });
      await body.dump();
      if (statusCode === 200) return;
      lastProblem = `status ${statusCode}`;
    } catch (error) {
      lastProblem = error.code ?? error.message;
    }
    await sleep(100);
  }
  throw new Error(`${handle.name} did not answer 200 on ${url} within ${timeoutMs} ms (${lastProblem})\n${outputTail(handle)}`);
}

export async function stopProcess(handle, graceMs = 3000) {
  if (handle.exitInfo) return;
  try {
    process.kill(handle.pid, 'SIGTERM');
  } catch {
    return;
  }
  const stopped = await Promise.race([handle.exited.then(() => true), sleep(graceMs, false)]);
  if (!stopped) {
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await Promise.race([handle.exited, sleep(1000)]);
  }
}

export async function stopAll() {
  await Promise.all([...running].map((handle) => stopProcess(handle)));
  for (const task of [...cleanups]) task();
}

// Synchronous last resort (process 'exit' handlers cannot wait).
export function killAllNow() {
  for (const handle of running) {
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

// utime + stime of the whole process (all threads), in seconds. Fields 14 and 15 of
// /proc/PID/stat, counted after the ")" that closes the command name (which may hold spaces).
export function readCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

// VmRSS (now) and VmHWM (peak) in MiB.
export function readMemoryMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

// Busy and total jiffies per CPU from /proc/stat, to tell how loaded each core was in a phase.
export function readCoreTimes() {
  const cores = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = line.match(/^cpu(\d+)\s+(.*)$/);
    if (!match) continue;
    const values = match[2].split(/\s+/).map(Number);
    const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = values[3] + values[4];
    cores[match[1]] = { busy: total - idle, total };
  }
  return cores;
}

export function coreBusyShare(before, after, core) {
  const start = before[core];
  const end = after[core];
  if (!start || !end || end.total === start.total) return null;
  return (end.busy - start.busy) / (end.total - start.total);
}

// CPU seconds of this process and of its reaped children (the generators that ran and exited).
export function readSelfCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / clockTicksPerSecond;
}

// Busy CPU seconds of the whole machine (all cores) since boot.
export function readMachineBusySeconds() {
  return Object.values(readCoreTimes()).reduce((sum, core) => sum + core.busy, 0) / clockTicksPerSecond;
}

// Accounts for CPU time over an interval: whatever the machine spent beyond our own processes
// (this one, its reaped children, `pids`) was other people's work disturbing the measurement.
export function startForeignLoadMeter(pids) {
  const cpuOf = (pid) => {
    try {
      return readCpuSeconds(pid);
    } catch {
      return 0; // the process is gone
    }
  };
  const ours = () => readSelfCpuSeconds() + pids.filter(Boolean).reduce((sum, pid) => sum + cpuOf(pid), 0);
  const machineBefore = readMachineBusySeconds();
  const oursBefore = ours();
  const wallBefore = performance.now();
  return () => {
    const wallS = (performance.now() - wallBefore) / 1000;
    const foreign = readMachineBusySeconds() - machineBefore - (ours() - oursBefore);
    return Math.max(0, foreign) / wallS;
  };
}
