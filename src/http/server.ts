// node:http + find-my-way: the thinnest server that routes (no framework on the hot path; the benchmark's
// baseline is node:http itself). Each route names the surface whose error envelope it answers in.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import findMyWay, { type HTTPMethod } from 'find-my-way';
import type { Principal } from '../access/principal.js';
import type { Domain, Scope } from '../access/scopes.js';
import { GatewayError, toGatewayError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import { uuidv7 } from './request-id.js';

export type Exchange = {
  request: IncomingMessage;
  response: ServerResponse;
  requestId: string;
  params: Record<string, string | undefined>;
  /** Aborted when the client goes away before the response is finished. */
  signal: AbortSignal;
  /** performance.now() at arrival. */
  startedAt: number;
  /** Set before the handler runs on every route that is not public. */
  principal: Principal | undefined;
};

export type ErrorRenderer = (exchange: Exchange, error: GatewayError) => void;

/**
 * What a route requires: nothing (`public`), or a minimum scope and the domain it belongs to (null: any
 * domain, e.g. "who am I"). `byok`: the route can be served with a provider key the client brings.
 */
export type RouteAccess = 'public' | { scope: Scope; domain: Domain | null; byok?: boolean };

/** Authenticates and authorizes one request for a route, or throws a 401/403/429 GatewayError. */
export type Authorizer = (exchange: Exchange, access: Exclude<RouteAccess, 'public'>) => Principal | Promise<Principal>;

export type Route = {
  method: HTTPMethod | HTTPMethod[];
  path: string;
  access: RouteAccess;
  handler: (exchange: Exchange) => Promise<void> | void;
  renderError: ErrorRenderer;
};

export type HttpServerOptions = {
  routes: Route[];
  logger: Logger;
  /** Renders errors for paths no route matches. */
  renderNotFound: ErrorRenderer;
  /** Required when any route is not public. */
  authorize?: Authorizer;
  /** Maps a request's Host and URL to another URL before routing (provider subdomains); undefined keeps it. */
  rewriteUrl?: (host: string | undefined, url: string) => string | undefined;
};

export function createHttpServer(options: HttpServerOptions): Server {
  const router = findMyWay({
    ignoreTrailingSlash: true,
    ignoreDuplicateSlashes: true,
    caseSensitive: true,
    defaultRoute: (request, response) => notFound(request, response),
  });
  const { authorize } = options;
  for (const route of options.routes) {
    if (route.access !== 'public' && authorize === undefined) {
      throw new Error(`Route ${route.path} requires authorization but the server has no authorizer.`);
    }
    router.on(route.method, route.path, (request, response, params) => {
      void run(route, request, response, params);
    });
  }

  async function run(route: Route, request: IncomingMessage, response: ServerResponse, params: Exchange['params']) {
    const exchange = startExchange(request, response, params);
    try {
      if (route.access !== 'public') {
        const principal = authorize!(exchange, route.access);
        exchange.principal = principal instanceof Promise ? await principal : principal;
      }
      await route.handler(exchange);
    } catch (error) {
      fail(exchange, toGatewayError(error), route.renderError, options.logger);
    }
  }

  function notFound(request: IncomingMessage, response: ServerResponse) {
    const exchange = startExchange(request, response, {});
    const path = (request.url ?? '/').split('?')[0]!;
    const otherMethod = httpMethods.some((method) => method !== request.method && router.find(method, path) !== null);
    const error = otherMethod
      ? new GatewayError('method_not_allowed', `${request.method} is not allowed on ${path}.`)
      : new GatewayError('not_found', `No route for ${request.method} ${path}. The OpenAI-compatible API is under /v1 (try GET /v1/models).`, {
          publicCode: 'unknown_route',
        });
    request.resume();
    fail(exchange, error, options.renderNotFound, options.logger);
  }

  const { rewriteUrl } = options;
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) => {
    if (rewriteUrl !== undefined) {
      const rewritten = rewriteUrl(request.headers.host, request.url ?? '/');
      if (rewritten !== undefined) request.url = rewritten;
    }
    router.lookup(request, response);
  });
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy(error);
  });
  return server;
}

const httpMethods: HTTPMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function startExchange(request: IncomingMessage, response: ServerResponse, params: Exchange['params']): Exchange {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  const requestId = uuidv7();
  response.setHeader('x-request-id', requestId);
  return { request, response, requestId, params, signal: controller.signal, startedAt: performance.now(), principal: undefined };
}

function fail(exchange: Exchange, error: GatewayError, render: ErrorRenderer, logger: Logger): void {
  const level = error.status >= 500 && error.code !== 'upstream_error' ? 'error' : 'debug';
  logger[level](
    { requestId: exchange.requestId, code: error.code, status: error.status, err: error.cause ?? undefined },
    error.message,
  );
  if (exchange.response.headersSent) {
    exchange.response.destroy();
    return;
  }
  // A refused request's body is never read: drain it so the connection can be reused.
  if (!exchange.request.readableEnded) exchange.request.resume();
  if (error.retryAfter !== undefined) exchange.response.setHeader('retry-after', String(error.retryAfter));
  if (error.status === 401) exchange.response.setHeader('www-authenticate', 'Bearer realm="switchyard"');
  render(exchange, error);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
