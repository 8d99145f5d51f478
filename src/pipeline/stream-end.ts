// How every surface ends an answer: a JSON body sent whole, or a stream it relayed: metered once, with the usage trailers, or with the dialect's
// terminal error event after a failure (never a fake finish and never a done marker after a broken upstream).
import type { ServerResponse } from 'node:http';
import { sendJson, type Exchange } from '../http/server.js';
import type { Usage } from '../core/chat.js';
import { GatewayError } from '../core/errors.js';
import type { CallMeter } from './call-meter.js';
import { usageHeaders, usageTrailerNames } from './usage-headers.js';

/**
 * Meters the finished stream and ends it with `tail` (computed only when the client is still there), once
 * its row is journaled.
 */
export async function finishStream(
  exchange: Exchange,
  meter: CallMeter,
  usage: Usage | undefined,
  tail: string | Buffer | (() => string),
): Promise<void> {
  const { response } = exchange;
  if (exchange.signal.aborted || response.destroyed) {
    meter.failed(new GatewayError('client_closed', 'The client closed the connection during the stream.'), usage);
    return;
  }
  const tracking = usageHeaders(usage, await meter.succeededBatched(usage));
  response.addTrailers(Object.fromEntries(usageTrailerNames.map((name) => [name, tracking[name]!])));
  response.end(typeof tail === 'function' ? tail() : tail);
}

/** Meters a whole (not streamed) answer and sends it as JSON with the usage headers, once its row is journaled. */
export async function finishJson(response: ServerResponse, meter: CallMeter, usage: Usage, body: unknown): Promise<void> {
  meter.markFirstToken();
  const cost = await meter.succeededBatched(usage);
  sendJson(response, 200, body, usageHeaders(usage, cost));
}

/** Meters the failure and, if the client is still there, ends the stream with the dialect's error event. */
export function failStream(exchange: Exchange, meter: CallMeter, error: GatewayError, usage: Usage | undefined, errorEvent: string): void {
  meter.failed(error, usage);
  if (!exchange.response.destroyed) exchange.response.end(errorEvent);
}
