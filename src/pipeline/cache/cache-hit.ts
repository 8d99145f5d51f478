// A model call answered from the response cache: no provider is called. It is still admitted by the limits
// (a tenth of a request against the monthly quota, no tokens, no spend) and leaves its ledger row, marked HIT,
// with no tokens and no cost; the headers name who served the answer first, with X-Switchyard-Attempts: 0.
import type { ChatResult, EmbedResult, StreamPart } from '../../core/chat.js';
import { GatewayError, toGatewayError } from '../../core/errors.js';
import type { Exchange } from '../../http/server.js';
import type { CallEstimate } from '../../limits/call-estimate.js';
import { captureBodies } from '../body-capture.js';
import { applyLimits } from '../call-admission.js';
import { CallMeter } from '../call-meter.js';
import type { ModelCallDeps, ModelCallRequest } from '../model-call.js';
import type { Candidate } from '../routing/router.js';
import { SettlementGroup } from '../routing/settlement-group.js';
import { usageHeaders } from '../usage-headers.js';
import type { CachedAnswer } from './response-caching.js';
import { resultToParts } from './stream-answer.js';

const free: CallEstimate = { tokens: () => 0, costMicroUsd: () => 0 };

export async function serveHit(deps: ModelCallDeps, exchange: Exchange, request: ModelCallRequest, first: Candidate, answer: CachedAnswer): Promise<void> {
  const { response } = exchange;
  const admitted = applyLimits(deps.limits, exchange, { requestId: exchange.requestId, estimate: free, cacheHit: true });
  const group = new SettlementGroup(admitted instanceof Promise ? await admitted : admitted);
  // Only an admitted call is answered from the cache; a refused one keeps the MISS it was decided with.
  response.setHeader('x-cache', 'HIT');
  captureBodies(deps.bodies, exchange, request.body);
  response.setHeader('x-provider', answer.origin.provider);
  response.setHeader('x-switchyard-model', answer.origin.model);
  response.setHeader('x-switchyard-deployment', answer.origin.deployment);
  response.setHeader('x-switchyard-attempts', '0');
  const meter = new CallMeter(deps.meter, {
    requestId: exchange.requestId,
    endpoint: request.endpoint,
    requested: request.model,
    entry: first.route.entry,
    stream: request.stream,
    startedAt: exchange.startedAt,
    principal: exchange.principal,
    credential: 'cache',
    deployment: answer.origin.deployment,
  });
  meter.cacheStatus = 'HIT';
  meter.settleWith(group.part());
  try {
    await request.cache!.replay(answer, meter);
  } catch (caught) {
    const error = toGatewayError(caught);
    if (!meter.finished) meter.failed(error);
    throw error;
  } finally {
    group.close();
  }
}

/**
 * Sends a same-dialect JSON answer as its first client received it, when this client asked for JSON on the
 * same surface; false when the answer must be encoded instead.
 */
export function sendRawAnswer(exchange: Exchange, meter: CallMeter, answer: CachedAnswer, surface: string, stream: boolean): boolean {
  const raw = answer.raw;
  if (stream || raw === undefined || raw.surface !== surface) return false;
  const body = Buffer.from(raw.body);
  const usage = answer.kind === 'chat' ? answer.result.usage : undefined;
  meter.markFirstToken();
  exchange.response.writeHead(200, { ...usageHeaders(usage, meter.succeeded(usage)), 'content-type': raw.contentType, 'content-length': body.length });
  exchange.response.end(body);
  return true;
}

/** The chat answer of an entry; an entry of another kind under a chat key is a bug, reported as such. */
export function cachedChat(answer: CachedAnswer): ChatResult {
  if (answer.kind === 'chat') return answer.result;
  throw new GatewayError('internal', 'The response cache holds embeddings where a chat answer was expected.');
}

export function cachedEmbeddings(answer: CachedAnswer): EmbedResult {
  if (answer.kind === 'embed') return answer.result;
  throw new GatewayError('internal', 'The response cache holds a chat answer where embeddings were expected.');
}

/** A cached chat answer as the stream a provider would have sent, for the surface's stream encoder. */
export async function* replayedParts(result: ChatResult): AsyncGenerator<StreamPart> {
  yield* resultToParts(result);
}
