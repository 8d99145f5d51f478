// Sends webhook deliveries and job callbacks to customer URLs without letting a URL reach places it must
// not: the gateway itself, the operator's private network, cloud metadata services. The check runs in the
// undici connector on the addresses actually connected to (after our own DNS lookup), so a hostname that
// resolves somewhere private, or is re-pointed between check and connect, is refused too.
// A hostname is refused when any of its addresses is forbidden (rather than connecting to the allowed
// ones): a name that mixes public and private answers is not one to trust.
// Redirects are not followed; a delivery failure is a result (`ok: false` with `error`), never a throw.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { GatewayError } from '../core/errors.js';
import { forbiddenAddressReason } from './address-policy.js';

export type OutboundSenderOptions = {
  /** Operator switch: deliver to private, loopback and link-local addresses too (development, tests). */
  allowPrivate?: boolean;
  /** Host names or literal IPs exempt from the address check (e.g. a receiver on the operator's own network). */
  allowedHosts?: string[];
  /** Deadline for the whole delivery: DNS, connect, and reading the response. */
  timeoutMs?: number;
  /** Response body bytes kept; the connection is dropped after that many. */
  maxResponseBytes?: number;
  userAgent?: string;
};

export type DeliveryResult = {
  /** The receiver's status, 0 when no response arrived. */
  status: number;
  /** True for a 2xx answer only. */
  ok: boolean;
  latencyMs: number;
  /** At most `maxResponseBytes` of the receiver's answer, as UTF-8. */
  responseBody: string;
  error?: string;
};

export type OutboundSender = {
  send(url: string, body: string, headers: Record<string, string>): Promise<DeliveryResult>;
  close(): Promise<void>;
};

/** Headers the transport sets; a caller's copy is dropped. */
const transportHeaders = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);

export function createOutboundSender(options: OutboundSenderOptions = {}): OutboundSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const userAgent = options.userAgent ?? 'Switchyard-Webhooks/1';
  const policy = addressPolicy(options);
  const agent = new Agent({
    connect: policy.allowPrivate ? buildConnector({ timeout: timeoutMs }) : guardedConnector(policy, timeoutMs),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function send(url: string, body: string, headers: Record<string, string>): Promise<DeliveryResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = checkUrl(url, policy);
    if (typeof target === 'string') return { status: 0, ok: false, latencyMs: elapsed(), responseBody: '', error: target };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new GatewayError('upstream_timeout', `no complete response within ${timeoutMs} ms`)), timeoutMs);
    try {
      const response = await agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: 'POST',
        headers: requestHeaders(headers, userAgent),
        body,
        signal: controller.signal,
      });
      const responseBody = await readCapped(response.body, maxResponseBytes);
      const status = response.statusCode;
      const ok = status >= 200 && status < 300;
      const result: DeliveryResult = { status, ok, latencyMs: elapsed(), responseBody };
      if (!ok) result.error = statusError(status, response.headers);
      return result;
    } catch (error) {
      return { status: 0, ok: false, latencyMs: elapsed(), responseBody: '', error: describeFailure(error, controller.signal, timeoutMs) };
    } finally {
      clearTimeout(timer);
    }
  }

  return { send, close: () => agent.close() };
}

type AddressPolicy = { allowPrivate: boolean; exempt(hostname: string): boolean };

function addressPolicy(options: OutboundSenderOptions): AddressPolicy {
  const allowed = new Set((options.allowedHosts ?? []).map(normaliseHost));
  return { allowPrivate: options.allowPrivate === true, exempt: (hostname) => allowed.has(normaliseHost(hostname)) };
}

function normaliseHost(hostname: string): string {
  const lower = hostname.toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

/** The URL to deliver to, or why it is refused. Literal IPs are refused here already, with the same rule. */
function checkUrl(url: string, policy: AddressPolicy): URL | string {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'invalid URL';
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return `only http and https URLs are allowed, not ${target.protocol}`;
  if (target.username !== '' || target.password !== '') return 'URLs with credentials are not allowed';
  if (target.hostname === '') return 'invalid URL: no host';
  const host = normaliseHost(target.hostname);
  if (!policy.allowPrivate && isIP(host) !== 0 && !policy.exempt(host)) {
    const reason = forbiddenAddressReason(host);
    if (reason !== null) return refusal(host, host, reason).message;
  }
  return target;
}

/** undici's own connector, handed an address we resolved and checked instead of the hostname. */
function guardedConnector(policy: AddressPolicy, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs });
  return (options, callback) => {
    resolveAllowed(options.hostname, policy).then(
      (address) => {
        const servername = options.servername || (isIP(options.hostname) === 0 ? options.hostname : undefined);
        connect({ ...options, hostname: address, ...(servername ? { servername } : {}) }, callback);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };
}

/** The address to connect to: the first one the lookup returns, once every one of them has passed. */
async function resolveAllowed(hostname: string, policy: AddressPolicy): Promise<string> {
  const host = normaliseHost(hostname);
  if (policy.exempt(host)) return host;
  const addresses = isIP(host) !== 0 ? [host] : (await lookupAll(host)).map((entry) => entry.address);
  for (const address of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason !== null) throw refusal(host, address, reason);
  }
  const first = addresses[0];
  if (first === undefined) throw new GatewayError('upstream_error', `${host} has no addresses`);
  return first;
}

async function lookupAll(host: string) {
  try {
    return await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw new GatewayError('upstream_error', `cannot resolve ${host} (${code})`, { cause: error });
  }
}

function refusal(host: string, address: string, reason: string): GatewayError {
  const subject = host === address ? address : `${host} (${address})`;
  return new GatewayError('forbidden', `refused: ${subject} is ${reason}`, { details: { host, address, reason } });
}

function requestHeaders(headers: Record<string, string>, userAgent: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!transportHeaders.has(lower)) result[lower] = value;
  }
  result['content-type'] = 'application/json';
  result['user-agent'] = userAgent;
  return result;
}

/** Reads up to `limit` bytes, then stops reading, which destroys the body and with it the connection. */
async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = limit - size;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.length, room);
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function statusError(status: number, headers: Record<string, string | string[] | undefined>): string {
  if (status >= 300 && status < 400) {
    const location = headers.location;
    return `redirect not followed (${status}${typeof location === 'string' ? ` to ${location}` : ''})`;
  }
  return `receiver answered ${status}`;
}

function describeFailure(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timed out after ${timeoutMs} ms`;
  if (error instanceof GatewayError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `timed out after ${timeoutMs} ms`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
