// User content parts (text, image, audio, file) → Gemini parts. https://ai.google.dev/api/caching#Part
import type { ContentPart } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type { GeminiPart } from './gemini-wire.js';

/**
 * Image types by extension, for `fileData.mimeType` (required by Gemini). An unknown extension is sent as
 * image/jpeg: Gemini sniffs the bytes it fetches, and a wrong image subtype is accepted where a missing one is not.
 */
const imageTypes: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

export function toUserParts(parts: ContentPart[], messageIndex: number): GeminiPart[] {
  return parts.flatMap((part, partIndex): GeminiPart[] => {
    const param = `messages[${messageIndex}].content[${partIndex}]`;
    switch (part.type) {
      case 'text':
        return part.text === '' ? [] : [{ text: part.text }];
      case 'image':
        return [imagePart(part.url, param)];
      case 'audio':
        return [{ inlineData: { mimeType: `audio/${part.format}`, data: part.data } }];
      case 'file':
        return [filePart(part, param)];
    }
  });
}

/**
 * A data URL becomes `inlineData`. An http(s) URL is passed as `fileData.fileUri`: Gemini fetches public URLs
 * itself, which keeps the gateway from downloading client-chosen URLs (latency, memory, SSRF). A URL Gemini
 * cannot fetch comes back as its own 400, which reaches the client as a 400.
 */
function imagePart(url: string, param: string): GeminiPart {
  if (url.startsWith('data:')) {
    const parsed = parseBase64DataUrl(url);
    if (!parsed) throw invalid(`${param}.image_url`, 'The image data URL must have the form data:<media type>;base64,<data>.');
    return { inlineData: { mimeType: parsed.mimeType, data: parsed.data } };
  }
  if (url.startsWith('https://') || url.startsWith('http://')) {
    return { fileData: { mimeType: guessImageType(url), fileUri: url } };
  }
  throw invalid(`${param}.image_url`, 'The image URL must be an http(s) URL or a base64 data URL.');
}

function filePart(part: Extract<ContentPart, { type: 'file' }>, param: string): GeminiPart {
  if (part.data !== undefined) {
    const parsed = part.data.startsWith('data:') ? parseBase64DataUrl(part.data) : undefined;
    if (parsed) return { inlineData: parsed };
    return { inlineData: { mimeType: part.mediaType ?? 'application/pdf', data: part.data } };
  }
  // A Gemini Files API URI (https://generativelanguage.googleapis.com/v1beta/files/…) can be referenced directly.
  if (part.fileId?.startsWith('https://')) {
    return { fileData: { mimeType: part.mediaType ?? 'application/pdf', fileUri: part.fileId } };
  }
  throw invalid(`${param}.file`, 'Gemini accepts files as file_data (base64) or a Gemini Files API URI, not a file id.');
}

function parseBase64DataUrl(url: string): { mimeType: string; data: string } | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice('data:'.length, comma);
  if (!header.endsWith(';base64')) return undefined;
  const mimeType = header.slice(0, -';base64'.length).split(';')[0] ?? '';
  if (mimeType === '') return undefined;
  return { mimeType, data: url.slice(comma + 1) };
}

function guessImageType(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'image/jpeg';
  }
  const dot = path.lastIndexOf('.');
  const extension = dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
  return imageTypes[extension] ?? 'image/jpeg';
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
