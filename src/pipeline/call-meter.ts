// One model call's accounting: usage → cost, the request-log row and the log line. Every call that reached
// a provider, succeeded or not, leaves exactly one row.
import { performance } from 'node:perf_hooks';
import type { Principal } from '../access/principal.js';
import type { ModelEntry } from '../core/catalogue.js';
import { emptyUsage, type Usage } from '../core/chat.js';
import type { GatewayError } from '../core/errors.js';
import { costMicroUsd } from '../core/pricing.js';
import type { Logger } from '../observability/logger.js';
import type { RequestLog, RequestLogEntry } from '../store/types.js';

export type MeterPorts = { requestLog: RequestLog; logger: Logger; logRequests: boolean };

export type CallStart = {
  requestId: string;
  endpoint: RequestLogEntry['endpoint'];
  requested: string;
  entry: ModelEntry;
  stream: boolean;
  startedAt: number;
  /** Who made the call (absent only in tests of the meter itself). */
  principal: Principal | undefined;
  /** What served the call: `server`, `byok` or the id of the organization's stored credential. */
  credential?: string;
  /** The client request this attempt belongs to (default: `requestId`), its number (from 1) and its deployment. */
  groupRequestId?: string;
  attempt?: number;
  deployment?: string;
};

/** What the limits step needs to hear when the call ends: its real usage and cost, to settle reservations. */
export type CallSettlement = {
  /** True when the call was admitted past a monthly quota its plan allows to exceed (billable overage). */
  readonly overage: boolean;
  settle(usage: Usage | undefined, costMicroUsd: number): void;
};

export class CallMeter {
  private firstTokenAt: number | undefined;
  private done = false;
  private settlement: CallSettlement | undefined;
  /** The usage so far of a stream its client stopped reading (see CallContext.onAbandonedUsage). */
  private abandonedUsage: Usage | undefined;
  /** HIT, MISS or SKIP as the response cache saw the call. */
  cacheStatus: RequestLogEntry['cacheStatus'] = 'SKIP';

  constructor(
    private readonly ports: MeterPorts,
    readonly call: CallStart,
  ) {}

  /** Marks the first token (streams) or the upstream's answer (JSON); only the first mark counts. */
  markFirstToken(): void {
    this.firstTokenAt ??= performance.now();
  }

  private claim: (() => boolean) | undefined;

  /** How this call claims the response at its commit point (see ModelCall.commit); absent: it always may. */
  commitWith(claim: () => boolean): void {
    this.claim = claim;
  }

  /**
   * Called at the commit point, before the first byte goes to the client: false when another attempt of the
   * same request (a hedge) answered first; the caller then meters the call as cancelled and writes nothing.
   */
  commit(): boolean {
    return this.claim?.() ?? true;
  }

  /** Hands the meter the limits step's reservations, settled when the call ends (exactly once). */
  settleWith(settlement: CallSettlement | undefined): void {
    this.settlement = settlement;
  }

  /** Kept for a call that then ends without usage of its own (its client went away mid-stream). */
  noteAbandonedUsage(usage: Usage): void {
    this.abandonedUsage ??= usage;
  }

  /** Time to first token so far, in ms from the call's start; undefined before it. */
  get firstTokenMs(): number | undefined {
    return this.firstTokenAt === undefined ? undefined : this.firstTokenAt - this.call.startedAt;
  }

  get finished(): boolean {
    return this.done;
  }

  cost(usage: Usage): number {
    return costMicroUsd(usage, this.call.entry.pricing);
  }

  /** Records the call's row (journaled before this returns) and settles its limits; returns its cost. */
  succeeded(usage: Usage | undefined, status = 200): number {
    return this.finish(status, null, usage, false);
  }

  /**
   * `succeeded()` for the answer's last step: the row is journaled together with the other rows of this turn
   * of the event loop (one system call for all of them). Resolves to the cost once it is: end the response
   * after that, never before.
   */
  async succeededBatched(usage: Usage | undefined, status = 200): Promise<number> {
    const cost = this.finish(status, null, usage, true);
    await this.written;
    return cost;
  }

  failed(error: GatewayError, usage?: Usage): void {
    this.finish(error.status, error.publicCode ?? error.code, usage, false);
  }

  /** The batched row's journal write (succeededBatched). */
  private written: Promise<void> | undefined;

  private finish(status: number, errorCode: string | null, usage: Usage | undefined, batched: boolean): number {
    if (this.done) return 0;
    this.done = true;
    usage ??= this.abandonedUsage;
    // An answer from the response cache used no provider: its row counts no tokens and costs nothing.
    if (this.cacheStatus === 'HIT') usage = undefined;
    const now = performance.now();
    const counted = usage ?? emptyUsage();
    const cost = usage ? this.cost(usage) : 0;
    const { call } = this;
    const entry: RequestLogEntry = {
      id: call.requestId,
      createdAt: new Date(Date.now() - (now - call.startedAt)),
      endpoint: call.endpoint,
      model: call.requested,
      provider: call.entry.provider,
      upstreamModel: call.entry.upstreamId,
      stream: call.stream,
      status,
      errorCode,
      promptTokens: counted.input.total,
      completionTokens: counted.output.total,
      cachedTokens: counted.input.cacheRead,
      cacheWriteTokens: counted.input.cacheWrite,
      reasoningTokens: counted.output.reasoning,
      costMicroUsd: cost,
      latencyMs: Math.round(now - call.startedAt),
      ttftMs: this.firstTokenAt === undefined ? null : Math.round(this.firstTokenAt - call.startedAt),
      organizationId: call.principal?.organizationId ?? null,
      apiKeyId: call.principal?.apiKeyId ?? null,
      userId: call.principal?.userId ?? null,
      byokHash: call.principal?.providerKeyHash ?? null,
      credential: call.credential ?? null,
      cacheStatus: this.cacheStatus,
      usageEstimated: usage?.estimated === true,
      overage: this.settlement?.overage === true,
      requestId: call.groupRequestId ?? call.requestId,
      attempt: call.attempt ?? 1,
      deployment: call.deployment ?? null,
    };
    if (batched) this.written = this.ports.requestLog.recordBatched(entry);
    else this.ports.requestLog.record(entry);
    this.settlement?.settle(usage, cost);
    if (this.ports.logRequests) {
      this.ports.logger.info(
        {
          requestId: entry.id,
          ...(entry.attempt === 1 ? {} : { attempt: entry.attempt }),
          deployment: entry.deployment,
          organizationId: entry.organizationId,
          apiKeyId: entry.apiKeyId,
          model: entry.model,
          provider: entry.provider,
          status,
          errorCode,
          stream: entry.stream,
          promptTokens: entry.promptTokens,
          completionTokens: entry.completionTokens,
          costMicroUsd: cost,
          latencyMs: entry.latencyMs,
          ttftMs: entry.ttftMs,
        },
        'model call',
      );
    }
    return cost;
  }
}
