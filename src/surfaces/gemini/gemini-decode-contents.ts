// Gemini `systemInstruction` + `contents` (already validated) → neutral messages. The reverse of
// providers/gemini/gemini-contents.ts; rules in shared/reference/mapping.md §1–2.
//
// Gemini function calls usually carry no id, and a functionResponse names only its function, while the neutral
// form (and every other provider) pairs a result with its call by id. So each call gets the id it carries
// (Gemini 3 sends one) or `call_<content>_<part>`, the same for the same history on every request, and each
// response is paired with a call of the latest model turn: by id when it carries one that matches, else the
// first unanswered call of that name.
import type { AssistantMessage, ContentPart, Message, TextPart, ToolCall, ToolMessage } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type { GeminiContentInput, GeminiGenerateContent, GeminiPartInput } from './gemini-request-schemas.js';

type OpenCall = { id: string; name: string };

export function decodeContents(
  contents: GeminiContentInput[],
  systemInstruction: GeminiGenerateContent['systemInstruction'],
): Message[] {
  const messages: Message[] = [];
  const system = systemText(systemInstruction);
  if (system !== '') messages.push({ role: 'system', content: system });
  let open: OpenCall[] = [];
  contents.forEach((content, index) => {
    const param = `contents[${index}]`;
    if (content.role === 'model') {
      const message = modelMessage(content.parts, index);
      // Results answer the calls of the model turn right before them; older unanswered calls are closed.
      open = (message?.toolCalls ?? []).map((call) => ({ id: call.id, name: call.name }));
      if (message) messages.push(message);
      return;
    }
    const { results, user } = userMessages(content.parts, param, open);
    messages.push(...results);
    if (user.length > 0) messages.push({ role: 'user', content: user });
  });
  return messages;
}

function systemText(instruction: GeminiGenerateContent['systemInstruction']): string {
  const parts = instruction?.parts ?? [];
  return parts
    .map((part, index) => {
      if (part.text === undefined) {
        throw invalid(`systemInstruction.parts[${index}]`, 'The system instruction may only contain text parts.');
      }
      return part.text;
    })
    .filter((text) => text !== '')
    .join('\n');
}

/**
 * A model turn: its text, its thought summaries as reasoning, its function calls. Other parts (generated
 * images, executable code) have no neutral form and are left out; a turn with nothing left is dropped.
 */
function modelMessage(parts: GeminiPartInput[], contentIndex: number): AssistantMessage | undefined {
  const content: TextPart[] = [];
  const toolCalls: ToolCall[] = [];
  let reasoning = '';
  parts.forEach((part, partIndex) => {
    if (part.functionCall) {
      const call = part.functionCall;
      toolCalls.push({ id: call.id || `call_${contentIndex}_${partIndex}`, name: call.name, arguments: JSON.stringify(call.args ?? {}) });
    } else if (part.functionResponse) {
      throw invalid(`contents[${contentIndex}].parts[${partIndex}].functionResponse`, 'A functionResponse belongs in a user turn.');
    } else if (part.text !== undefined && part.text !== '') {
      if (part.thought) reasoning += part.text;
      else content.push({ type: 'text', text: part.text });
    }
  });
  if (content.length === 0 && toolCalls.length === 0) return undefined;
  return {
    role: 'assistant',
    content,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(reasoning !== '' ? { reasoning } : {}),
  };
}

/** A user turn: its function responses become tool messages (first, as the neutral order wants), the rest one user message. */
function userMessages(parts: GeminiPartInput[], param: string, open: OpenCall[]): { results: ToolMessage[]; user: ContentPart[] } {
  const results: ToolMessage[] = [];
  const user: ContentPart[] = [];
  parts.forEach((part, partIndex) => {
    const partParam = `${param}.parts[${partIndex}]`;
    if (part.functionResponse) {
      const call = takeCall(open, part.functionResponse, `${partParam}.functionResponse`);
      results.push({ role: 'tool', toolCallId: call.id, content: [{ type: 'text', text: responseText(part.functionResponse.response) }] });
      return;
    }
    if (part.functionCall) throw invalid(`${partParam}.functionCall`, 'A functionCall belongs in a model turn.');
    const decoded = userPart(part, partParam);
    if (decoded) user.push(decoded);
  });
  return { results, user };
}

function takeCall(open: OpenCall[], response: { id?: string | undefined; name: string }, param: string): OpenCall {
  let position = response.id ? open.findIndex((call) => call.id === response.id) : -1;
  if (position < 0) position = open.findIndex((call) => call.name === response.name);
  if (position < 0) {
    throw invalid(
      `${param}.name`,
      `No functionCall named '${response.name}' in the model turn before this one is waiting for a response.`,
    );
  }
  return open.splice(position, 1)[0]!;
}

/**
 * The neutral tool result is text. Google's convention `{"output": "…"}` (and `{"content": "…"}`, what
 * translators send) is unwrapped; any other object travels as its JSON.
 */
function responseText(response: Record<string, unknown>): string {
  const keys = Object.keys(response);
  if (keys.length === 1 && (keys[0] === 'output' || keys[0] === 'content')) {
    const value = response[keys[0]];
    if (typeof value === 'string') return value;
  }
  return JSON.stringify(response);
}

function userPart(part: GeminiPartInput, param: string): ContentPart | undefined {
  if (part.text !== undefined) return part.text === '' || part.thought ? undefined : { type: 'text', text: part.text };
  if (part.inlineData) return inlinePart(part.inlineData.mimeType, part.inlineData.data);
  if (part.fileData) {
    const { mimeType, fileUri } = part.fileData;
    if (mimeType === undefined || mimeType.startsWith('image/')) return { type: 'image', url: fileUri };
    return { type: 'file', fileId: fileUri, mediaType: mimeType };
  }
  throw invalid(param, 'Unsupported part: expected text, inlineData, fileData, functionCall or functionResponse.');
}

/** OpenAI's input_audio formats are the subtypes' usual names (`wav`, `mp3`). */
const audioFormats: Record<string, string> = { 'audio/mpeg': 'mp3', 'audio/mp3': 'mp3', 'audio/wav': 'wav', 'audio/x-wav': 'wav' };

function inlinePart(mimeType: string, data: string): ContentPart {
  if (mimeType.startsWith('image/')) return { type: 'image', url: `data:${mimeType};base64,${data}` };
  if (mimeType.startsWith('audio/')) return { type: 'audio', data, format: audioFormats[mimeType] ?? mimeType.slice('audio/'.length) };
  return { type: 'file', data, mediaType: mimeType };
}

export function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', `${param}: ${message}`, { param, publicCode: 'invalid_value' });
}
