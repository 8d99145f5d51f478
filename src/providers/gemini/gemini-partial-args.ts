// Rebuilds a function call's arguments streamed in fragments: Vertex's `streamFunctionCallArguments` sends
// `functionCall.partialArgs: [{jsonPath: "$.a[0].b", stringValue | numberValue | boolValue | nullValue, willContinue}]`
// after a `{name, willContinue: true}` part, and ends the call with a part whose functionCall has no `willContinue`
// (recorded in vercel/ai packages/google/src/__fixtures__/google-stream-tool-call-arguments.chunks.txt).
// The Gemini API sends arguments whole; this keeps a Vertex-compatible upstream from producing empty calls.
import type { JsonObject, JsonValue } from '../../core/chat.js';
import type { GeminiPartialArg } from './gemini-response-schema.js';

type PathToken = string | number;
type Container = JsonObject | JsonValue[];

export class PartialArguments {
  // Null-prototype containers: a `__proto__` path token becomes a plain key, not a prototype change.
  private readonly root: JsonObject = Object.create(null) as JsonObject;
  /** Paths whose string value continues in the next fragment. */
  private readonly continuing = new Set<string>();

  apply(fragments: readonly GeminiPartialArg[]): void {
    for (const fragment of fragments) {
      const path = fragment.jsonPath;
      const tokens = path ? parsePath(path) : undefined;
      if (!path || !tokens || tokens.length === 0) continue;
      const value = fragmentValue(fragment);
      if (value === undefined) continue;
      const append = typeof value === 'string' && this.continuing.has(path);
      setAt(this.root, tokens, value, append);
      if (fragment.willContinue) this.continuing.add(path);
      else this.continuing.delete(path);
    }
  }

  toJson(): string {
    return JSON.stringify(this.root);
  }
}

function fragmentValue(fragment: GeminiPartialArg): JsonValue | undefined {
  if (typeof fragment.stringValue === 'string') return fragment.stringValue;
  if (typeof fragment.numberValue === 'number') return fragment.numberValue;
  if (typeof fragment.boolValue === 'boolean') return fragment.boolValue;
  if (fragment.nullValue !== undefined && fragment.nullValue !== null) return null;
  return undefined;
}

/** `$.a.b[0]['c d']` → ['a', 'b', 0, 'c d']; undefined when the path is not of that simple form. */
function parsePath(path: string): PathToken[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const tokens: PathToken[] = [];
  let position = 1;
  while (position < path.length) {
    if (path[position] === '.') {
      let end = position + 1;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end += 1;
      tokens.push(path.slice(position + 1, end));
      position = end;
    } else if (path[position] === '[') {
      const end = path.indexOf(']', position);
      if (end < 0) return undefined;
      const inner = path.slice(position + 1, end);
      const quoted = inner.length >= 2 && (inner[0] === "'" || inner[0] === '"') && inner.at(-1) === inner[0];
      const index = Number(inner);
      if (!quoted && !Number.isInteger(index)) return undefined;
      tokens.push(quoted ? inner.slice(1, -1) : index);
      position = end + 1;
    } else return undefined;
  }
  return tokens;
}

function setAt(root: JsonObject, tokens: PathToken[], value: JsonValue, append: boolean): void {
  let node: Container = root;
  for (let position = 0; position < tokens.length; position += 1) {
    const token = tokens[position]!;
    const last = position === tokens.length - 1;
    if (!canIndex(node, token)) return;
    const current: JsonValue | undefined = (node as Record<PathToken, JsonValue | undefined>)[token];
    if (last) {
      const next = append && typeof current === 'string' && typeof value === 'string' ? current + value : value;
      (node as Record<PathToken, JsonValue>)[token] = next;
      return;
    }
    const wantsArray = typeof tokens[position + 1] === 'number';
    if (typeof current === 'object' && current !== null && Array.isArray(current) === wantsArray) {
      node = current;
    } else {
      const child: Container = wantsArray ? [] : (Object.create(null) as JsonObject);
      (node as Record<PathToken, JsonValue>)[token] = child;
      node = child;
    }
  }
}

/** Arrays grow by at most one element per fragment, so a hostile index cannot allocate a huge sparse array. */
function canIndex(node: Container, token: PathToken): boolean {
  if (Array.isArray(node)) return typeof token === 'number' && token >= 0 && token <= node.length;
  return typeof token === 'string';
}
