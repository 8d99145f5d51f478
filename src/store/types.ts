// The store port the pipeline sees. Implementations: Kysely on SQLite (default) and PostgreSQL.

export type RequestLogEntry = {
  /** The request id (UUID), also sent to the client as X-Request-Id. */
  id: string;
  createdAt: Date;
  endpoint: 'chat' | 'completions' | 'embeddings';
  /** The model name as the client wrote it. */
  model: string;
  provider: string;
  upstreamModel: string;
  stream: boolean;
  /** HTTP status sent to the client (499 when the client went away). */
  status: number;
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costMicroUsd: number;
  latencyMs: number;
  /** Time to first token (streams) or to the upstream's answer (JSON), in ms; null when none came. */
  ttftMs: number | null;
};

export type RequestLogQuery = { limit?: number; offset?: number; model?: string };

export interface RequestLog {
  /** Queues the entry; never throws and never blocks the response. */
  record(entry: RequestLogEntry): void;
  /**
   * Resolves when everything queued so far is written (or dropped, see write-behind-queue.ts).
   * Rejects when a write fails; the entries stay queued and are retried.
   */
  flush(): Promise<void>;
  /** Newest first; `limit` defaults to 50 and is capped at 1000. */
  list(query?: RequestLogQuery): Promise<RequestLogEntry[]>;
  get(id: string): Promise<RequestLogEntry | undefined>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly requestLog: RequestLog;
  /** Flushes pending writes (logging what cannot be written) and closes connections. Never rejects for a failed write. */
  close(): Promise<void>;
}
