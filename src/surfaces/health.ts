// GET /health (seed 001): status, service, version, environment, timestamp.
import { sendJson, type Exchange, type Route } from '../http/server.js';
import { version } from '../observability/version.js';
import { renderOpenAIError } from './openai/openai-routes.js';

export function healthRoute(environment: string): Route {
  return {
    method: ['GET', 'HEAD'],
    path: '/health',
    access: 'public',
    renderError: renderOpenAIError,
    handler(exchange: Exchange) {
      sendJson(exchange.response, 200, {
        status: 'healthy',
        service: 'switchyard',
        version,
        environment,
        timestamp: new Date().toISOString(),
      });
    },
  };
}
