// The simple surface under /ai: chat, generate, embeddings and the model list in a small JSON dialect.
import type { Route } from '../../http/server.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';

export function simpleRoutes(_deps: ModelCallDeps): Route[] {
  return [];
}
