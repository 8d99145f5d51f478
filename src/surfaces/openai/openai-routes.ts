// The OpenAI-compatible surface's routes, all rendering errors in OpenAI's envelope.
import type { GatewayError } from '../../core/errors.js';
import { sendJson, type Exchange, type Route } from '../../http/server.js';
import type { OpenAISurfaceDeps } from './openai-call.js';
import { openAIErrorBody } from './openai-errors.js';
import { handleChatCompletions, handleCompletions, handleEmbeddings } from './openai-handlers.js';
import { handleGetModel, handleListModels } from './openai-models.js';

export function renderOpenAIError(exchange: Exchange, error: GatewayError): void {
  sendJson(exchange.response, error.status, openAIErrorBody(error, exchange.requestId));
}

export function openAIRoutes(deps: OpenAISurfaceDeps): Route[] {
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({
    method,
    path,
    handler,
    access: { scope: 'generator', domain: 'models', byok: true },
    renderError: renderOpenAIError,
  });
  return [
    route('POST', '/v1/chat/completions', (exchange) => handleChatCompletions(deps, exchange)),
    route('POST', '/v1/completions', (exchange) => handleCompletions(deps, exchange)),
    route('POST', '/v1/embeddings', (exchange) => handleEmbeddings(deps, exchange)),
    route('GET', '/v1/models', (exchange) => handleListModels(deps.directory, exchange, deps.router)),
    route('GET', '/v1/models/*', (exchange) => handleGetModel(deps.directory, exchange, deps.router)),
  ];
}
