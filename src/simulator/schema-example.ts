// A deterministic example value for a JSON Schema, used for simulated tool arguments and JSON-mode answers.
// Accepts plain JSON Schema (OpenAI, Anthropic, Gemini `responseJsonSchema`) and Gemini's OpenAPI subset,
// whose type names are upper-case (`OBJECT`, `STRING`): https://ai.google.dev/api/caching#Schema
type SchemaObject = Record<string, unknown>;

const PLACE_NAME = /city|location|place|town|destination/i;
const MAX_DEPTH = 8;

function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function exampleFromSchema(schema: unknown): unknown {
  return exampleValue(schema, '', schema, 0);
}

function exampleValue(schema: unknown, name: string, root: unknown, depth: number): unknown {
  if (!isSchemaObject(schema) || depth > MAX_DEPTH) return exampleString(name);
  const resolved = resolveReference(schema, root);
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return resolved.enum[0];
  if ('const' in resolved) return resolved.const;
  const variant = firstVariant(resolved);
  if (variant !== undefined) return exampleValue(variant, name, root, depth + 1);
  switch (schemaType(resolved)) {
    case 'object':
      return exampleObject(resolved, root, depth);
    case 'array':
      return [exampleValue(resolved.items, name, root, depth + 1)];
    case 'integer':
    case 'number':
      return typeof resolved.minimum === 'number' && resolved.minimum > 1 ? resolved.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return exampleString(name);
  }
}

function exampleString(name: string): string {
  return PLACE_NAME.test(name) ? 'Paris' : 'example';
}

/** Required properties when the schema lists them, otherwise every declared property. */
function exampleObject(schema: SchemaObject, root: unknown, depth: number): Record<string, unknown> {
  const properties = isSchemaObject(schema.properties) ? schema.properties : {};
  const names = Array.isArray(schema.required)
    ? schema.required.filter((entry): entry is string => typeof entry === 'string')
    : Object.keys(properties);
  const result: Record<string, unknown> = {};
  for (const name of names) result[name] = exampleValue(properties[name], name, root, depth + 1);
  return result;
}

function schemaType(schema: SchemaObject): string {
  const declared = Array.isArray(schema.type) ? schema.type.find((entry) => entry !== 'null') : schema.type;
  if (typeof declared === 'string') return declared.toLowerCase();
  if (isSchemaObject(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return 'string';
}

function firstVariant(schema: SchemaObject): unknown {
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (!Array.isArray(variants)) return undefined;
  return variants.find((entry) => !(isSchemaObject(entry) && entry.type === 'null')) ?? variants[0];
}

/** Local references only (`#/$defs/x`, `#/definitions/x`): enough for SDK-generated schemas. */
function resolveReference(schema: SchemaObject, root: unknown): SchemaObject {
  const reference = schema.$ref;
  if (typeof reference !== 'string' || !reference.startsWith('#/')) return schema;
  let target: unknown = root;
  for (const segment of reference.slice(2).split('/')) {
    target = isSchemaObject(target) ? target[segment] : undefined;
  }
  return isSchemaObject(target) && target !== schema ? target : {};
}
