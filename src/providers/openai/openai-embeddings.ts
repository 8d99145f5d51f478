// `/embeddings` request and response (openai.md §8). Vectors are asked as base64 float32 little-endian where the
// server honours it: a quarter of the bytes of JSON floats, and no float parsing. Float arrays are read too.
import type { EmbedRequest, EmbedResult } from '../../core/chat.js';
import { GatewayError } from '../../core/errors.js';
import type { CompatiblePreset } from '../compatible/presets.js';
import type { RequestBody } from './openai-chat-request.js';
import { countOf, isRecord, recordOf, stringOf } from './openai-wire.js';

export function encodeEmbedRequest(request: EmbedRequest, preset: CompatiblePreset | undefined): RequestBody {
  const body: RequestBody = { model: request.model, input: request.input };
  if (!preset || preset.embeddingsBase64) body.encoding_format = 'base64';
  if (request.dimensions !== undefined) body[preset?.mistralOutputDimension ? 'output_dimension' : 'dimensions'] = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return body;
}

export function decodeEmbedResponse(raw: unknown, provider: string): EmbedResult {
  if (!isRecord(raw) || !Array.isArray(raw.data)) throw badResponse(provider);
  const rows = raw.data.filter(isRecord);
  // `index` says which input each vector belongs to; do not rely on arrival order.
  rows.sort((a, b) => (typeof a.index === 'number' ? a.index : 0) - (typeof b.index === 'number' ? b.index : 0));
  const embeddings = rows.map((row) => {
    if (typeof row.embedding === 'string') return decodeFloat32Base64(row.embedding);
    if (Array.isArray(row.embedding) && row.embedding.every((value) => typeof value === 'number')) {
      return row.embedding as number[];
    }
    throw badResponse(provider);
  });
  return {
    model: stringOf(raw.model) ?? '',
    embeddings,
    usage: { input: countOf(recordOf(raw.usage)?.prompt_tokens) },
  };
}

/** Base64 of consecutive little-endian IEEE-754 float32 values → numbers. */
export function decodeFloat32Base64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const values = new Array<number>(bytes.length >>> 2);
  for (let i = 0; i < values.length; i += 1) values[i] = bytes.readFloatLE(i * 4);
  return values;
}

const badResponse = (provider: string): GatewayError =>
  new GatewayError('upstream_bad_response', `Provider '${provider}' sent an embeddings response we cannot read.`, {
    provider,
  });
