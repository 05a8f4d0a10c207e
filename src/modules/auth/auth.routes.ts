import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staffContext, touchedBy } from '../../plugins/auth.ts';
import { rateLimited } from '../../plugins/rate-limit.ts';
import { problemResponses } from '../../lib/schemas.ts';
import { staffSchema } from '../staff/staff.schemas.ts';
import { loginBody, logoutBody, refreshBody, tokenResponse } from './auth.schemas.ts';
import { AuthService } from './auth.service.ts';

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new AuthService(app.prisma, app.jwt, app.config);
  const { rateLimitPerAccount, rateLimitPerAddress, rateLimitWindowSeconds } = app.config.login;
  const timeWindow = rateLimitWindowSeconds * 1000;

  // Two limits: per account and address (guessing one password), and, more
  // generously, per address alone (a whole office may share one address).
  const perAddress = app.createRateLimit({
    max: rateLimitPerAddress,
    timeWindow,
    keyGenerator: (request) => `login-addr:${request.ip}`,
  });
  const perAccount = app.createRateLimit({
    max: rateLimitPerAccount,
    timeWindow,
    keyGenerator: (request) => {
      const email = (request.body as { email?: unknown } | undefined)?.email;
      return `login-acct:${request.ip}:${typeof email === 'string' ? email : ''}`;
    },
  });

  // Refresh tokens are 256-bit random strings; this stops a client from
  // hammering the endpoint, as the per-actor limit does on authenticated routes.
  const refreshPerAddress = app.createRateLimit({
    max: rateLimitPerAddress,
    timeWindow,
    keyGenerator: (request) => `refresh-addr:${request.ip}`,
  });

  app.post(
    '/login',
    {
      preHandler: rateLimited('login attempts', perAddress, perAccount),
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        description:
          'Returns a short-lived access token and a rotating refresh token. After repeated failures the account is locked for a while; the answer never tells whether an email exists.',
        security: [],
        body: loginBody,
        response: { 200: tokenResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => service.login(request.body.email, request.body.password, request.id),
  );

  app.post(
    '/refresh',
    {
      preHandler: rateLimited('token refreshes', refreshPerAddress),
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair',
        description: 'Each refresh token works once. Presenting a spent one revokes its whole session.',
        security: [],
        body: refreshBody,
        response: { 200: tokenResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => service.refresh(request.body.refreshToken, request.id, touchedBy(request)),
  );

  app.post(
    '/logout',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['auth'],
        summary: 'End the session: its access and refresh tokens stop working',
        security: [{ staffBearer: [] }],
        body: logoutBody,
        response: { 204: z.undefined(), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await service.logout(staffContext(request), request.body?.refreshToken);
      return reply.code(204).send();
    },
  );

  app.get(
    '/me',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['auth'],
        summary: 'The logged-in staff member',
        security: [{ staffBearer: [] }],
        response: { 200: staffSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => service.me(staffContext(request), request.account),
  );
};
