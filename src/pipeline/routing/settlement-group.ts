// One settlement of a request's limits for all of its attempts (see model-call.ts).
import type { Usage } from '../../core/chat.js';
import type { Admission } from '../../limits/call-limits.js';
import type { CallSettlement } from '../call-meter.js';

/**
 * The limits step settles once per request, with what every attempt used together: each attempt's meter
 * reports to a part, and the admission settles when the last attempt has ended and no other will start.
 */
export class SettlementGroup {
  private open = 0;
  private closed = false;
  private settled = false;
  private usage: Usage | undefined;
  private cost = 0;

  constructor(private readonly admission: Admission | undefined) {}

  part(): CallSettlement {
    this.open += 1;
    let done = false;
    return {
      overage: this.admission?.overage === true,
      settle: (usage, cost) => {
        if (done) return;
        done = true;
        this.add(usage, cost);
        this.open -= 1;
        this.settleIfDone();
      },
    };
  }

  close(): void {
    this.closed = true;
    this.settleIfDone();
  }

  private add(usage: Usage | undefined, cost: number): void {
    this.cost += cost;
    if (usage === undefined) return;
    if (this.usage === undefined) {
      this.usage = usage;
      return;
    }
    const sum = this.usage;
    this.usage = {
      input: {
        total: sum.input.total + usage.input.total,
        cacheRead: sum.input.cacheRead + usage.input.cacheRead,
        cacheWrite: sum.input.cacheWrite + usage.input.cacheWrite,
      },
      output: { total: sum.output.total + usage.output.total, reasoning: sum.output.reasoning + usage.output.reasoning },
    };
  }

  private settleIfDone(): void {
    if (!this.closed || this.open > 0 || this.settled) return;
    this.settled = true;
    this.admission?.settle(this.usage, this.cost);
  }
}

