import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7 } from '../../src/http/request-id.js';

test('ids are RFC 9562 version 7 UUIDs carrying the millisecond timestamp', () => {
  const now = Date.UTC(2026, 10, 22, 3, 0, 0, 123);
  const id = uuidv7(now);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
});

test('ids of one process increase strictly, also within one millisecond and across counter overflow', () => {
  const now = Date.UTC(2030, 0, 1);
  const ids = Array.from({ length: 10_000 }, () => uuidv7(now));
  for (let index = 1; index < ids.length; index++) assert.ok(ids[index - 1]! < ids[index]!, `${ids[index - 1]} < ${ids[index]}`);
  assert.equal(new Set(ids).size, ids.length);
});

test('a clock that steps back does not reorder ids', () => {
  const later = uuidv7(Date.UTC(2031, 0, 1));
  const earlierClock = uuidv7(Date.UTC(2031, 0, 1) - 5_000);
  assert.ok(later < earlierClock);
});
