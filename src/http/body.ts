// Reading a request body with a size cap, and JSON decoding with errors that name the problem.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/errors.js';

export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    request.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      request.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
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
