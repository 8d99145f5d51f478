// What the routing strategies and hedging know of each deployment, in this process: calls in flight (least
// busy), a moving average of time to first token (lowest latency), and the last first-token times for a p95
// (the hedging delay). Local on purpose: these steer one replica's own choices and cost nothing to read.

const SAMPLES = 200;
/** Weight of the newest first-token time in the moving average. */
const ALPHA = 0.2;

/** The p95 is sorted afresh after this many new first-token times, not on every hedged request. */
const P95_EVERY = 20;

type Entry = { inFlight: number; ewma: number | undefined; samples: number[]; next: number; p95: number | undefined; sinceP95: number };

export class DeploymentStats {
  private readonly entries = new Map<string, Entry>();

  private entry(id: string): Entry {
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = { inFlight: 0, ewma: undefined, samples: [], next: 0, p95: undefined, sinceP95: 0 };
      this.entries.set(id, entry);
    }
    return entry;
  }

  started(id: string): void {
    this.entry(id).inFlight += 1;
  }

  ended(id: string): void {
    const entry = this.entry(id);
    entry.inFlight = Math.max(0, entry.inFlight - 1);
  }

  firstToken(id: string, ms: number): void {
    const entry = this.entry(id);
    entry.ewma = entry.ewma === undefined ? ms : entry.ewma + ALPHA * (ms - entry.ewma);
    if (entry.samples.length < SAMPLES) entry.samples.push(ms);
    else entry.samples[entry.next] = ms;
    entry.next = (entry.next + 1) % SAMPLES;
    entry.sinceP95 += 1;
  }

  inFlight(id: string): number {
    return this.entries.get(id)?.inFlight ?? 0;
  }

  /** Undefined until the deployment has answered once. */
  latency(id: string): number | undefined {
    return this.entries.get(id)?.ewma;
  }

  /** The 95th percentile of the recent first-token times; undefined with fewer than `least` of them. */
  p95(id: string, least = 20): number | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.samples.length < least) return undefined;
    if (entry.p95 === undefined || entry.sinceP95 >= P95_EVERY) {
      entry.p95 = percentile95(entry.samples)!;
      entry.sinceP95 = 0;
    }
    return entry.p95;
  }

  snapshot(): Array<{ deployment: string; inFlight: number; latencyMs: number | null; p95Ms: number | null }> {
    return [...this.entries].map(([deployment, entry]) => ({
      deployment,
      inFlight: entry.inFlight,
      latencyMs: entry.ewma === undefined ? null : Math.round(entry.ewma),
      p95Ms: percentile95(entry.samples),
    }));
  }
}

function percentile95(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}
