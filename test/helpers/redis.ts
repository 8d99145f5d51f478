// A Redis connection for a test, on the local server (SWITCHYARD_TEST_REDIS_URL, default redis://127.0.0.1:6379).
// Unreachable: the test is skipped with the reason, or fails when CI=true (Redis is mandatory there).
// Each connection gets its own key prefix, and its keys are deleted afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TestContextLike } from './postgres.js';

export type RedisTestConnection = { redis: Redis; prefix: string; close(): Promise<void> };

export const redisServerUrl = (): string => process.env.SWITCHYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisTestConnection(t?: TestContextLike): Promise<RedisTestConnection | { skip: string }> {
  const redis = new Redis(redisServerUrl(), { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const reason = `Redis is not reachable at ${redisServerUrl()} (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; with CI=true the Redis tests are mandatory.`);
    t?.skip?.(reason);
    return { skip: reason };
  }
  const prefix = `switchyard-test:${randomBytes(6).toString('hex')}:`;
  const close = async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  };
  t?.after?.(close);
  return { redis, prefix, close };
}
