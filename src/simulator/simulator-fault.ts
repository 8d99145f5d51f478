// Faults the simulator can inject, and the queue that hands them to matching requests.
export type SimulatorFamily = 'openai' | 'anthropic' | 'gemini';

type FaultMatch = {
  /** How many matching requests the fault applies to (default 1). */
  count?: number;
  family?: SimulatorFamily;
  model?: string;
};

/** `afterChunks` counts pieces of the answer (text, thinking or tool-argument deltas), not raw SSE events. */
export type SimulatorFault = FaultMatch &
  (
    | { kind: 'status'; status: number; retryAfter?: number; message?: string }
    | { kind: 'latency'; delayMs: number }
    | { kind: 'slow-first-token'; delayMs: number }
    | { kind: 'cut-stream'; afterChunks: number }
    | { kind: 'malformed-chunk'; afterChunks: number }
    | { kind: 'stream-error'; afterChunks: number }
    | { kind: 'reset' }
  );

export type FaultKind = SimulatorFault['kind'];
export type StreamFault = Extract<SimulatorFault, { afterChunks: number }>;

/**
 * Faults occupy three slots so they combine: a delay before headers (`latency`), a delay before the first
 * stream chunk (`slow-first-token`), and the outcome (everything else). Each request takes at most one per slot.
 */
export type FaultSlot = 'latency' | 'first-token' | 'outcome';

export function faultSlot(kind: FaultKind): FaultSlot {
  if (kind === 'latency') return 'latency';
  if (kind === 'slow-first-token') return 'first-token';
  return 'outcome';
}

/** Faults that only make sense on a streamed answer; they never consume a non-streamed request. */
export function isStreamOnly(kind: FaultKind): boolean {
  return kind === 'cut-stream' || kind === 'malformed-chunk' || kind === 'stream-error' || kind === 'slow-first-token';
}

export type FaultTarget = { family: SimulatorFamily; model: string | undefined; stream: boolean };

type PendingFault = { fault: SimulatorFault; remaining: number };

export class FaultQueue {
  private pending: PendingFault[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(fault: SimulatorFault): void {
    this.pending.push({ fault, remaining: fault.count ?? 1 });
  }

  clear(): void {
    this.pending = [];
  }

  list(): SimulatorFault[] {
    return this.pending.map(({ fault, remaining }) => ({ ...fault, count: remaining }));
  }

  /** Takes the first fault of `slot` that matches `target`, counting it down. */
  take(slot: FaultSlot, target: FaultTarget): SimulatorFault | undefined {
    for (let index = 0; index < this.pending.length; index += 1) {
      const entry = this.pending[index]!;
      const { fault } = entry;
      if (faultSlot(fault.kind) !== slot || !matches(fault, target)) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.pending.splice(index, 1);
      return fault;
    }
    return undefined;
  }
}

function matches(fault: SimulatorFault, target: FaultTarget): boolean {
  if (fault.family !== undefined && fault.family !== target.family) return false;
  if (fault.model !== undefined && fault.model !== target.model) return false;
  return target.stream || !isStreamOnly(fault.kind);
}

const FAMILIES = new Set<string>(['openai', 'anthropic', 'gemini']);

/** Validates a fault from untrusted JSON (the admin endpoint); returns an error message when invalid. */
export function parseFault(value: unknown): SimulatorFault | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a fault must be an object';
  const input = value as Record<string, unknown>;
  const match = parseMatch(input);
  if (typeof match === 'string') return match;
  switch (input.kind) {
    case 'status': {
      if (!isWholeNumber(input.status) || input.status < 100 || input.status > 599) return 'status must be 100-599';
      if (input.retryAfter !== undefined && !isWholeNumber(input.retryAfter)) return 'retryAfter must be a number';
      if (input.message !== undefined && typeof input.message !== 'string') return 'message must be a string';
      return { ...match, kind: 'status', status: input.status, retryAfter: input.retryAfter as number | undefined, message: input.message as string | undefined };
    }
    case 'latency':
    case 'slow-first-token':
      if (!isWholeNumber(input.delayMs)) return 'delayMs must be a non-negative integer';
      return { ...match, kind: input.kind, delayMs: input.delayMs };
    case 'cut-stream':
    case 'malformed-chunk':
    case 'stream-error':
      if (input.afterChunks !== undefined && !isWholeNumber(input.afterChunks)) return 'afterChunks must be a non-negative integer';
      return { ...match, kind: input.kind, afterChunks: (input.afterChunks as number | undefined) ?? 1 };
    case 'reset':
      return { ...match, kind: 'reset' };
    default:
      return `unknown fault kind: ${String(input.kind)}`;
  }
}

function parseMatch(input: Record<string, unknown>): FaultMatch | string {
  const match: FaultMatch = {};
  if (input.count !== undefined) {
    if (!isWholeNumber(input.count) || input.count < 1) return 'count must be a positive integer';
    match.count = input.count;
  }
  if (input.family !== undefined) {
    if (typeof input.family !== 'string' || !FAMILIES.has(input.family)) return 'family must be openai, anthropic or gemini';
    match.family = input.family as SimulatorFamily;
  }
  if (input.model !== undefined) {
    if (typeof input.model !== 'string') return 'model must be a string';
    match.model = input.model;
  }
  return match;
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * The `[sim:fault=<kind>[:<n>]]` directive: `status:503`, `latency:200`, `slow-first-token:200`,
 * `cut-stream:2`, `malformed-chunk:2`, `stream-error:2`, `reset`.
 */
export function faultFromDirective(value: string): SimulatorFault | undefined {
  const separator = value.indexOf(':');
  const kind = separator === -1 ? value : value.slice(0, separator);
  const argument = separator === -1 ? undefined : Number(value.slice(separator + 1));
  const number = argument !== undefined && Number.isInteger(argument) && argument >= 0 ? argument : undefined;
  switch (kind) {
    case 'status':
      return { kind: 'status', status: number !== undefined && number >= 100 && number <= 599 ? number : 500 };
    case 'latency':
    case 'slow-first-token':
      return { kind, delayMs: number ?? 100 };
    case 'cut-stream':
    case 'malformed-chunk':
    case 'stream-error':
      return { kind, afterChunks: number ?? 1 };
    case 'reset':
      return { kind: 'reset' };
    default:
      return undefined;
  }
}
