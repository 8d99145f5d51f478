// GET /metrics: the gateway's Prometheus metrics (text exposition format 0.0.4). They add up every
// organization's traffic, so only admins of the operator organization (with the `models` domain) read them;
// `metrics.public` opens them to a scraper on a private network.
import { GatewayError } from '../core/errors.js';
import type { Exchange, Route } from '../http/server.js';
import type { Metrics } from '../observability/metrics.js';
import { renderOpenAIError } from './openai/openai-routes.js';

export function metricsRoute(deps: { metrics: Metrics; public: boolean; isOperator: (organizationId: string) => Promise<boolean> }): Route {
  return {
    method: ['GET'],
    path: '/metrics',
    access: deps.public ? 'public' : { scope: 'admin', domain: 'models' },
    renderError: renderOpenAIError,
    async handler(exchange: Exchange) {
      const organizationId = exchange.principal?.organizationId;
      if (!deps.public && (organizationId == null || !(await deps.isOperator(organizationId)))) {
        throw new GatewayError('forbidden', "The gateway's metrics cover every organization: only admins of the operator organization read them.", {
          publicCode: 'operator_only',
        });
      }
      const text = await deps.metrics.render();
      exchange.response.writeHead(200, {
        'content-type': deps.metrics.contentType,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      exchange.response.end(text);
    },
  };
}
