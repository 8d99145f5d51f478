// The gateway as a real child process (`node --import tsx src/main.ts`), as an operator runs it: the
// environment is the configuration, the banner says where it listens and (on the first start) the admin key.
// For tests that need more than one process, e.g. replicas sharing one database and one Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const listeningLine = /listening on (http:\/\/\S+)/;
const adminKeyLine = /Admin API key \(shown only once, store it now\): (sy_\w+)/;
// The banner ends with its "Try it:" lines: once they are out, the admin key line (if any) is too.
const bannerEnd = /Try it:/;

export type GatewayProcess = {
  url: string;
  /** Base URL for the openai SDK. */
  v1: string;
  /** The admin key printed at the first start of an empty store; undefined on later starts. */
  adminKey: string | undefined;
  pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (the gateway drains and flushes the request log), then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL when still running: for `finally` blocks. */
  kill(): void;
};

/** The environment minus any provider credential or Switchyard setting the developer may have exported. */
export function cleanGatewayEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/_API_KEY$|_BASE_URL$|^SWITCHYARD_|^DATABASE_URL$|^REDIS_URL$|^PORT$|^DASHSCOPE/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Starts it with `env` over a cleaned environment and resolves once it listens and GET /health answers 200. */
export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: cleanGatewayEnv({ SWITCHYARD_PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  try {
    await waitFor(() => bannerEnd.test(output), 'the start banner', () => output, () => exitCode, timeoutMs);
    const url = listeningLine.exec(output)![1]!;
    await waitForHealth(url, () => output, timeoutMs);
    return {
      url,
      v1: `${url}/v1`,
      adminKey: adminKeyLine.exec(output)?.[1],
      pid: child.pid!,
      output: () => output,
      stop: () => stop(child, exited, () => exitCode),
      kill: () => kill(child, () => exitCode),
    };
  } catch (error) {
    kill(child, () => exitCode);
    throw error;
  }
}

async function waitFor(
  predicate: () => boolean,
  what: string,
  output: () => string,
  exitCode: () => number | null | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (exitCode() !== undefined) throw new Error(`the gateway exited (${exitCode()}) before ${what}; its output:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForHealth(url: string, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/health`);
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url}/health did not answer 200 (${last}); output so far:\n${output()}`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>, exitCode: () => number | null | undefined) {
  if (exitCode() !== undefined) return exitCode()!;
  child.kill('SIGTERM');
  return exited;
}

function kill(child: ChildProcess, exitCode: () => number | null | undefined): void {
  if (exitCode() === undefined) child.kill('SIGKILL');
}
