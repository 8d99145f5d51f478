// Request validation in Anthropic's words: the first problem becomes a 400 whose message starts with the dotted
// path of the field, as the Messages API writes it (`max_tokens: Field required`,
// `messages.1.content.0.type: Input tag 'video' found using 'type' does not match any of the expected tags: …`).
import type { z } from 'zod';
import { GatewayError } from '../../core/errors.js';
import { messagesRequestSchema, type MessagesRequest } from './anthropic-request-schema.js';

type Issue = z.core.$ZodIssue;

export function validateMessagesRequest(body: Record<string, unknown>): MessagesRequest {
  const result = messagesRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const { path, message } = describe(result.error.issues[0]!, [], body);
  throw invalidField(path, message);
}

/** A 400 naming the field with its dotted path, in the message and as the error's `param`. */
export function invalidField(path: readonly PropertyKey[], message: string): GatewayError {
  const field = path.map(String).join('.');
  return new GatewayError('invalid_request', field ? `${field}: ${message}` : message, {
    param: field || null,
    publicCode: 'invalid_value',
  });
}

function describe(issue: Issue, prefix: readonly PropertyKey[], body: unknown): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union') {
    // An unknown block type: zod's path already ends at the tag key.
    if (issue.discriminator !== undefined && issue.errors.length === 0) return { path, message: tagMessage(issue, valueAt(body, path)) };
    // A union of a string and an array of blocks: report the branch that got furthest (the deepest field).
    const deepest = issue.errors
      .map((branch) => branch[0])
      .filter((entry): entry is Issue => entry !== undefined)
      .sort((a, b) => depth(b) - depth(a))[0];
    if (deepest && depth(deepest) > 0) return describe(deepest, path, body);
    if (valueAt(body, path) === undefined) return { path, message: 'Field required' };
    const expected = issue.errors.flatMap((branch) => (branch[0]?.code === 'invalid_type' ? [branch[0].expected] : []));
    if (expected.length > 0) return { path, message: `Input should be of type ${expected.join(' or ')}` };
  }
  if (issue.code === 'invalid_type' && valueAt(body, path) === undefined) return { path, message: 'Field required' };
  return { path, message: issue.message };
}

function tagMessage(issue: Extract<Issue, { code: 'invalid_union' }>, tag: unknown): string {
  const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
  const expected = options.map((option) => `'${String(option)}'`).join(', ');
  if (tag === undefined) return `Field required (one of ${expected})`;
  return `Input tag ${JSON.stringify(tag)} found using '${issue.discriminator}' does not match any of the expected tags: ${expected}`;
}

/** The length of the path an issue names, nested union branches included. */
function depth(issue: Issue): number {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue.path.length;
  const inner = issue.errors.map((branch) => (branch[0] ? depth(branch[0]) : 0));
  return issue.path.length + Math.max(...inner);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
