// JSON Schema (what OpenAI clients send) → the OpenAPI 3.0 subset Gemini accepts as `Schema`.
// Field list: https://ai.google.dev/api/caching#Schema . Gemini answers 400 to keywords outside it
// (`additionalProperties`, `$schema`, `$ref`, `const`, type arrays…), so they are rewritten or dropped,
// in the spirit of Vercel's convert-json-schema-to-openapi-schema.ts (packages/google/src).
import type { JsonObject, JsonValue } from '../../core/chat.js';

/** Keywords copied as they are (after their sub-schemas are converted). */
const plainKeywords = [
  'title',
  'description',
  'required',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'default',
  'example',
  'propertyOrdering',
] as const;

/**
 * Gemini's string `format`s are only `enum` and `date-time`, its numeric ones the OpenAPI widths;
 * anything else (`email`, `uri`…) is refused, so it is dropped (the usual rule of Gemini schema sanitisers).
 */
const supportedFormats = new Set(['enum', 'date-time', 'float', 'double', 'int32', 'int64']);

/**
 * Gemini has no references, so `$ref`s are inlined. Recursive schemas are cut after `maxRefDepth` nested
 * references, and a schema whose inlining would explode (many references per level) after `maxRefExpansions`.
 */
const maxRefDepth = 8;
const maxRefExpansions = 500;

type Context = { root: JsonObject; refDepth: number; expansions: { count: number } };

/** Converts a JSON Schema; returns undefined for an object schema without properties (Gemini wants none then). */
export function toGeminiSchema(schema: JsonObject | undefined): JsonObject | undefined {
  if (schema === undefined || isEmptyObjectSchema(schema)) return undefined;
  return convert(schema, { root: schema, refDepth: 0, expansions: { count: 0 } });
}

export function isEmptyObjectSchema(schema: JsonObject): boolean {
  const properties = schema.properties;
  const noProperties = !isObject(properties) || Object.keys(properties).length === 0;
  return schema.type === 'object' && noProperties && !hasComposition(schema) && schema.$ref === undefined;
}

function convert(value: JsonValue | undefined, context: Context): JsonObject {
  if (!isObject(value)) return {}; // `true` / `{}`: any value; `false` cannot be expressed.
  const schema = resolveRef(value, context);
  if (schema !== value) return convert(schema, { ...context, refDepth: context.refDepth + 1 });
  const merged = mergeAllOf(schema, context);
  const result: JsonObject = {};
  applyType(merged, result);
  for (const keyword of plainKeywords) {
    const keywordValue = merged[keyword];
    if (keywordValue !== undefined) result[keyword] = keywordValue;
  }
  if (typeof merged.format === 'string' && supportedFormats.has(merged.format)) result.format = merged.format;
  if (merged.const !== undefined) result.enum = [merged.const];
  if (Array.isArray(merged.enum)) result.enum = merged.enum;
  if (isObject(merged.properties) && Object.keys(merged.properties).length > 0) {
    result.properties = Object.fromEntries(
      Object.entries(merged.properties).map(([name, property]) => [name, convert(property, context)]),
    );
  }
  if (merged.items !== undefined) {
    // Tuple `items` (an array) has no OpenAPI 3.0 form: the first entry stands for all.
    result.items = convert(Array.isArray(merged.items) ? merged.items[0] : merged.items, context);
  }
  applyAnyOf(merged, result, context);
  return result;
}

/** `type: ['string', 'null']` → `type: 'string', nullable: true`; several non-null types → `anyOf`. */
function applyType(schema: JsonObject, result: JsonObject): void {
  const type = schema.type;
  if (typeof type === 'string') {
    result.type = type;
    return;
  }
  if (!Array.isArray(type)) return;
  const nonNull = type.filter((entry) => entry !== 'null');
  if (nonNull.length < type.length) result.nullable = true;
  if (nonNull.length === 1) result.type = nonNull[0]!;
  else if (nonNull.length > 1) result.anyOf = nonNull.map((entry) => ({ type: entry }));
  else result.type = 'null';
}

/** `anyOf`/`oneOf` (Gemini knows only `anyOf`); a `{type: 'null'}` branch becomes `nullable`. */
function applyAnyOf(schema: JsonObject, result: JsonObject, context: Context): void {
  const branches = [...asArray(schema.anyOf), ...asArray(schema.oneOf)];
  if (branches.length === 0) return;
  const nonNull = branches.filter((branch) => !(isObject(branch) && branch.type === 'null'));
  if (nonNull.length < branches.length) result.nullable = true;
  // The outer keywords (e.g. its description) win over the single branch's.
  if (nonNull.length === 1) Object.assign(result, { ...convert(nonNull[0], context), ...result });
  else if (nonNull.length > 1) result.anyOf = nonNull.map((branch) => convert(branch, context));
}

/**
 * `allOf` has no Gemini form: the members' keywords are merged in order, then the schema's own on top
 * (properties and required united).
 */
function mergeAllOf(schema: JsonObject, context: Context): JsonObject {
  if (!Array.isArray(schema.allOf)) return schema;
  const { allOf, ...own } = schema;
  const members = allOf.filter(isObject).map((member) => mergeAllOf(resolveRef(member, context), context));
  let merged: JsonObject = {};
  for (const part of [...members, own]) {
    merged = {
      ...merged,
      ...part,
      properties: { ...asObject(merged.properties), ...asObject(part.properties) },
      required: [...new Set([...asStrings(merged.required), ...asStrings(part.required)])],
    };
  }
  if (Object.keys(asObject(merged.properties)).length === 0) delete merged.properties;
  if (asStrings(merged.required).length === 0) delete merged.required;
  return merged;
}

/** Inlines a local `$ref` (`#/$defs/x`, `#/definitions/x`, any JSON pointer into the root); cuts deep recursion. */
function resolveRef(schema: JsonObject, context: Context): JsonObject {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const { $ref: _ref, ...siblings } = schema;
  const found = resolvePointer(context.root, ref);
  const target = isObject(found) ? found : { type: 'object' };
  context.expansions.count += 1;
  if (context.refDepth >= maxRefDepth || context.expansions.count > maxRefExpansions) {
    // A recursive schema: the deepest level keeps its type and description, without further structure.
    return { type: typeof target.type === 'string' ? target.type : 'object', ...pick({ ...target, ...siblings }, 'description') };
  }
  // Keywords next to `$ref` (JSON Schema 2019+) refine it, e.g. a description.
  return { ...target, ...siblings };
}

function resolvePointer(root: JsonObject, ref: string): JsonValue | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: JsonValue | undefined = root;
  for (const token of ref.slice(1).split('/').slice(1)) {
    const key = decodePointerToken(token);
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
  }
  return node;
}

/** RFC 6901 unescaping inside a URI fragment; a malformed escape is taken literally, not thrown. */
function decodePointerToken(token: string): string {
  let decoded = token;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    // keep the raw token
  }
  return decoded.replaceAll('~1', '/').replaceAll('~0', '~');
}

function hasComposition(schema: JsonObject): boolean {
  return schema.anyOf !== undefined || schema.oneOf !== undefined || schema.allOf !== undefined;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: JsonValue | undefined): JsonObject {
  return isObject(value) ? value : {};
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function asStrings(value: JsonValue | undefined): string[] {
  return asArray(value).filter((entry): entry is string => typeof entry === 'string');
}

function pick(schema: JsonObject, key: string): JsonObject {
  return schema[key] === undefined ? {} : { [key]: schema[key]! };
}
