import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAnswer, splitArguments, splitText, type TurnInput } from '../../src/simulator/answer-plan.js';
import { parseDirectives, stripDirectives } from '../../src/simulator/directives.js';
import { embeddingVector } from '../../src/simulator/embedding-vector.js';
import { exampleFromSchema } from '../../src/simulator/schema-example.js';

function turn(overrides: Partial<TurnInput>): TurnInput {
  return {
    model: 'm',
    userText: 'hello',
    imageCount: 0,
    toolResults: undefined,
    endsWithUser: true,
    tools: [],
    toolMode: 'auto',
    parallelAllowed: true,
    promptChars: 5,
    promptImages: 0,
    json: undefined,
    stop: [],
    maxTokens: undefined,
    thinking: false,
    ...overrides,
  };
}

describe('simulator answer planning', () => {
  it('builds arguments from required properties, recursively', () => {
    const schema = {
      type: 'object',
      properties: {
        location: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 3 },
        detailed: { type: 'boolean' },
        options: {
          type: 'object',
          properties: { destination_city: { type: 'string' }, ratio: { type: 'number' } },
          required: ['destination_city', 'ratio'],
        },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' } },
        note: { type: ['string', 'null'] },
        ignored: { type: 'string' },
      },
      required: ['location', 'unit', 'days', 'detailed', 'options', 'tags', 'note'],
      $defs: { tag: { type: 'string', const: 'fixed' } },
    };
    assert.deepEqual(exampleFromSchema(schema), {
      location: 'Paris',
      unit: 'celsius',
      days: 3,
      detailed: true,
      options: { destination_city: 'Paris', ratio: 1 },
      tags: ['fixed'],
      note: 'example',
    });
    assert.deepEqual(exampleFromSchema({ type: 'OBJECT', properties: { city: { type: 'STRING' } } }), { city: 'Paris' });
    assert.deepEqual(exampleFromSchema({ anyOf: [{ type: 'null' }, { type: 'integer' }] }), 1);
  });

  it('parses directives and strips them from the echoed text', () => {
    assert.equal(parseDirectives('plain text'), undefined);
    assert.deepEqual(parseDirectives('a [sim:cached=5] b [sim:reasoning=7] [sim:cache_write=2] [sim:parallel]'), {
      parallel: true,
      cached: 5,
      reasoning: 7,
      cacheWrite: 2,
    });
    assert.deepEqual(parseDirectives('[sim:fault=status:418]')?.fault, { kind: 'status', status: 418 });
    assert.deepEqual(parseDirectives('[sim:fault=cut-stream]')?.fault, { kind: 'cut-stream', afterChunks: 1 });
    assert.equal(stripDirectives('Weather [sim:parallel] in Paris [sim:cached=3]'), 'Weather in Paris');
  });

  it('splits text per word or evenly, and arguments in three fragments', () => {
    assert.deepEqual(splitText('a bc  d', undefined), ['a', ' bc', ' ', ' d']);
    assert.deepEqual(splitText('abcdef', 3), ['ab', 'cd', 'ef']);
    assert.deepEqual(splitText('ab', 5), ['a', 'b']);
    assert.deepEqual(splitText('', undefined), []);
    assert.deepEqual(splitArguments('{}'), ['{}']);
    assert.equal(splitArguments('{"city":"Paris"}').join(''), '{"city":"Paris"}');
    assert.equal(splitArguments('{"city":"Paris"}').length, 3);
  });

  it('spends the output budget on reasoning first', () => {
    const plan = planAnswer(turn({ userText: 'hello [sim:reasoning=4]', maxTokens: 6 }), 'abcdefghijklmnop');
    assert.equal(plan.usage.reasoningTokens, 4);
    assert.equal(plan.text, 'abcdefgh');
    assert.equal(plan.finish, 'length');
    const starved = planAnswer(turn({ model: 'o4-mini', maxTokens: 10 }), 'abc');
    assert.equal(starved.usage.reasoningTokens, 10);
    assert.equal(starved.text, '');
    assert.equal(starved.finish, 'length');
  });

  it('prefers the earliest stop sequence', () => {
    const plan = planAnswer(turn({ stop: ['c', 'b'] }), 'abcabc');
    assert.equal(plan.text, 'a');
    assert.equal(plan.stopSequence, 'b');
    assert.equal(plan.finish, 'stop_sequence');
  });

  it('calls no tool after tool results or when the last message is not the user', () => {
    const tools = [{ name: 't', schema: { type: 'object', properties: {} } }];
    assert.equal(planAnswer(turn({ tools }), undefined).toolCalls.length, 1);
    assert.equal(planAnswer(turn({ tools, endsWithUser: false }), undefined).toolCalls.length, 0);
    const after = planAnswer(turn({ tools, toolResults: ['18C', 'sunny'], endsWithUser: false }), undefined);
    assert.equal(after.text, 'Tool results: 18C; sunny');
  });

  it('makes deterministic unit vectors', () => {
    const first = embeddingVector('alpha', 64);
    assert.deepEqual(embeddingVector('alpha', 64), first);
    assert.notDeepEqual(embeddingVector('beta', 64), first);
    const norm = Math.sqrt(first.reduce((sum, value) => sum + value * value, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5);
  });
});
