// `[sim:…]` directives in the last user text let a test steer one answer: cached and reasoning token counts,
// how much usage is reported, parallel tool calls, or a fault for this request only.
import { faultFromDirective, type SimulatorFault } from './simulator-fault.js';

export type UsageReport = 'none' | 'prompt';

export type Directives = {
  cached?: number;
  cacheWrite?: number;
  reasoning?: number;
  /** `none`: no usage at all (a server ignoring `include_usage`); `prompt`: prompt counts only. */
  usage?: UsageReport;
  parallel: boolean;
  fault?: SimulatorFault;
};

const MARKER = '[sim:';
const DIRECTIVE = /\[sim:([a-z_]+)(?:=([^\]]*))?\]/g;
const DIRECTIVE_WITH_SPACE = /\s*\[sim:[^\]]*\]/g;

/** Undefined when the text has no directive (the common case, decided without a regex). */
export function parseDirectives(text: string): Directives | undefined {
  if (!text.includes(MARKER)) return undefined;
  const directives: Directives = { parallel: false };
  for (const match of text.matchAll(DIRECTIVE)) {
    const name = match[1];
    const value = match[2] ?? '';
    switch (name) {
      case 'cached':
        directives.cached = count(value);
        break;
      case 'cache_write':
        directives.cacheWrite = count(value);
        break;
      case 'reasoning':
        directives.reasoning = count(value);
        break;
      case 'usage':
        if (value === 'none' || value === 'prompt') directives.usage = value;
        break;
      case 'parallel':
        directives.parallel = true;
        break;
      case 'fault':
        directives.fault = faultFromDirective(value);
        break;
    }
  }
  return directives;
}

export function stripDirectives(text: string): string {
  return text.includes(MARKER) ? text.replace(DIRECTIVE_WITH_SPACE, '').trim() : text;
}

function count(value: string): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : 0;
}
