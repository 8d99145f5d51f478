// The Gemini front door on the main host: any catalogue model answers a generateContent client
// (@google/genai: 2.x calls /v1beta/models/…, 3.x /v1/models/…). The model and the method share one path
// segment (`gemini-2.5-flash:generateContent`, the model possibly `provider/id`), so the routes are wildcards
// and the segment is parsed here. Errors in Google's envelope.
import type { Route } from '../../http/server.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';
import { parseTarget } from './gemini-call.js';
import { renderGeminiError } from './gemini-error-envelope.js';
import { handleCountTokens, handleEmbedContent, handleGenerateContent } from './gemini-handlers.js';
import { handleGetGeminiModel, handleListGeminiModels } from './gemini-models.js';

export { renderGeminiError };

export function geminiRoutes(deps: ModelCallDeps): Route[] {
  const route = (path: string): Route => ({
    method: 'POST',
    path,
    access: { scope: 'generator', domain: 'models', byok: true },
    renderError: renderGeminiError,
    handler: (exchange) => {
      const target = parseTarget(exchange.params['*']);
      switch (target.method) {
        case 'generateContent':
        case 'streamGenerateContent':
          return handleGenerateContent(deps, exchange, target);
        case 'countTokens':
          return handleCountTokens(deps, exchange, target);
        case 'embedContent':
        case 'batchEmbedContents':
          return handleEmbedContent(deps, exchange, target);
      }
    },
  });
  const list = (path: string, handler: Route['handler']): Route => ({
    method: 'GET',
    path,
    access: { scope: 'generator', domain: 'models' },
    renderError: renderGeminiError,
    handler,
  });
  // `GET /v1/models…` is the OpenAI surface's; POST on the same path is free.
  return [
    route('/v1beta/models/*'),
    route('/v1/models/*'),
    list('/v1beta/models', (exchange) => handleListGeminiModels(deps.directory, exchange)),
    list('/v1beta/models/*', (exchange) => handleGetGeminiModel(deps.directory, exchange)),
  ];
}
