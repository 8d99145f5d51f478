// Validation at the trust boundary: the first schema issue becomes a 400 that names the field.
import type { z } from 'zod';
import { GatewayError } from '../core/errors.js';

/** Validates a body, turning the first schema issue into a 400 that names the field (`param` in OpenAI's envelope, `details.field` in the platform's). */
export function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = pickIssue(result.error.issues);
  const param = formatPath(issue.path);
  const detail = issue.code === 'invalid_union' ? unionHint(issue) : issue.message;
  const message = param ? `Invalid value for '${param}': ${detail}` : detail;
  throw new GatewayError('invalid_request', message, { param: param || null, publicCode: 'invalid_value' });
}

function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  // A missing required field says more than a type mismatch elsewhere in the same union.
  return issues[0]!;
}

function unionHint(issue: z.core.$ZodIssue): string {
  if ('note' in issue && typeof issue.note === 'string') return issue.note;
  if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors)) {
    // Report the branch that got furthest: its first issue names the deepest field.
    const deepest = issue.errors
      .map((branch) => branch[0])
      .filter((entry): entry is z.core.$ZodIssue => entry !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest && deepest.path.length > 0) return `${formatPath(deepest.path)}: ${deepest.message}`;
  }
  return issue.message;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text ? `.${String(key)}` : String(key);
  }
  return text;
}
