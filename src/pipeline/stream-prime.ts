// The commit point of a stream. A surface waits for the upstream's first chunk before it sends its own
// headers: until then nothing has reached the client, so a stream that fails or stalls before its first token
// can still fall through to another attempt (see attempts in model-call.ts). After it, failures end the stream
// with the dialect's error event.
import { GatewayError, toGatewayError } from '../core/errors.js';
import type { CallMeter } from './call-meter.js';

/** Resolves with the same sequence once its first element is there; a failure before it is metered and thrown. */
export async function primeStream<T>(source: AsyncIterable<T>, meter: CallMeter): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  let first: IteratorResult<T>;
  try {
    first = await iterator.next();
  } catch (caught) {
    const error = toGatewayError(caught);
    meter.failed(error);
    throw error;
  }
  // Another attempt (a hedge) may have answered first: then this one stops here, having written nothing.
  if (!meter.commit()) {
    void iterator.return?.();
    const error = hedgeLost();
    meter.failed(error);
    throw error;
  }
  let given = false;
  const primed: AsyncIterator<T> = {
    next() {
      if (given) return iterator.next();
      given = true;
      return Promise.resolve(first);
    },
    return(value?: unknown) {
      return iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: value as T });
    },
  };
  return { [Symbol.asyncIterator]: () => primed };
}

/** The error an attempt ends with when another attempt of its request (a hedge) answered first: status 499. */
export function hedgeLost(winner?: number): GatewayError {
  const which = winner === undefined ? 'another attempt' : `attempt ${winner}`;
  return new GatewayError('client_closed', `Cancelled: ${which} answered first.`, { status: 499, publicCode: 'hedge_lost' });
}
