// A graceful stop of the HTTP server: no new connections, requests and streams in flight run to their end
// (for at most `timeoutMs`, or until `cut` aborts), kept-alive connections close once idle.
import type { Server } from 'node:http';

export type DrainResult = {
  /** False when the time ran out (or `cut` fired) and the connections still open were closed. */
  drained: boolean;
};

export async function drainServer(server: Server, timeoutMs: number, cut?: AbortSignal): Promise<DrainResult> {
  // Requests that still arrive on kept-alive connections are answered, and their connection then closed.
  server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
  // A connection whose response ends goes idle: close it promptly (Node adds a second to this timeout)
  // rather than after the 65 s keep-alive the clients were promised.
  server.keepAliveTimeout = 1;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  let onCut: (() => void) | undefined;
  const outOfTime = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    onCut = () => resolve(false);
    if (cut?.aborted) resolve(false);
    else cut?.addEventListener('abort', onCut, { once: true });
  });
  const drained = await Promise.race([closed.then(() => true as const), outOfTime]);
  clearTimeout(timer);
  if (onCut !== undefined) cut?.removeEventListener('abort', onCut);
  if (drained) return { drained };
  // Streams still running are cut; each is metered as ended by the client (499) as it notices.
  server.closeAllConnections();
  await closed;
  return { drained };
}
