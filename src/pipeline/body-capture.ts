// The optional body log (logging.bodies): a model call's request as the gateway read it and its response as
// the client received it (JSON or the SSE text of a stream), each cut at `maxBytes`, written when the
// response has ended. Off by default; when off, nothing here runs.
import type { Exchange } from '../http/server.js';
import type { RequestBodyLog } from '../store/types.js';

export type BodyCapture = { log: RequestBodyLog; maxBytes: number };

export function captureBodies(capture: BodyCapture | undefined, exchange: Exchange, request: unknown): void {
  if (capture === undefined) return;
  const { response } = exchange;
  const chunks: Buffer[] = [];
  let kept = 0;
  const keep = (chunk: unknown, encoding: unknown) => {
    if (kept >= capture.maxBytes || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk)
        : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    const slice = buffer.subarray(0, capture.maxBytes - kept);
    chunks.push(slice);
    kept += slice.length;
  };
  const write = response.write;
  const end = response.end;
  response.write = function (this: typeof response, chunk: unknown, ...rest: unknown[]) {
    keep(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof response.write;
  response.end = function (this: typeof response, chunk?: unknown, ...rest: unknown[]) {
    keep(chunk, rest[0]);
    return (end as (...args: unknown[]) => typeof response).call(this, chunk, ...rest);
  } as typeof response.end;
  const requestText = cut(typeof request === 'string' ? request : JSON.stringify(request) ?? null, capture.maxBytes);
  const createdAt = new Date();
  response.once('close', () => {
    capture.log.record({
      requestId: exchange.requestId,
      organizationId: exchange.principal?.organizationId ?? null,
      createdAt,
      request: requestText,
      response: chunks.length === 0 ? null : Buffer.concat(chunks).toString('utf8'),
    });
  });
}

function cut(text: string | null, maxBytes: number): string | null {
  if (text === null) return null;
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= maxBytes ? text : bytes.subarray(0, maxBytes).toString('utf8');
}
