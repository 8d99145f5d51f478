// Mistral refuses tool call ids that are not exactly 9 characters of [a-zA-Z0-9]
// (https://github.com/langchain-ai/langchain/pull/24668). Ids from other providers (`call_…`, `toolu_…`) are
// rewritten by hashing, so a call and its result, rewritten separately, still carry the same id.
import { createHash } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const valid = /^[a-zA-Z0-9]{9}$/;

export function mistralToolCallId(id: string): string {
  if (valid.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i += 1) out += alphabet[digest[i]! % alphabet.length];
  return out;
}
