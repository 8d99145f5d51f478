// The requests each target is sent, per route and streaming mode.
//   pass-through: the client speaks OpenAI Chat Completions, the upstream is OpenAI.
//   translated:   the client speaks OpenAI, the upstream is Anthropic Messages. Its direct
//                 reference is the equivalent Anthropic request sent straight to the simulator.
// Bodies are ~500 bytes, like a short real chat turn.
export const routes = ['pass-through', 'translated'];

const system = 'You are a concise assistant. Answer in one short paragraph and do not use lists.';
const question = 'In two or three sentences, explain why a gateway in front of several language model providers '
  + 'should forward streamed chunks as soon as they arrive instead of buffering them.';

const clientModels = {
  gateway: { 'pass-through': 'openai/gpt-4o-mini', translated: 'anthropic/claude-haiku-4-5' },
  // The baselines forward bytes as they are, so they send what the gateway sends upstream.
  upstream: { 'pass-through': 'gpt-4o-mini', translated: 'claude-haiku-4-5' },
};

function openAiBody(model, stream) {
  return {
    model,
    messages: [{ role: 'system', content: system }, { role: 'user', content: question }],
    max_tokens: 256,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

function anthropicBody(model, stream) {
  return {
    model,
    max_tokens: 256,
    system,
    messages: [{ role: 'user', content: question }],
    ...(stream ? { stream: true } : {}),
  };
}

// `kind` is 'direct', 'baseline' or 'gateway'. Returns {path, headers, body, terminator, dialect}.
export function requestFor(kind, route, stream, clientKey) {
  if (kind === 'direct' && route === 'translated') {
    return {
      dialect: 'anthropic',
      path: '/v1/messages',
      headers: { 'content-type': 'application/json', 'x-api-key': 'bench', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(anthropicBody(clientModels.upstream.translated, stream)),
      terminator: stream ? 'message_stop' : null,
    };
  }
  const model = (kind === 'gateway' ? clientModels.gateway : clientModels.upstream)[route];
  return {
    dialect: 'openai',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` },
    body: JSON.stringify(openAiBody(model, stream)),
    terminator: stream ? 'data: [DONE]' : null,
  };
}
