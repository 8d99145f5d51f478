// The Anthropic Messages front door on the main host: any catalogue model answers a Claude-style client.
import type { Route } from '../../http/server.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';
import { renderAnthropicError } from './anthropic-errors.js';
import { handleCountTokens } from './anthropic-count-tokens.js';
import { handleMessages } from './anthropic-messages-handler.js';

export { renderAnthropicError };

export function anthropicRoutes(deps: ModelCallDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/messages',
      handler: (exchange) => handleMessages(deps, exchange),
      access: { scope: 'generator', domain: 'models', byok: true },
      renderError: renderAnthropicError,
    },
    {
      method: 'POST',
      path: '/v1/messages/count_tokens',
      handler: (exchange) => handleCountTokens(deps, exchange),
      access: { scope: 'generator', domain: 'models', byok: true },
      renderError: renderAnthropicError,
    },
  ];
}
