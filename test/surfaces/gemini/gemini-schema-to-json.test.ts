// Gemini Schema (UPPERCASE types, proto JSON) → JSON Schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiSchemaToJsonSchema } from '../../../src/surfaces/gemini/gemini-schema-to-json.js';

test('types are lowercased, recursively through properties, items and anyOf', () => {
  assert.deepEqual(
    geminiSchemaToJsonSchema({
      type: 'OBJECT',
      description: 'A trip',
      properties: {
        city: { type: 'STRING', enum: ['Paris', 'Rome'] },
        stops: { type: 'ARRAY', items: { type: 'INTEGER', format: 'int32', minimum: 0 } },
        when: { anyOf: [{ type: 'STRING', format: 'date-time' }, { type: 'NUMBER' }] },
      },
      required: ['city'],
      propertyOrdering: ['city', 'stops', 'when'],
    }),
    {
      type: 'object',
      description: 'A trip',
      required: ['city'],
      properties: {
        city: { type: 'string', enum: ['Paris', 'Rome'] },
        stops: { type: 'array', items: { type: 'integer', format: 'int32', minimum: 0 } },
        when: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'number' }] },
      },
    },
  );
});

test('nullable becomes a null type, a null enum value or a null branch', () => {
  assert.deepEqual(geminiSchemaToJsonSchema({ type: 'STRING', nullable: true }), { type: ['string', 'null'] });
  assert.deepEqual(geminiSchemaToJsonSchema({ type: 'STRING', nullable: true, enum: ['a'] }), { type: ['string', 'null'], enum: ['a', null] });
  assert.deepEqual(geminiSchemaToJsonSchema({ nullable: true, anyOf: [{ type: 'BOOLEAN' }] }), {
    anyOf: [{ type: 'boolean' }, { type: 'null' }],
  });
});

test('int64 counts written as strings become numbers; example becomes examples; unknown keywords are dropped', () => {
  assert.deepEqual(
    geminiSchemaToJsonSchema({
      type: 'ARRAY', minItems: '1', maxItems: 3, items: { type: 'STRING', maxLength: '10', pattern: '^a' },
      example: ['a'], title: 'List', default: [], unknownKeyword: true, minLength: 'x',
    }),
    { type: 'array', title: 'List', default: [], minItems: 1, maxItems: 3, examples: [['a']], items: { type: 'string', pattern: '^a', maxLength: 10 } },
  );
});

test('lowercase types pass; TYPE_UNSPECIFIED and non-objects give an unconstrained schema', () => {
  assert.deepEqual(geminiSchemaToJsonSchema({ type: 'object' }), { type: 'object' });
  assert.deepEqual(geminiSchemaToJsonSchema({ type: 'TYPE_UNSPECIFIED' }), {});
  assert.deepEqual(geminiSchemaToJsonSchema('STRING'), {});
});
