import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

/**
 * Rate-limit counters: in Redis when REDIS_URL is set (so replicas share
 * them), otherwise in this process's memory. Nothing is limited globally;
 * routes opt in with `app.createRateLimit(...)`.
 */
export default fp(
  async (app) => {
    const redis = app.config.redisUrl
      ? new Redis(app.config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false })
      : undefined;
    await app.register(rateLimit, {
      global: false,
      ...(redis ? { redis, nameSpace: 'consular-rl:' } : {}),
      // A broken Redis must not lock everyone out of logging in.
      skipOnError: true,
    });
    if (redis) {
      app.addHook('onClose', async () => {
        await redis.quit();
      });
    }
  },
  { name: 'rate-limit', dependencies: ['config'] },
);
