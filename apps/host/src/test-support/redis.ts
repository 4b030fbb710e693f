import { Redis } from "ioredis";

/** Where the Redis tests expect their server. */
export const REDIS_URL = "redis://127.0.0.1:6379";

/** Fails loudly, saying how to start one, when no Redis answers at `url` (the tests never skip). */
export async function requireRedis(url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`These tests need Redis on 127.0.0.1:6379 (start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no): ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** Deletes what a test's hosts wrote under their key prefix. */
export async function deleteRedisPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
