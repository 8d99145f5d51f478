// Writing server-sent events with backpressure: a slow client pauses us, it does not fill our memory.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export function startEventStream(response: ServerResponse, headers: Record<string, string>, trailers: string[] = []): void {
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...(trailers.length > 0 ? { trailer: trailers.join(', ') } : {}),
  });
  response.flushHeaders();
}

/** Writes and waits for 'drain' when the socket buffer is full; resolves false when the client is gone. */
export async function writeEvent(response: ServerResponse, text: string | Buffer): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  if (text.length === 0) return true;
  if (response.write(text)) return true;
  await Promise.race([once(response, 'drain'), once(response, 'close')]);
  return !response.destroyed;
}
