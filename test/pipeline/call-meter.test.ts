import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Usage } from '../../src/core/chat.js';
import { GatewayError } from '../../src/core/errors.js';
import { CallMeter } from '../../src/pipeline/call-meter.js';
import type { RequestLogEntry } from '../../src/store/types.js';

function meterWithLog() {
  const rows: RequestLogEntry[] = [];
  const settled: Array<[Usage | undefined, number]> = [];
  const meter = new CallMeter(
    {
      requestLog: { record: (entry) => void rows.push(entry), recordBatched: async (entry) => void rows.push(entry), flush: async () => undefined, list: async () => [], get: async () => undefined, attemptsOf: async () => [] },
      logger: { info: () => undefined } as never,
      logRequests: false,
    },
    {
      requestId: 'req_1',
      endpoint: 'chat',
      requested: 'm',
      entry: { id: 'm', provider: 'p', upstreamId: 'm-1', pricing: { input: 1_000_000, output: 2_000_000 } } as never,
      stream: true,
      startedAt: performance.now(),
      principal: undefined,
      credential: 'byok',
    },
  );
  meter.settleWith({ overage: true, settle: (usage, cost) => void settled.push([usage, cost]) });
  return { meter, rows, settled };
}

const usage = (input: number, output: number, estimated = false): Usage => ({
  input: { total: input, cacheRead: 0, cacheWrite: 0 },
  output: { total: output, reasoning: 0 },
  ...(estimated ? { estimated } : {}),
});

test('one row and one settlement per call, with the credential, cache status, overage and cost', () => {
  const { meter, rows, settled } = meterWithLog();
  meter.cacheStatus = 'MISS';
  assert.equal(meter.succeeded(usage(10, 5)), 20);
  meter.failed(new GatewayError('internal', 'late'));
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.credential, 'byok');
  assert.equal(rows[0]!.cacheStatus, 'MISS');
  assert.equal(rows[0]!.overage, true);
  assert.equal(rows[0]!.usageEstimated, false);
  assert.deepEqual(settled.map(([, cost]) => cost), [20]);
});

test('a stream its client abandoned is metered with the usage so far, marked estimated', () => {
  const { meter, rows, settled } = meterWithLog();
  meter.noteAbandonedUsage(usage(7, 3, true));
  meter.failed(new GatewayError('client_closed', 'gone'));
  assert.equal(rows[0]!.status, 499);
  assert.equal(rows[0]!.promptTokens, 7);
  assert.equal(rows[0]!.usageEstimated, true);
  assert.equal(rows[0]!.costMicroUsd, 13);
  assert.equal(settled[0]![1], 13);
});
