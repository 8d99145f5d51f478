// A loopback stand-in for a provider API in adapter tests: answers every request with the configured reply
// (recorded fixture bytes, whole or in chunks) and captures what the client sent. Provider specifics (adapter
// construction, fixture folders, SSE framing) live next to the tests in test/providers/<provider>/.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export const jsonHeaders = { 'content-type': 'application/json' };
export const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8' };

export type CapturedRequest = {
  method: string;
  /** The request target as sent: path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, for checks that bytes went up verbatim. */
  text: string;
  /** The body parsed as JSON; undefined when it was empty or not JSON. */
  body: unknown;
};

export type Reply = {
  /** Default 200. */
  status?: number;
  /** Default `jsonHeaders`. */
  headers?: Record<string, string>;
  /** Written in one piece. */
  body?: string | Buffer;
  /**
   * Written in order after the headers, each its own write and turn of the event loop. A promise in the list holds
   * the writes after it until it settles: proves bytes are relayed before the upstream is done.
   */
  chunks?: Array<string | Buffer | Promise<unknown>>;
  /** Leave the response open after writing: only the client (or `close()`) can end it. */
  keepOpen?: boolean;
};

export type ReplayServer = {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  origin: string;
  /** A connection pool to `origin`, closed by `close()`: pass it to the adapter under test. */
  dispatcher: Pool;
  /** Every request received, in order. */
  requests: CapturedRequest[];
  /** The reply to every following request. */
  reply(reply: Reply): void;
  /**
   * Resolves once the response to the latest request was closed by the client before the server ended it; rejects
   * when the server ended it (the client did not go away). Stays pending while the response is still open.
   */
  clientClosed(): Promise<void>;
  close(): Promise<void>;
};

export async function startReplayServer(): Promise<ReplayServer> {
  const requests: CapturedRequest[] = [];
  const open = new Set<ServerResponse>();
  let next: Reply = { status: 500, body: 'no reply configured' };
  let latestClosed: Promise<boolean> | undefined;

  const server = createServer((request, response) => {
    open.add(response);
    // Registered before anything is written, so a client that leaves early is always seen.
    latestClosed = new Promise((resolve) => {
      response.on('close', () => {
        open.delete(response);
        resolve(!response.writableEnded);
      });
    });
    const reply = next;
    handle(request, response, reply).catch((error: unknown) => response.destroy(error as Error));
  });

  async function handle(request: IncomingMessage, response: ServerResponse, reply: Reply): Promise<void> {
    requests.push(await capture(request));
    response.writeHead(reply.status ?? 200, reply.headers ?? jsonHeaders);
    if (reply.chunks) await writeChunks(response, reply.chunks);
    else if (reply.body !== undefined) response.write(reply.body);
    if (!reply.keepOpen && !response.destroyed) response.end();
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dispatcher = new Pool(origin);

  return {
    origin,
    dispatcher,
    requests,
    reply(reply) {
      next = reply;
    },
    async clientClosed() {
      if (!latestClosed) throw new Error('no request reached the replay server');
      if (!(await latestClosed)) throw new Error('the server ended the latest response: the client did not close it');
    },
    async close() {
      for (const response of open) response.destroy();
      await dispatcher.close();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function capture(request: IncomingMessage): Promise<CapturedRequest> {
  let text = '';
  for await (const chunk of request) text += (chunk as Buffer).toString('utf8');
  return { method: request.method ?? '', path: request.url ?? '', headers: request.headers, text, body: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function writeChunks(response: ServerResponse, chunks: NonNullable<Reply['chunks']>): Promise<void> {
  // Headers go out on their own, so a client sees the response start before the first chunk.
  response.flushHeaders();
  for (const chunk of chunks) {
    if (response.destroyed) return;
    if (chunk instanceof Promise) {
      await chunk;
      continue;
    }
    response.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
