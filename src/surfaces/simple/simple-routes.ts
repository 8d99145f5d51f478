// The simple surface under /ai: chat, generate, embeddings and the model list in a small JSON dialect,
// every error in its envelope (simple-errors.ts), including unknown paths and methods under /ai.
import { GatewayError } from '../../core/errors.js';
import { sendJson, type Exchange, type Route } from '../../http/server.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';
import { simpleErrorBody } from './simple-errors.js';
import { handleChat, handleEmbeddings, handleGenerate } from './simple-handlers.js';
import { handleListModels } from './simple-models.js';

export function renderSimpleError(exchange: Exchange, error: GatewayError): void {
  sendJson(exchange.response, error.status, simpleErrorBody(error, exchange.requestId));
}

export function simpleRoutes(deps: ModelCallDeps): Route[] {
  const route = (method: 'GET' | 'POST', path: string, handler: Route['handler']): Route => ({
    method,
    path,
    handler,
    access: { scope: 'generator', domain: 'models', byok: true },
    renderError: renderSimpleError,
  });
  const routes = [
    route('POST', '/ai/chat', (exchange) => handleChat(deps, exchange)),
    route('POST', '/ai/generate', (exchange) => handleGenerate(deps, exchange)),
    route('POST', '/ai/embeddings', (exchange) => handleEmbeddings(deps, exchange)),
    route('GET', '/ai/models', (exchange) => handleListModels(deps.directory, exchange)),
  ];
  return [...routes, unmatchedRoute(routes)];
}

/**
 * Answers any other path or method under /ai in this surface's envelope (the server's own not-found
 * answer speaks the OpenAI dialect). Public: it only says that nothing is there.
 */
function unmatchedRoute(routes: readonly Route[]): Route {
  const methodsByPath = new Map(routes.map((route) => [route.path, route.method]));
  return {
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    path: '/ai/*',
    access: 'public',
    renderError: renderSimpleError,
    handler(exchange) {
      const { method } = exchange.request;
      const path = (exchange.request.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
      const allowed = methodsByPath.get(path);
      if (allowed !== undefined) {
        exchange.response.setHeader('allow', String(allowed));
        throw new GatewayError('method_not_allowed', `${method} is not allowed on ${path}; use ${String(allowed)}.`);
      }
      throw new GatewayError('not_found', `No route for ${method} ${path}. This API offers POST /ai/chat, POST /ai/generate, POST /ai/embeddings and GET /ai/models.`, {
        publicCode: 'unknown_route',
      });
    },
  };
}
