// Checks, before anything is measured, that a target really answers like the upstream: status 200,
// the same JSON shape (key paths and value types) and SSE events as a direct call, the same text,
// and the usage the client asked for. A target that errors fast must not look fast.
import { createParser } from 'eventsource-parser';
import { request } from 'undici';

export async function fetchOnce(origin, spec) {
  const { statusCode, headers, body } = await request(new URL(spec.path, origin), {
    method: 'POST', headers: spec.headers, body: spec.body, headersTimeout: 10_000, bodyTimeout: 10_000,
  });
  return { status: statusCode, contentType: String(headers['content-type'] ?? ''), text: await body.text() };
}

// "path:type" entries for every leaf and container, arrays collapsed to "[]".
function keyPaths(value, prefix = '$', into = new Set()) {
  if (value === null) into.add(`${prefix}:null`);
  else if (Array.isArray(value)) {
    into.add(`${prefix}:array`);
    for (const item of value) keyPaths(item, `${prefix}[]`, into);
  } else if (typeof value === 'object') {
    into.add(`${prefix}:object`);
    for (const key of Object.keys(value)) keyPaths(value[key], `${prefix}.${key}`, into);
  } else into.add(`${prefix}:${typeof value}`);
  return into;
}

function parseSse(text) {
  const events = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}

function openAiReading(response, stream, problems) {
  if (!stream) {
    const json = JSON.parse(response.text);
    const message = json.choices?.[0]?.message;
    if (json.object !== 'chat.completion' || typeof json.id !== 'string' || typeof json.created !== 'number') problems.push('not a chat.completion object');
    if (typeof message?.content !== 'string' || typeof json.choices?.[0]?.finish_reason !== 'string') problems.push('no choices[0].message.content / finish_reason');
    return { paths: keyPaths(json), eventCount: 1, text: message?.content, usage: json.usage ?? null };
  }
  const events = parseSse(response.text);
  const last = events.at(-1);
  if (last?.data !== '[DONE]') problems.push('stream does not end with data: [DONE]');
  const paths = new Set();
  let text = '';
  let usage = null;
  for (const event of events.slice(0, last?.data === '[DONE]' ? -1 : undefined)) {
    const chunk = JSON.parse(event.data);
    if (chunk.object !== 'chat.completion.chunk') problems.push(`event is not a chat.completion.chunk: ${event.data.slice(0, 120)}`);
    keyPaths(chunk, '$', paths);
    text += chunk.choices?.[0]?.delta?.content ?? '';
    usage = chunk.usage ?? usage;
  }
  return { paths, eventCount: events.length, text, usage };
}

function anthropicReading(response, stream, problems) {
  if (!stream) {
    const json = JSON.parse(response.text);
    const text = (json.content ?? []).filter((block) => block.type === 'text').map((block) => block.text).join('');
    return { paths: keyPaths(json), eventCount: 1, text, usage: json.usage ?? null };
  }
  const events = parseSse(response.text);
  if (events.at(-1)?.event !== 'message_stop') problems.push('stream does not end with message_stop');
  const paths = new Set();
  let text = '';
  let usage = null;
  for (const event of events) {
    const data = JSON.parse(event.data);
    keyPaths(data, '$', paths);
    if (data.type === 'content_block_delta' && data.delta?.type === 'text_delta') text += data.delta.text;
    usage = data.usage ?? data.message?.usage ?? usage;
  }
  return { paths, eventCount: events.length, text, usage };
}

// Reads one response: {problems, paths, eventCount, text, usage}. Never throws.
export function readResponse(spec, response, stream) {
  const problems = [];
  if (response.status !== 200) {
    return { problems: [`status ${response.status}: ${response.text.slice(0, 300)}`] };
  }
  const expectedType = stream ? 'text/event-stream' : 'application/json';
  if (!response.contentType.startsWith(expectedType)) problems.push(`content-type ${response.contentType || '(none)'}, expected ${expectedType}`);
  try {
    const reading = spec.dialect === 'anthropic' ? anthropicReading(response, stream, problems) : openAiReading(response, stream, problems);
    if (!reading.usage) problems.push('no usage in the response');
    return { ...reading, problems };
  } catch (error) {
    return { problems: [...problems, `unreadable body (${error.message}): ${response.text.slice(0, 200)}`] };
  }
}

function difference(left, right) {
  return [...left].filter((entry) => !right.has(entry));
}

// Compares a target's reading with the direct reading. `sameFormat` is false for the translated
// route, whose reference shape is the direct OpenAI answer: fields Anthropic cannot supply then
// only warn. `expectedText` (null when the simulator is not deterministic) must match exactly.
export function compareReadings(target, reference, { sameFormat, expectedText }) {
  const problems = [...target.problems];
  const warnings = [];
  if (problems.length > 0 || !reference.paths) return { problems, warnings };
  const missing = difference(reference.paths, target.paths);
  const extra = difference(target.paths, reference.paths);
  if (missing.length > 0) (sameFormat ? problems : warnings).push(`missing vs direct: ${missing.slice(0, 8).join(', ')}`);
  if (extra.length > 0) warnings.push(`extra vs direct: ${extra.slice(0, 8).join(', ')}`);
  if (sameFormat && target.eventCount !== reference.eventCount) {
    warnings.push(`${target.eventCount} SSE events, direct has ${reference.eventCount}`);
  }
  if (expectedText !== null && target.text !== expectedText) {
    problems.push(`text differs from direct: ${JSON.stringify(String(target.text).slice(0, 60))} vs ${JSON.stringify(String(expectedText).slice(0, 60))}`);
  }
  return { problems, warnings };
}
