// A loopback stand-in for an OpenAI-compatible upstream: replays recorded fixture bytes and captures what the
// adapter sent (method, path, headers, raw body).
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { StreamPart } from '../../../src/core/chat.js';
import type { CompatiblePreset } from '../../../src/providers/compatible/presets.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/openai-adapter.js';
import type { CallContext, ChatStream, ProviderAdapter } from '../../../src/providers/spec.js';

const fixtureDirectories = {
  openai: new URL('../../../src/providers/openai/__fixtures__/', import.meta.url),
  compatible: new URL('../../../src/providers/compatible/__fixtures__/', import.meta.url),
};

export function fixture(name: string, folder: keyof typeof fixtureDirectories = 'openai'): string {
  return readFileSync(new URL(name, fixtureDirectories[folder]), 'utf8');
}

/** The data payloads of a `.chunks.txt` fixture: one event a line. */
export function chunkLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Frames `.chunks.txt` payloads as the upstream sent them: `data: <json>` and a blank line each, then `[DONE]`. */
export function toSse(lines: string[], done = true): string {
  return lines.map((line) => `data: ${line}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
}

export const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8' };
export const jsonHeaders = { 'content-type': 'application/json' };

export type Reply = {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Written one by one, each its own write and turn of the event loop, then the response ends. */
  chunks?: Array<string | Buffer>;
  /** Leave the response open after writing: only the client can end it. */
  keepOpen?: boolean;
  /** Holds the chunks after the first until this settles: proves bytes are relayed before the upstream is done. */
  holdAfterFirst?: Promise<void>;
};

export type CapturedRequest = { method: string; path: string; headers: IncomingHttpHeaders; text: string; body: unknown };

export type TestUpstream = {
  origin: string;
  requests: CapturedRequest[];
  /** The reply to every following request. */
  reply(reply: Reply): void;
  adapter(options?: { preset?: CompatiblePreset; apiKey?: string | undefined; headers?: Record<string, string>; id?: string }): ProviderAdapter;
  /** Resolves when the client closed a response the server had kept open. */
  clientClosed(): Promise<void>;
  close(): Promise<void>;
};

export async function startTestUpstream(): Promise<TestUpstream> {
  const requests: CapturedRequest[] = [];
  let next: Reply = { status: 500, body: 'no reply configured' };
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const open = new Set<ServerResponse>();

  const server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += (chunk as Buffer).toString('utf8');
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      text,
      body: text === '' ? undefined : JSON.parse(text),
    });
    await send(response, next);
  });

  async function send(response: ServerResponse, reply: Reply): Promise<void> {
    response.writeHead(reply.status ?? 200, reply.headers ?? jsonHeaders);
    if (reply.keepOpen) {
      open.add(response);
      response.on('close', () => {
        open.delete(response);
        if (!response.writableEnded) resolveClosed();
      });
    }
    if (reply.chunks) {
      response.flushHeaders();
      for (const [position, chunk] of reply.chunks.entries()) {
        response.write(chunk);
        if (position === 0 && reply.holdAfterFirst) await reply.holdAfterFirst;
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

  return {
    origin,
    requests,
    reply(reply) {
      next = reply;
    },
    adapter(options = {}) {
      return createOpenAIAdapter({
        id: options.id ?? 'openai',
        apiKey: 'apiKey' in options ? options.apiKey : 'test-key',
        baseURL: `${origin}/v1/`,
        dispatcher: pool,
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.preset ? { preset: options.preset } : {}),
      });
    },
    clientClosed: () => closed,
    async close() {
      for (const response of open) response.destroy();
      await pool.close();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export async function collect(stream: ChatStream): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** Collects parts until the stream throws; returns both. */
export async function collectUntilError(stream: ChatStream): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}

export function callContext(signal: AbortSignal = new AbortController().signal, headers?: Record<string, string>): CallContext {
  return { requestId: 'req-test', signal, ...(headers ? { headers } : {}) };
}

/** Joins the text of the parts of one type, for comparing long streams with their recording. */
export function joined(parts: StreamPart[], type: 'text-delta' | 'reasoning-delta'): string {
  return parts.map((part) => (part.type === type ? part.text : '')).join('');
}
