// Gemini `Schema` (the OpenAPI 3.0 subset with UPPERCASE types, https://ai.google.dev/api/caching#Schema) →
// JSON Schema, what every other provider reads. The opposite of providers/gemini/gemini-schema.ts.
import type { JsonObject, JsonValue } from '../../core/chat.js';

/** Keywords with the same name and meaning in both. */
const sameKeywords = ['title', 'description', 'format', 'pattern', 'minimum', 'maximum', 'default', 'required'] as const;

/** int64 fields: proto JSON writes them as strings ("minItems": "1"), JSON Schema wants numbers. */
const countKeywords = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'] as const;

/** Converts one schema; keywords outside Gemini's Schema (and `propertyOrdering`, which has no JSON Schema form) are dropped. */
export function geminiSchemaToJsonSchema(value: JsonValue | undefined): JsonObject {
  if (!isObject(value)) return {};
  const result: JsonObject = {};
  const nullable = value.nullable === true;
  const type = typeof value.type === 'string' ? value.type.toLowerCase() : undefined;
  if (type !== undefined && type !== 'type_unspecified') result.type = nullable ? [type, 'null'] : type;
  for (const keyword of sameKeywords) {
    if (value[keyword] !== undefined) result[keyword] = value[keyword]!;
  }
  for (const keyword of countKeywords) {
    const count = toCount(value[keyword]);
    if (count !== undefined) result[keyword] = count;
  }
  if (Array.isArray(value.enum)) result.enum = nullable ? [...value.enum, null] : value.enum;
  if (value.example !== undefined) result.examples = [value.example];
  if (isObject(value.properties)) {
    result.properties = Object.fromEntries(
      Object.entries(value.properties).map(([name, property]) => [name, geminiSchemaToJsonSchema(property)]),
    );
  }
  if (value.items !== undefined) result.items = geminiSchemaToJsonSchema(value.items);
  if (Array.isArray(value.anyOf)) {
    const branches = value.anyOf.map((branch) => geminiSchemaToJsonSchema(branch));
    // Without a type of its own, nullability can only be said as one more branch.
    result.anyOf = nullable && result.type === undefined ? [...branches, { type: 'null' }] : branches;
  }
  return result;
}

function toCount(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
