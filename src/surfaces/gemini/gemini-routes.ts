// The Gemini front door on the main host: any catalogue model answers a generateContent client.
import type { Route } from '../../http/server.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';

export function geminiRoutes(_deps: ModelCallDeps): Route[] {
  return [];
}
