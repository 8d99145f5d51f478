// A ledger row for store tests, with every field set; tests override what they check. Free of I/O, so the
// journal's child-process writer uses it too.
import { randomUUID } from 'node:crypto';
import type { RequestLogEntry } from '../../src/store/types.js';

export function ledgerEntry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    requestId: id,
    attempt: 1,
    deployment: null,
    createdAt: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, 123)),
    endpoint: 'chat',
    model: 'gpt-4o-mini',
    provider: 'openai',
    upstreamModel: 'gpt-4o-mini-2024-07-18',
    stream: false,
    status: 200,
    errorCode: null,
    promptTokens: 12,
    completionTokens: 34,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costMicroUsd: 27,
    latencyMs: 420,
    ttftMs: 180,
    organizationId: null,
    apiKeyId: null,
    userId: null,
    byokHash: null,
    credential: 'server',
    cacheStatus: 'SKIP',
    usageEstimated: false,
    overage: false,
    ...overrides,
  };
}
