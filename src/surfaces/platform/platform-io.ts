// The platform API's envelope ({"success": true, …} / {"success": false, "error", "code", "details"}), body
// reading and the small request helpers its handlers share.
import type { z } from 'zod';
import type { Principal } from '../../access/principal.js';
import { GatewayError } from '../../core/errors.js';
import { parseJsonObject, readBody } from '../../http/body.js';
import { sendJson, type Exchange } from '../../http/server.js';
import { validate } from '../../http/validate.js';
import type { Origin } from '../../identity/audit.js';

export function renderPlatformError(exchange: Exchange, error: GatewayError): void {
  const details: Record<string, unknown> = { ...error.details };
  if (error.param !== null) details.field = error.param;
  sendJson(exchange.response, error.status, {
    success: false,
    error: error.message,
    code: (error.publicCode ?? error.code).toUpperCase(),
    type: error.type,
    ...(Object.keys(details).length > 0 ? { details } : {}),
    request_id: exchange.requestId,
  });
}

export function sendOk(exchange: Exchange, status: number, body: Record<string, unknown>): void {
  sendJson(exchange.response, status, { success: true, ...body });
}

export async function readJson<T>(exchange: Exchange, schema: z.ZodType<T>, limit: number): Promise<T> {
  const raw = await readBody(exchange.request, limit);
  const { value } = parseJsonObject(raw, exchange.request.headers['content-type']);
  return validate(schema, value);
}

/** A body is optional (e.g. rotate): an empty body is an empty object. */
export async function readOptionalJson<T>(exchange: Exchange, schema: z.ZodType<T>, limit: number): Promise<T> {
  const raw = await readBody(exchange.request, limit);
  if (raw.length === 0) return validate(schema, {});
  const { value } = parseJsonObject(raw, exchange.request.headers['content-type']);
  return validate(schema, value);
}

export function principalOf(exchange: Exchange): Principal & { organizationId: string } {
  const principal = exchange.principal;
  if (principal === undefined || principal.organizationId === null) {
    throw new GatewayError('unauthenticated', 'This endpoint needs a Switchyard API key or token.', { publicCode: 'missing_api_key' });
  }
  return principal as Principal & { organizationId: string };
}

export function param(exchange: Exchange, name: string): string {
  const value = exchange.params[name];
  if (value === undefined || value === '') throw new GatewayError('invalid_request', `Missing path parameter '${name}'.`);
  return value;
}

export function originOf(exchange: Exchange, trustProxy: boolean): Origin {
  const { request } = exchange;
  let ip = request.socket.remoteAddress ?? null;
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) ip = first;
  }
  const agent = request.headers['user-agent'];
  return { ip, userAgent: agent === undefined ? null : agent.slice(0, 256) };
}

export type ListQuery = { limit: number; offset: number };

/** `?limit=&offset=` with the defaults of seed-style listings (50, 0); bad values are a 400 naming the parameter. */
export function listQuery(exchange: Exchange, maxLimit = 1000): ListQuery & { search: URLSearchParams } {
  const url = exchange.request.url ?? '/';
  const question = url.indexOf('?');
  const search = new URLSearchParams(question === -1 ? '' : url.slice(question + 1));
  const number = (name: string, fallback: number, max: number) => {
    const text = search.get(name);
    if (text === null) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new GatewayError('invalid_request', `Query parameter '${name}' must be an integer from 0 to ${max}.`, { param: name });
    }
    return value;
  };
  return { limit: number('limit', 50, maxLimit), offset: number('offset', 0, Number.MAX_SAFE_INTEGER), search };
}

export const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());
