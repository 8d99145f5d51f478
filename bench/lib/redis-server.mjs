// The Redis that `--gateway-limits redis` keeps its counters on. Unless --redis-url names one, the harness
// starts its own redis-server (a free port, nothing kept on disk) pinned to the load core and, by default,
// at real-time priority (SCHED_FIFO through chrt). It stands in for Redis on a host of its own: none of its
// work lands on the target's core, and it never waits for a CPU behind the generator and the simulator,
// which on a two-core machine would add that wait to every limits check. Its CPU time is read like the
// target's, reported per request beside the gateway's, and not counted as foreign load.
import { execFileSync } from 'node:child_process';
import { freePort, startPinned, stopProcess, waitForLine } from './processes.mjs';

const ready = /Ready to accept connections/;
const realtimePriority = 10;

function redisVersion() {
  try {
    return execFileSync('redis-server', ['--version']).toString().match(/v=(\S+)/)?.[1] ?? 'unknown version';
  } catch {
    return null;
  }
}

function launch(core, port, realtime) {
  const serverArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice'];
  return startPinned({
    name: 'redis-server',
    core,
    command: realtime ? 'chrt' : 'redis-server',
    args: realtime ? ['-f', String(realtimePriority), 'redis-server', ...serverArgs] : serverArgs,
  });
}

/**
 * Starts the harness's own redis-server. Returns {handle, url, description, note}; `note` is set when the
 * real-time priority was asked for but refused (the server then runs at normal priority and the report says so).
 */
export async function startOwnRedis({ core, priority }) {
  const version = redisVersion();
  if (version === null) {
    throw new Error('redis-server is not installed (apt-get install -y redis-server), or pass --redis-url to use a running Redis');
  }
  let note = null;
  let realtime = priority === 'realtime';
  for (;;) {
    const port = await freePort();
    const handle = launch(core, port, realtime);
    try {
      await waitForLine(handle, ready, 10_000);
    } catch (error) {
      await stopProcess(handle);
      if (!realtime) throw error;
      note = `redis-server could not get real-time priority (${error.message.split('\n')[0]}): it runs at normal priority, `
        + 'so its wait for a CPU on the shared load core is part of the limits figures';
      realtime = false;
      continue;
    }
    const where = `core ${core}, ${realtime ? `SCHED_FIFO priority ${realtimePriority}` : 'normal priority'}`;
    return {
      handle,
      url: `redis://127.0.0.1:${port}`,
      description: `the harness's own redis-server ${version} on ${where}, standing in for Redis on its own host; `
        + 'its CPU per request is reported beside the gateway\'s',
      note,
    };
  }
}
