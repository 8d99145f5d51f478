// Structural comparison of simulator output with recorded provider output: every key path the simulator emits,
// with its JSON type, must appear in the recordings (the simulator may leave optional keys out, never invent or
// retype one). Recordings are the adapter authors' real transcripts under src/providers/<family>/__fixtures__/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSse } from './helpers.js';

export type Shape = Map<string, Set<string>>;

const FIXTURES = fileURLToPath(new URL('../../src/providers/', import.meta.url));

/** Objects whose keys are the caller's data (tool arguments), compared as "an object" only. */
const OPAQUE_KEYS = new Set(['input', 'args']);

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function addShape(shape: Shape, value: unknown, path = '$'): Shape {
  const type = jsonType(value);
  let types = shape.get(path);
  if (types === undefined) shape.set(path, (types = new Set()));
  types.add(type);
  if (type === 'array') {
    for (const element of value as unknown[]) addShape(shape, element, `${path}[]`);
  } else if (type === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = `${path}.${key}`;
      if (OPAQUE_KEYS.has(key)) addOpaque(shape, childPath, child);
      else addShape(shape, child, childPath);
    }
  }
  return shape;
}

function addOpaque(shape: Shape, path: string, value: unknown): void {
  let types = shape.get(path);
  if (types === undefined) shape.set(path, (types = new Set()));
  types.add(jsonType(value));
}

export function shapeOf(values: unknown[]): Shape {
  const shape: Shape = new Map();
  for (const value of values) addShape(shape, value);
  return shape;
}

/** Paths or types the simulator emits that no recording has. */
export function unrecorded(recorded: Shape, simulated: Shape): string[] {
  const problems: string[] = [];
  for (const [path, types] of simulated) {
    const known = recorded.get(path);
    if (known === undefined) {
      problems.push(`${path} is not in the recordings`);
      continue;
    }
    for (const type of types) {
      if (!known.has(type)) problems.push(`${path} is ${type}, recorded as ${[...known].join('|')}`);
    }
  }
  return problems;
}

export function fixturePath(family: string, name: string): string {
  return `${FIXTURES}${family}/__fixtures__/${name}`;
}

export function readFixtureJson(family: string, name: string): unknown {
  return JSON.parse(readFileSync(fixturePath(family, name), 'utf8'));
}

export type RecordedEvent = { event: string | undefined; data: Record<string, unknown> };

/**
 * A recorded stream: raw SSE (starts with `event:` or `data:`) or one JSON payload per line (Vercel's format,
 * which keeps only the data; for Anthropic the event name equals `data.type`).
 */
export function readFixtureStream(family: string, name: string): RecordedEvent[] {
  const text = readFileSync(fixturePath(family, name), 'utf8');
  if (text.startsWith('event:') || text.startsWith('data:')) {
    return parseSse(text)
      .filter((event) => event.data !== '[DONE]')
      .map((event) => ({ event: event.event, data: JSON.parse(event.data) as Record<string, unknown> }));
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => ({ event: undefined, data: JSON.parse(line) as Record<string, unknown> }));
}

/** Collapses repeats: [a, a, b, b, a] → [a, b, a]. */
export function collapse(sequence: string[]): string[] {
  return sequence.filter((entry, index) => index === 0 || sequence[index - 1] !== entry);
}
