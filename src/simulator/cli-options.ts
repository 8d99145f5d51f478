// Command-line flags of the simulator CLI, kept apart from cli.ts so they can be tested without starting it.
import { parseArgs } from 'node:util';
import type { SimulatorOptions } from './simulator.js';

export const USAGE =
  'usage: simulator [--port N] [--host H] [--latency-ms N] [--first-token-ms N] [--chunk-delay-ms N] [--chunks N] [--tail-ratio R --tail-ms N] [--seed N] [--reply TEXT] [--keys k1,k2]';

export const HELP = `${USAGE}

A provider simulator speaking the OpenAI, Anthropic and Gemini wire formats (see docs/simulator.md).

  --port N            port to bind (default 0: any free port)
  --host H            address to bind (default 127.0.0.1)
  --latency-ms N      delay before the response headers (default 0)
  --first-token-ms N  delay before the first token of every answer: a JSON answer waits it before its
                      headers, a stream after its headers and before its first chunk (default 0)
  --chunk-delay-ms N  delay between stream chunks (default 0)
  --chunks N          text chunks a streamed answer is split into (default one per word)
  --tail-ratio R      a long tail: this share of requests (0..1), drawn per request, waits --tail-ms more
  --tail-ms N         before its first token; counted in GET /_sim/stats as tailDelayed (default 0: off)
  --seed N            seeds the tail's draws so a run is repeatable (default: random)
  --reply TEXT        fixed answer text (default derived from the prompt)
  --keys k1,k2        accept only these credentials (default any key)
  --help              print this text
`;

/** --help is looked for before parsing, so it works next to flags that would not parse. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer, got '${value}'`);
  return parsed;
}

export function parseCliOptions(argv: string[]): SimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'latency-ms': { type: 'string' },
      'first-token-ms': { type: 'string' },
      'chunk-delay-ms': { type: 'string' },
      chunks: { type: 'string' },
      reply: { type: 'string' },
      keys: { type: 'string' },
      'tail-ratio': { type: 'string' },
      'tail-ms': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const tailRatio = values['tail-ratio'] === undefined ? undefined : Number(values['tail-ratio']);
  if (tailRatio !== undefined && !(tailRatio >= 0 && tailRatio <= 1)) throw new Error(`--tail-ratio must be between 0 and 1, got '${values['tail-ratio']}'`);
  return {
    host: values.host,
    port: count('port', values.port),
    latencyMs: count('latency-ms', values['latency-ms']),
    firstTokenMs: count('first-token-ms', values['first-token-ms']),
    chunkDelayMs: count('chunk-delay-ms', values['chunk-delay-ms']),
    chunks: count('chunks', values.chunks),
    reply: values.reply,
    keys: values.keys?.split(',').filter((key) => key !== ''),
    ...(tailRatio === undefined ? {} : { tailRatio }),
    ...(values['tail-ms'] === undefined ? {} : { tailMs: count('tail-ms', values['tail-ms']) }),
    ...(values.seed === undefined ? {} : { seed: count('seed', values.seed) }),
  };
}
