// A loopback stand-in for api.anthropic.com: replays recorded fixture bytes and captures what the adapter sent.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { ChatStream, ProviderAdapter } from '../../../src/providers/spec.js';
import type { StreamPart } from '../../../src/core/chat.js';
import { createAnthropicAdapter } from '../../../src/providers/anthropic/anthropic-adapter.js';

const fixtureDirectory = new URL('../../../src/providers/anthropic/__fixtures__/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixture(name));
}

/** A `.chunks.txt` fixture (one data JSON a line) framed as Anthropic sends it: `event:` line, `data:` line, blank line. */
export function chunksToSse(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join('');
}

export type Reply = {
  status?: number;
  headers?: Record<string, string>;
  /** Written as one body, then the response ends, unless `keepOpen`. */
  body?: string;
  /** Written one by one (each its own TCP write), then the response ends, unless `keepOpen`. */
  chunks?: string[];
  /** Leave the response open after writing: the client must end it. */
  keepOpen?: boolean;
};

export type CapturedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown };

export type TestUpstream = {
  origin: string;
  adapter: ProviderAdapter;
  requests: CapturedRequest[];
  /** The reply to the next request (the last one set is reused). */
  reply(reply: Reply): void;
  /** Resolves when the server saw the client close a response that was still open. */
  clientClosed(): Promise<void>;
  close(): Promise<void>;
};

export async function startTestUpstream(adapterHeaders?: Record<string, string>): Promise<TestUpstream> {
  const requests: CapturedRequest[] = [];
  let next: Reply = { status: 500, body: 'no reply configured' };
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const openResponses = new Set<ServerResponse>();

  const server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += (chunk as Buffer).toString('utf8');
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: text === '' ? undefined : JSON.parse(text),
    });
    await send(response, next);
  });

  async function send(response: ServerResponse, reply: Reply): Promise<void> {
    response.writeHead(reply.status ?? 200, reply.headers ?? { 'content-type': 'application/json' });
    if (reply.keepOpen) {
      openResponses.add(response);
      response.on('close', () => {
        openResponses.delete(response);
        if (!response.writableEnded) resolveClosed();
      });
    }
    if (reply.chunks) {
      response.flushHeaders();
      for (const chunk of reply.chunks) {
        response.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } else if (reply.body !== undefined) {
      response.write(reply.body);
    }
    if (!reply.keepOpen) response.end();
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = new Pool(origin);
  const adapter = createAnthropicAdapter({
    id: 'anthropic',
    apiKey: 'test-key',
    baseURL: `${origin}/`,
    dispatcher: pool,
    ...(adapterHeaders ? { headers: adapterHeaders } : {}),
  });

  return {
    origin,
    adapter,
    requests,
    reply(reply) {
      next = reply;
    },
    clientClosed: () => closed,
    async close() {
      for (const response of openResponses) response.destroy();
      await pool.close();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8' };

export async function collect(stream: ChatStream): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

export function callContext(signal: AbortSignal = new AbortController().signal, headers?: Record<string, string>) {
  return { requestId: 'req-test', signal, ...(headers ? { headers } : {}) };
}
