import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toGeminiSchema } from '../../../src/providers/gemini/gemini-schema.js';

test('an object schema without properties converts to nothing; absent stays absent', () => {
  assert.equal(toGeminiSchema(undefined), undefined);
  assert.equal(toGeminiSchema({ type: 'object' }), undefined);
  assert.equal(toGeminiSchema({ type: 'object', properties: {}, additionalProperties: false }), undefined);
});

test('drops keywords outside the OpenAPI subset and rewrites const, type arrays and oneOf', () => {
  assert.deepEqual(
    toGeminiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'urn:x',
      type: 'object',
      title: 'T',
      properties: {
        mode: { const: 'fast' },
        value: { type: ['string', 'number'] },
        nothing: { type: 'null' },
        shape: { oneOf: [{ type: 'string' }, { type: 'integer', minimum: 0, exclusiveMaximum: 9 }] },
        list: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], minItems: 1, uniqueItems: true },
        map: { type: 'object', patternProperties: { '.*': { type: 'string' } }, additionalProperties: { type: 'string' } },
        anything: true,
      },
      additionalProperties: false,
    }),
    {
      type: 'object',
      title: 'T',
      properties: {
        mode: { enum: ['fast'] },
        value: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        nothing: { type: 'null' },
        shape: { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] },
        list: { type: 'array', items: { type: 'string' }, minItems: 1 },
        map: { type: 'object' },
        anything: {},
      },
    },
  );
});

test('allOf members are merged; $ref is inlined from $defs and definitions; recursion is cut', () => {
  const converted = toGeminiSchema({
    type: 'object',
    properties: {
      person: {
        allOf: [{ $ref: '#/definitions/named' }, { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] }],
      },
      tree: { $ref: '#/$defs/node' },
    },
    definitions: { named: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    $defs: {
      node: { type: 'object', description: 'node', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } },
    },
  });
  const properties = converted?.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(properties.person, {
    type: 'object',
    properties: { name: { type: 'string' }, age: { type: 'integer' } },
    required: ['name', 'age'],
  });
  // Follow the recursive reference down to where it is cut to a bare object.
  let node: Record<string, unknown> | undefined = properties.tree;
  let depth = 0;
  while (node && (node.properties as Record<string, Record<string, unknown>> | undefined)?.children) {
    node = ((node.properties as Record<string, Record<string, unknown>>).children!.items as Record<string, unknown>);
    depth += 1;
  }
  assert.ok(depth >= 3 && depth <= 10, `cut after ${depth} levels`);
  assert.deepEqual(node, { type: 'object', description: 'node' });
  assert.doesNotMatch(JSON.stringify(converted), /\$ref|\$defs|definitions/);
});

test('a schema whose references would multiply without end is cut to a bounded size', () => {
  const level = (next: string) => ({
    type: 'object',
    properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, { $ref: `#/$defs/${next}` }])),
  });
  const $defs = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`l${i}`, level(`l${i + 1}`)]));
  $defs.l9 = { type: 'string' } as never;
  const converted = toGeminiSchema({ type: 'object', properties: { root: { $ref: '#/$defs/l0' } }, $defs });
  assert.ok(converted);
  assert.ok(JSON.stringify(converted).length < 1_000_000);
});

test('references that cannot be resolved or loop on themselves end as plain objects, never as a crash', () => {
  assert.deepEqual(toGeminiSchema({ type: 'object', properties: { a: { $ref: '#/$defs/%E0%A4%A' }, b: { $ref: 'https://x/y' } } }), {
    type: 'object',
    properties: { a: { type: 'object' }, b: { type: 'object' } },
  });
  const looping = toGeminiSchema({ type: 'object', properties: { self: { allOf: [{ $ref: '#' }] } } });
  assert.equal(looping?.type, 'object');
});
