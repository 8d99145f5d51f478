// Prompt runs in the platform API: how a run (a fan-out, an async prompt) is shown, and the history that
// lists runs and single model calls together, newest first. A run's own model calls are shown inside it,
// not again on their own.
import { GatewayError } from '../../core/errors.js';
import type { PromptRunRecord, PromptRunStore, RequestLogEntry, UsageOwner, UsageQueries } from '../../store/types.js';

/** How far back the merged history pages (offset + limit): beyond it, narrow with `model`. */
export const maxHistoryWindow = 10_000;

export type HistoryItem = { createdAt: Date; view: Record<string, unknown> };

export async function mergedHistory(
  usage: UsageQueries,
  runs: PromptRunStore | undefined,
  query: UsageOwner & { limit: number; offset: number; model?: string },
  callView: (entry: RequestLogEntry) => Record<string, unknown>,
): Promise<{ total: number; history: Record<string, unknown>[] }> {
  const window = query.offset + query.limit;
  if (window > maxHistoryWindow) {
    throw new GatewayError('invalid_request', `The history pages back at most ${maxHistoryWindow} entries (offset + limit); narrow it with 'model'.`, {
      param: 'offset',
    });
  }
  const owner: UsageOwner & { model?: string } = { organizationId: query.organizationId };
  if (query.apiKeyId !== undefined) owner.apiKeyId = query.apiKeyId;
  if (query.userId !== undefined) owner.userId = query.userId;
  if (query.model !== undefined) owner.model = query.model;
  const [calls, listed] = await Promise.all([
    usage.history({ ...owner, limit: window, offset: 0, withoutRunCalls: runs !== undefined }),
    runs === undefined ? { total: 0, runs: [] } : runs.list({ ...owner, limit: window, offset: 0 }),
  ]);
  const items: HistoryItem[] = [
    ...calls.entries.map((entry) => ({ createdAt: entry.createdAt, view: callView(entry) })),
    ...listed.runs.map((run) => ({ createdAt: run.createdAt, view: runView(run) })),
  ];
  items.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  return { total: calls.total + listed.total, history: items.slice(query.offset, window).map((item) => item.view) };
}

export function runView(run: PromptRunRecord): Record<string, unknown> {
  return {
    id: run.id,
    object: 'prompt_run',
    kind: run.kind,
    status: run.status,
    organization_id: run.organizationId,
    api_key_id: run.apiKeyId,
    user_id: run.userId,
    models: run.models,
    ...run.request,
    results: run.results,
    total_tokens: run.totalTokens,
    total_cost: run.totalCostMicroUsd / 1_000_000,
    total_cost_micro_usd: run.totalCostMicroUsd,
    created_at: run.createdAt.toISOString(),
    completed_at: run.completedAt?.toISOString() ?? null,
  };
}
