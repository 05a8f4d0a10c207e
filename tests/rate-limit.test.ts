import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { buildTestApp } from './helpers/build-test-app.ts';
import { kioskToken, registerKiosk } from './helpers/kiosk.ts';
import { loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';

/** Whether a Redis answers on this machine (CI machines run one; a bare laptop may not). */
async function redisAvailable(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await redisAvailable(REDIS_URL);

const limits = (res: LightMyRequestResponse) => ({
  limit: res.headers['ratelimit-limit'],
  remaining: res.headers['ratelimit-remaining'],
  reset: Number(res.headers['ratelimit-reset']),
});

describe('per-actor rate limit on authenticated routes', () => {
  it('counts every request of a staff member, says so in RateLimit headers, and answers 429 with Retry-After', async () => {
    const ctx = await buildTestApp({ env: { RATE_LIMIT_PER_STAFF: '3', RATE_LIMIT_WINDOW_SECONDS: '60' } });
    try {
      const consulate = await createConsulate(ctx.prisma);
      const officer = await loginAs(ctx.app, ctx.prisma, 'documentation_officer', consulate.id);
      const other = await loginAs(ctx.app, ctx.prisma, 'documentation_officer', consulate.id);
      const get = (url: string, who = officer) => ctx.app.inject({ url, headers: who.headers });

      const first = await get('/v1/auth/me');
      expect(first.statusCode).toBe(200);
      expect(limits(first)).toMatchObject({ limit: '3', remaining: '2' });
      expect(limits(first).reset).toBeGreaterThan(0);
      expect(limits(first).reset).toBeLessThanOrEqual(60);
      // Any route counts, and so does a request the schema refuses.
      const invalid = await get('/v1/persons?limit=0');
      expectProblem(invalid, 400);
      expect(limits(invalid)).toMatchObject({ remaining: '1' });
      expect(limits(await get('/v1/consulates'))).toMatchObject({ remaining: '0' });

      const refused = await get('/v1/auth/me');
      const body = expectProblem(refused, 429);
      expect(body.type).toBe('urn:problem-type:consular:too-many-requests');
      expect(body.detail).toMatch(/retry in \d+ seconds/);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(limits(refused)).toMatchObject({ limit: '3', remaining: '0' });

      // Another staff member has a budget of their own.
      expect((await get('/v1/auth/me', other)).statusCode).toBe(200);
      // A request without a valid token is 401 before it costs anybody's budget.
      expectProblem(await ctx.app.inject({ url: '/v1/auth/me' }), 401);
      // Health checks are not limited.
      const health = await ctx.app.inject({ url: '/health/live' });
      expect(health.statusCode).toBe(200);
      expect(health.headers['ratelimit-limit']).toBeUndefined();
    } finally {
      await ctx.close();
    }
  });

  it('limits each kiosk on its own budget (RATE_LIMIT_PER_KIOSK)', async () => {
    const ctx = await buildTestApp({ env: { RATE_LIMIT_PER_KIOSK: '2', RATE_LIMIT_PER_STAFF: '1000' } });
    try {
      const consulate = await createConsulate(ctx.prisma);
      const supervisor = await loginAs(ctx.app, ctx.prisma, 'supervisor', consulate.id);
      const one = await registerKiosk(ctx.app, supervisor, 'Kiosk one');
      const two = await registerKiosk(ctx.app, supervisor, 'Kiosk two');
      const board = (headers: { authorization: string }) => ctx.app.inject({ url: '/v1/kiosk/queue', headers });
      expect(limits(await board(one.headers))).toMatchObject({ limit: '2', remaining: '1' });
      expect((await board(one.headers)).statusCode).toBe(200);
      expectProblem(await board(one.headers), 429);
      expect((await board(two.headers)).statusCode).toBe(200);
      // A new token of the same kiosk does not reset its budget.
      const fresh = (await kioskToken(ctx.app, one.kioskId, one.secret)).json().accessToken as string;
      expectProblem(await board({ authorization: `Bearer ${fresh}` }), 429);
    } finally {
      await ctx.close();
    }
  });

  it('login and token refresh carry the headers of their own per-address limits', async () => {
    const ctx = await buildTestApp({ env: { LOGIN_RATE_LIMIT_PER_ADDRESS: '2', LOGIN_RATE_LIMIT_PER_ACCOUNT: '5' } });
    try {
      const login = await ctx.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'nobody@consular.test', password: 'wrong password' },
      });
      expectProblem(login, 401);
      expect(limits(login)).toMatchObject({ limit: '2', remaining: '1' });
      const refresh = (n: number) =>
        ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: 'x'.repeat(40 + n) } });
      expectProblem(await refresh(1), 401);
      expectProblem(await refresh(2), 401);
      const refused = await refresh(3);
      expectProblem(refused, 429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await ctx.close();
    }
  });
});

describe.runIf(redisUp)('per-actor rate limit with REDIS_URL', () => {
  it('two replicas share one staff member’s budget', async () => {
    const env = { REDIS_URL, RATE_LIMIT_PER_STAFF: '4' };
    const one = await buildTestApp({ env });
    const two = await buildTestApp({ env, database: one.db });
    try {
      const consulate = await createConsulate(one.prisma);
      const officer = await loginAs(one.app, one.prisma, 'protection_officer', consulate.id);
      const me = (app: typeof one.app) => app.inject({ url: '/v1/auth/me', headers: officer.headers });
      expect(limits(await me(one.app))).toMatchObject({ remaining: '3' });
      expect(limits(await me(two.app))).toMatchObject({ remaining: '2' });
      expect((await me(one.app)).statusCode).toBe(200);
      expect((await me(two.app)).statusCode).toBe(200);
      expectProblem(await me(one.app), 429);
      expectProblem(await me(two.app), 429);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
