// The start of one model call on any surface: route the model with the caller's credential, open its
// meter, build the upstream context. Every surface (OpenAI, Anthropic, Gemini, simple) comes through here.
import type { Capability } from '../core/catalogue.js';
import { toGatewayError } from '../core/errors.js';
import type { Exchange } from '../http/server.js';
import type { CredentialVault } from '../identity/credential-vault.js';
import type { Admission, CallLimits, CallRequest } from '../limits/call-limits.js';
import type { ProviderConnection } from '../providers/registry.js';
import type { CallContext } from '../providers/spec.js';
import type { RequestLogEntry } from '../store/types.js';
import { blameBroughtKey, routeWithCredential, type CredentialSource } from './call-credential.js';
import { captureBodies, type BodyCapture } from './body-capture.js';
import { CallMeter, type MeterPorts } from './call-meter.js';
import type { ModelDirectory, Route } from './model-directory.js';

export type ModelCallDeps = {
  directory: ModelDirectory;
  vault: CredentialVault;
  meter: MeterPorts;
  bodyLimit: number;
  /** How to reach a provider directly, for the same-dialect fast path of the front doors. */
  connectionFor?: (provider: string) => ProviderConnection | undefined;
  /** Limits of keys and organizations (requests, tokens, concurrency, spend, balance); absent: none. */
  limits?: CallLimits;
  /** The optional body log (logging.bodies); absent: off. */
  bodies?: BodyCapture;
};

export type ModelCall = {
  route: Route;
  meter: CallMeter;
  context: CallContext;
  credential: CredentialSource;
};

export async function startModelCall(
  deps: ModelCallDeps,
  exchange: Exchange,
  request: {
    model: string;
    capability: Capability;
    endpoint: RequestLogEntry['endpoint'];
    stream: boolean;
    /** The parsed request, for the token and cost estimate of limits that need one. */
    body: unknown;
  },
): Promise<ModelCall> {
  const { route, apiKey, source, credential } = await routeWithCredential(
    deps.directory,
    deps.vault,
    exchange.principal,
    request.model,
    request.capability,
  );
  exchange.response.setHeader('x-provider', route.entry.provider);
  const meter = new CallMeter(deps.meter, {
    requestId: exchange.requestId,
    endpoint: request.endpoint,
    requested: request.model,
    entry: route.entry,
    stream: request.stream,
    startedAt: exchange.startedAt,
    principal: exchange.principal,
    credential,
  });
  const admitted = applyLimits(deps.limits, exchange, { requestId: exchange.requestId, body: request.body, entry: route.entry });
  meter.settleWith(admitted instanceof Promise ? await admitted : admitted);
  captureBodies(deps.bodies, exchange, request.body);
  const context: CallContext = { requestId: exchange.requestId, signal: exchange.signal };
  if (apiKey !== undefined) context.apiKey = apiKey;
  context.onAbandonedUsage = (usage) => meter.noteAbandonedUsage(usage);
  return { route, meter, context, credential: source };
}

/**
 * Counts the call against its key's and organization's limits (and reserves from a prepaid balance); the
 * X-RateLimit-/X-Quota- headers go out either way. Returns what the meter settles when the call ends.
 */
export function applyLimits(limits: CallLimits | undefined, exchange: Exchange, call: CallRequest): Admission | undefined | Promise<Admission> {
  if (limits === undefined) return undefined;
  const pending = limits.admit(exchange.principal, call);
  if (pending instanceof Promise) return pending.then((admission) => answerAdmission(exchange, admission));
  return answerAdmission(exchange, pending);
}

function answerAdmission(exchange: Exchange, admission: Admission): Admission {
  for (const name in admission.headers) exchange.response.setHeader(name, admission.headers[name]!);
  if (admission.refusal !== undefined) throw admission.refusal;
  return admission;
}

/**
 * The same-dialect fast path: when the model's provider speaks the client's dialect, its connection (the
 * request is then relayed in the provider's own format, unknown fields included, and only the model renamed).
 */
export function sameDialectConnection(deps: ModelCallDeps, call: ModelCall, dialect: ProviderConnection['dialect']) {
  const connection = deps.connectionFor?.(call.route.entry.provider);
  return connection?.dialect === dialect && call.route.adapter.dialect === dialect ? connection : undefined;
}

/** Awaits the provider; an error here is before the first byte, so the call is metered as failed and rethrown. */
export async function upstream<T>(call: Pick<ModelCall, 'meter' | 'credential'>, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (caught) {
    const error = toGatewayError(blameBroughtKey(caught, call.credential));
    call.meter.failed(error);
    throw error;
  }
}
