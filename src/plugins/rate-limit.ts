import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { TooManyRequestsError } from '../lib/errors.ts';

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

export type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * A preHandler that counts the request against each limiter and answers 429
 * problem+json (with Retry-After) as soon as one of them is exceeded.
 */
export function rateLimited(what: string, ...limiters: Limiter[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    for (const limiter of limiters) {
      const limit = await limiter(request);
      if (!limit.isAllowed && limit.isExceeded) {
        reply.header('ratelimit-limit', String(limit.max)).header('ratelimit-remaining', '0');
        throw new TooManyRequestsError(`Too many ${what}: retry in ${limit.ttlInSeconds} seconds.`, limit.ttlInSeconds);
      }
    }
  };
}
