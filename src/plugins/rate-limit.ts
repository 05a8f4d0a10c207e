import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { TooManyRequestsError } from '../lib/errors.ts';

/**
 * Rate-limit counters: in Redis when REDIS_URL is set (so replicas share
 * them), otherwise in this process's memory.
 *
 * Every authenticated route is limited per actor — the staff member or the
 * kiosk behind the token — RATE_LIMIT_PER_STAFF / RATE_LIMIT_PER_KIOSK
 * requests per RATE_LIMIT_WINDOW_SECONDS. The check runs at preValidation,
 * after authentication (so the actor is known; a request without a valid
 * token is 401 before it costs a counter) and before validation (so invalid
 * requests count too). One counter per request: one Redis round trip at most.
 * Routes with a limit of their own (login, kiosk token, status look-up,
 * check-in) use `app.createRateLimit` with `rateLimited(...)` instead, and
 * opt out of the per-actor one with `config: { rateLimit: false }`.
 *
 * Answers carry `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
 * (draft-ietf-httpapi-ratelimit-headers), and `Retry-After` on 429.
 */
export default fp(
  async (app) => {
    const redis = app.config.redisUrl
      ? new Redis(app.config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false })
      : undefined;
    await app.register(rateLimit, {
      global: false,
      enableDraftSpec: true,
      ...(redis ? { redis, nameSpace: 'consular-rl:' } : {}),
      // A broken Redis must not lock everyone out (the database lockout still protects accounts).
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new TooManyRequestsError(
          `Too many requests: retry in ${Math.ceil(context.ttl / 1000)} seconds.`,
          Math.ceil(context.ttl / 1000),
        ),
    });
    if (redis) {
      app.addHook('onClose', async () => {
        await redis.quit();
      });
    }

    const { perStaff, perKiosk, windowSeconds } = app.config.rateLimit;
    const perActor = app.rateLimit({
      max: (request: FastifyRequest) => (request.actor?.kind === 'kiosk' ? perKiosk : perStaff),
      timeWindow: windowSeconds * 1000,
      keyGenerator: (request: FastifyRequest) => `actor:${request.actor?.kind}:${request.actor?.id}`,
    });
    const limitActor = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.actor) await perActor.call(app, request, reply);
    };

    app.addHook('onRoute', (route) => {
      const security = (route.schema as { security?: unknown[] } | undefined)?.security;
      if (!Array.isArray(security) || security.length === 0 || route.config?.rateLimit === false) return;
      const existing = route.preValidation;
      route.preValidation = [...(Array.isArray(existing) ? existing : existing ? [existing] : []), limitActor];
    });
  },
  { name: 'rate-limit', dependencies: ['config'] },
);

export type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type LimitResult = Awaited<ReturnType<Limiter>>;

function setRateLimitHeaders(reply: FastifyReply, limit: LimitResult) {
  if (limit.isAllowed) return;
  reply
    .header('ratelimit-limit', String(limit.max))
    .header('ratelimit-remaining', String(limit.remaining))
    .header('ratelimit-reset', String(limit.ttlInSeconds));
}

/**
 * A preHandler that counts the request against each limiter, sends the
 * RateLimit-* headers of the tightest one, and answers 429 problem+json (with
 * Retry-After) as soon as one of them is exceeded.
 */
export function rateLimited(what: string, ...limiters: Limiter[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    let tightest: LimitResult | undefined;
    for (const limiter of limiters) {
      const limit = await limiter(request);
      if (limit.isAllowed) continue;
      if (limit.isExceeded) {
        setRateLimitHeaders(reply, { ...limit, remaining: 0 });
        throw new TooManyRequestsError(`Too many ${what}: retry in ${limit.ttlInSeconds} seconds.`, limit.ttlInSeconds);
      }
      if (!tightest || tightest.isAllowed || limit.remaining < tightest.remaining) tightest = limit;
    }
    if (tightest) setRateLimitHeaders(reply, tightest);
  };
}
