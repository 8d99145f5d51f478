import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMinuteWindow } from '../../src/limits/minute-window.js';
import { createMemoryLimiter } from '../../src/state/memory/memory-limiter.js';
import { createRedisLimiter } from '../../src/state/redis/redis-limiter.js';
import { redisTestConnection } from '../helpers/redis.js';

const now = Date.UTC(2026, 10, 22, 12, 0, 45);

test('a key gets its limit per UTC minute, then a Retry-After until the minute ends', async () => {
  const window = createMinuteWindow(createMemoryLimiter(), { name: 'byok', limit: 2 });
  assert.deepEqual(await window.take('h1', now), { allowed: true });
  assert.deepEqual(await window.take('h1', now), { allowed: true });
  assert.deepEqual(await window.take('h1', now), { allowed: false, retryAfterSeconds: 15 });
  assert.deepEqual(await window.take('h2', now), { allowed: true }, 'another key has its own count');
  assert.deepEqual(await window.take('h1', now + 15_000), { allowed: true }, 'the next minute starts afresh');
});

test('two gateways on one Redis count a key once', async (t) => {
  const connection = await redisTestConnection(t);
  if ('skip' in connection) return; // closed by the helper after the test
  const replicas = [0, 1].map(() => createMinuteWindow(createRedisLimiter(connection.redis, { prefix: connection.prefix }), { name: 'byok', limit: 5 }));
  // Redis expires counters on its own clock: the window is placed at the real time, not in its last seconds.
  if (Date.now() % 60_000 > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 10));
  const at = Date.now();
  const verdicts = await Promise.all(Array.from({ length: 12 }, (_, index) => replicas[index % 2]!.take('shared', at)));
  assert.equal(verdicts.filter((verdict) => verdict.allowed).length, 5);
});
