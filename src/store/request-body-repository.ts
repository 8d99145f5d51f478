// The optional body log (logging.bodies): request and response bodies of model calls, in their own table
// so the ledger stays small, written behind the response like the ledger and deleted by age.
import { sql } from 'kysely';
import { readInteger, writeText } from './column-values.js';
import type { StoreDatabase } from './database.js';
import type { StoreLogger } from './store-logger.js';
import type { RequestBodyEntry, RequestBodyLog } from './types.js';
import { WriteBehindQueue } from './write-behind-queue.js';

export class RequestBodyRepository implements RequestBodyLog {
  readonly #db: StoreDatabase;
  readonly #queue: WriteBehindQueue<RequestBodyEntry>;

  constructor(options: { db: StoreDatabase; logger: StoreLogger }) {
    this.#db = options.db;
    this.#queue = new WriteBehindQueue<RequestBodyEntry>({
      name: 'body log',
      writeBatch: (entries) => this.#insert(entries),
      writeOne: (entry) => this.#insert([entry]),
      probe: async () => {
        await sql`select 1`.execute(this.#db);
      },
      describeItem: (entry) => ({ requestId: entry.requestId }),
      logger: options.logger,
      // Bodies are large: fewer of them wait in memory than ledger rows.
      maxPending: 5_000,
    });
  }

  record(entry: RequestBodyEntry): void {
    this.#queue.push(entry);
  }

  flush(): Promise<void> {
    return this.#queue.flush();
  }

  close(): Promise<void> {
    return this.#queue.close();
  }

  async get(requestId: string): Promise<RequestBodyEntry | undefined> {
    const row = await this.#db.selectFrom('request_bodies').selectAll().where('request_id', '=', requestId).executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      requestId: row.request_id,
      organizationId: row.organization_id,
      createdAt: new Date(readInteger(row.created_at)),
      request: row.request_body,
      response: row.response_body,
    };
  }

  async prune(before: Date): Promise<number> {
    const result = await this.#db.deleteFrom('request_bodies').where('created_at', '<', before.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #insert(entries: readonly RequestBodyEntry[]): Promise<void> {
    await this.#db
      .insertInto('request_bodies')
      .values(
        entries.map((entry) => ({
          request_id: writeText(entry.requestId),
          organization_id: entry.organizationId,
          created_at: entry.createdAt.getTime(),
          request_body: entry.request === null ? null : writeText(entry.request),
          response_body: entry.response === null ? null : writeText(entry.response),
        })),
      )
      .onConflict((conflict) => conflict.column('request_id').doNothing())
      .execute();
  }
}
