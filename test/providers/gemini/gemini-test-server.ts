// A loopback stand-in for generativelanguage.googleapis.com: replays fixture bytes, records what it was sent.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { createGeminiAdapter } from '../../../src/providers/gemini/gemini-adapter.js';
import type { CallContext, ProviderAdapter } from '../../../src/providers/spec.js';
import type { StreamPart } from '../../../src/core/chat.js';

export type CapturedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown };

export type Reply = {
  status?: number;
  headers?: Record<string, string>;
  /** Written one after the other (separate `write` calls). */
  chunks?: string[];
  /** Leave the response open after the chunks (until the client goes away). */
  hang?: boolean;
};

export type GeminiHarness = {
  adapter: ProviderAdapter;
  requests: CapturedRequest[];
  reply(reply: Reply): void;
  /** For the latest request: resolves when its response closed; true when the client went away before the end. */
  lastResponseClosed(): Promise<boolean>;
  close(): Promise<void>;
};

const fixtureDirectory = new URL('../../../src/providers/gemini/__fixtures__/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), 'utf8');
}

/** Vercel's one-JSON-chunk-a-line transcripts, framed as Gemini sends them (`data: …` + CRLF CRLF). */
export function sseFromLines(text: string, delimiter = '\r\n\r\n'): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `data: ${line}${delimiter}`);
}

export function json(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers }, chunks: [body] };
}

export function sse(chunks: string[]): Reply {
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, chunks };
}

export async function startGemini(options: { apiKey?: string; headers?: Record<string, string> } = {}): Promise<GeminiHarness> {
  const requests: CapturedRequest[] = [];
  let next: Reply = json(200, '{}');
  let lastClosed: Promise<boolean> = Promise.resolve(false);
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: text ? JSON.parse(text) : undefined });
      lastClosed = new Promise((resolve) => response.on('close', () => resolve(!response.writableEnded)));
      send(response, next);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dispatcher = new Agent();
  const adapter = createGeminiAdapter({
    id: 'gemini',
    apiKey: options.apiKey ?? 'test-key',
    baseURL: `http://127.0.0.1:${port}/`,
    dispatcher,
    headers: options.headers,
  });
  return {
    adapter,
    requests,
    reply: (reply) => (next = reply),
    lastResponseClosed: () => lastClosed,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
    },
  };
}

function send(response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status ?? 200, reply.headers ?? {});
  for (const chunk of reply.chunks ?? []) response.write(chunk);
  if (!reply.hang) response.end();
}

export function context(overrides: Partial<CallContext> = {}): CallContext {
  return { requestId: 'req-1', signal: new AbortController().signal, ...overrides };
}

export async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}
