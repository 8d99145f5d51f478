// The most recent requests, kept in a ring so a long benchmark run does not grow memory without bound.
import type { IncomingHttpHeaders } from 'node:http';
import type { SimulatorFamily } from './simulator-fault.js';

export type RecordedRequest = {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when there was none, the raw text when it was not JSON. */
  body: unknown;
  /** Route name as in stats().byRoute, `unknown` when nothing matched. */
  route: string;
  family: SimulatorFamily | undefined;
};

export class RequestLog {
  private entries: RecordedRequest[] = [];
  private next = 0;

  constructor(private readonly limit: number) {}

  add(entry: RecordedRequest): void {
    if (this.limit <= 0) return;
    if (this.entries.length < this.limit) this.entries.push(entry);
    else this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.limit;
  }

  /** Oldest first. */
  all(): RecordedRequest[] {
    if (this.entries.length < this.limit) return [...this.entries];
    return [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)];
  }

  last(): RecordedRequest | undefined {
    if (this.entries.length === 0) return undefined;
    return this.entries[(this.next - 1 + this.limit) % this.limit];
  }

  clear(): void {
    this.entries = [];
    this.next = 0;
  }
}
