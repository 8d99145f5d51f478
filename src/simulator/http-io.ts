// Reading request bodies and writing JSON replies with node:http, without extra buffering or copies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimJsonReply } from './sim-reply.js';

/** Calls back synchronously when there is no body, to keep GETs cheap. */
export function readBody(request: IncomingMessage, done: (raw: Buffer | undefined) => void): void {
  if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) {
    request.resume();
    done(undefined);
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('error', () => undefined);
  request.on('end', () => done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
}

export function parseJsonBody(raw: Buffer | undefined): { body: unknown; malformed: boolean } {
  if (raw === undefined || raw.length === 0) return { body: undefined, malformed: false };
  const text = raw.toString('utf8');
  try {
    return { body: JSON.parse(text), malformed: false };
  } catch {
    return { body: text, malformed: true };
  }
}

export function writeJson(response: ServerResponse, reply: SimJsonReply): void {
  response.writeHead(reply.status, reply.headers);
  response.end(reply.body);
}
