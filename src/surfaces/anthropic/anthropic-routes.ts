// The Anthropic Messages front door on the main host: any catalogue model answers a Claude-style client.
import type { Route } from '../../http/server.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';

export function anthropicRoutes(_deps: ModelCallDeps): Route[] {
  return [];
}
