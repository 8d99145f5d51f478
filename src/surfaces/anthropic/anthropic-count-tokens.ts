// POST /v1/messages/count_tokens on the main host (Claude Code asks it to manage its context). A Claude model:
// the provider counts (relayed as is). Any other model: no provider counts like Anthropic, so the answer is an
// ESTIMATE, ceil(characters / 4) over the system prompt, the messages (tool calls and results as their JSON)
// and the tool definitions, plus 1,600 tokens per image or document (Anthropic's figure for a ~1.15 MP image).
import { z } from 'zod';
import { parseJsonObject, readBody } from '../../http/body.js';
import { sendJson, type Exchange } from '../../http/server.js';
import { validate } from '../../http/validate.js';
import { routeWithCredential } from '../../pipeline/call-credential.js';
import type { ModelCallDeps } from '../../pipeline/model-call.js';
import { relayToProvider } from '../../pipeline/provider-relay.js';
import { anthropicStreamErrorEvent } from './anthropic-errors.js';

const tokensPerMedia = 1_600;

const countTokensSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]) })),
  system: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  tools: z.array(z.looseObject({})).optional(),
});

export async function handleCountTokens(deps: ModelCallDeps, exchange: Exchange): Promise<void> {
  exchange.response.setHeader('request-id', exchange.requestId);
  const raw = await readBody(exchange.request, deps.bodyLimit);
  const json = parseJsonObject(raw, exchange.request.headers['content-type']).value;
  const body = validate(countTokensSchema, json);
  const { route, apiKey, source } = await routeWithCredential(deps.directory, deps.vault, exchange.principal, body.model, 'chat');
  exchange.response.setHeader('x-provider', route.entry.provider);
  const connection = deps.connectionFor?.(route.entry.provider);
  if (connection?.dialect === 'anthropic') {
    return relayToProvider(exchange, {
      connection,
      method: 'POST',
      path: '/v1/messages/count_tokens',
      body: Buffer.from(JSON.stringify({ ...json, model: route.entry.upstreamId })),
      meter: undefined,
      apiKey,
      byok: source === 'byok',
      streamError: (error) => anthropicStreamErrorEvent(error, exchange.requestId),
    });
  }
  sendJson(exchange.response, 200, { input_tokens: estimate(body) });
}

function estimate(body: z.infer<typeof countTokensSchema>): number {
  let characters = 0;
  let media = 0;
  const count = (content: string | Array<Record<string, unknown>>) => {
    if (typeof content === 'string') return void (characters += content.length);
    for (const block of content) {
      if (block.type === 'text' && typeof block.text === 'string') characters += block.text.length;
      else if (block.type === 'image' || block.type === 'document') media += 1;
      else characters += JSON.stringify(block).length;
    }
  };
  if (body.system !== undefined) count(body.system);
  for (const message of body.messages) count(message.content);
  if (body.tools !== undefined) characters += JSON.stringify(body.tools).length;
  return Math.ceil(characters / 4) + media * tokensPerMedia;
}
