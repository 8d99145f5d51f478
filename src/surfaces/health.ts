// GET /health (seed 001): status, service, version, environment, timestamp.
import { sendJson, type Exchange, type Route } from '../http/server.js';
import { version } from '../observability/version.js';
import type { DeploymentStats } from '../pipeline/routing/deployment-stats.js';
import type { Router } from '../pipeline/routing/router.js';
import type { CircuitBreakers } from '../state/circuit-breakers.js';
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

/**
 * GET /health/deployments: every deployment this replica knows (configured groups, and those it has called),
 * with its circuit breaker and what the routing strategies see of it. Admin keys with the `models` domain.
 */
export function deploymentHealthRoute(deps: { router: Router; stats: DeploymentStats; breakers: CircuitBreakers | undefined }): Route {
  return {
    method: ['GET'],
    path: '/health/deployments',
    access: { scope: 'admin', domain: 'models' },
    renderError: renderOpenAIError,
    handler(exchange: Exchange) {
      const breakers = new Map((deps.breakers?.snapshot() ?? []).map((breaker) => [breaker.deployment, breaker]));
      const stats = new Map(deps.stats.snapshot().map((entry) => [entry.deployment, entry]));
      const ids = new Set([...deps.router.deployments().map((deployment) => deployment.id), ...stats.keys(), ...breakers.keys()]);
      const iso = (at: number | null | undefined) => (at == null ? null : new Date(at).toISOString());
      const data = [...ids].sort().map((id) => {
        const breaker = breakers.get(id);
        const stat = stats.get(id);
        return {
          deployment: id,
          breaker: breaker?.state ?? 'closed',
          recent_failures: breaker?.failures ?? 0,
          opened_at: iso(breaker?.openedAt),
          reopens_at: iso(breaker?.reopensAt),
          times_opened: breaker?.opens ?? 0,
          in_flight: stat?.inFlight ?? 0,
          latency_ms: stat?.latencyMs ?? null,
          p95_first_token_ms: stat?.p95Ms ?? null,
        };
      });
      sendJson(exchange.response, 200, { object: 'list', breakers_enabled: deps.breakers !== undefined, data });
    },
  };
}
