// Reading a request body with a size cap, and JSON decoding with errors that name the problem.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/errors.js';

export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    request.resume();
    return Promise.reject(tooLarge(limit));
  }
  // Plain 'data'/'end' listeners: an async iterator over the request costs more per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    request.once('error', reject);
    request.once('aborted', () => reject(new GatewayError('client_closed', 'The client went away while sending its request.')));
  });
}

/** Parses a JSON object body; anything else is a 400 that says what was wrong. */
export function parseJsonObject(bytes: Buffer, contentType: string | undefined): { value: Record<string, unknown>; text: string } {
  if (contentType !== undefined && !/^application\/(?:[\w.+-]*\+)?json\b/i.test(contentType) && bytes.length > 0) {
    throw new GatewayError('unsupported_media_type', `Content-Type must be application/json, got '${contentType}'.`);
  }
  if (bytes.length === 0) throw new GatewayError('invalid_request', 'The request body is empty; send a JSON object.');
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('invalid_request', `The request body is not valid JSON: ${(error as Error).message}.`, {
      publicCode: 'invalid_json',
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.', { publicCode: 'invalid_json' });
  }
  return { value: value as Record<string, unknown>, text };
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('payload_too_large', `The request body is larger than the limit of ${limit} bytes.`, {
    publicCode: 'request_too_large',
  });
}
