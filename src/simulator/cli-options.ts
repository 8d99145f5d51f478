// Command-line flags of the simulator CLI, kept apart from cli.ts so they can be tested without starting it.
import { parseArgs } from 'node:util';
import type { SimulatorOptions } from './simulator.js';

export const USAGE =
  'usage: simulator [--port N] [--host H] [--latency-ms N] [--first-token-ms N] [--chunk-delay-ms N] [--chunks N] [--tail-ratio R --tail-ms N] [--seed N] [--reply TEXT] [--keys k1,k2]';

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
