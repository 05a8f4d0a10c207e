import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendProblem } from '../../plugins/error-handler.ts';
import { problemType } from '../../lib/errors.ts';
import { problemSchema } from '../../lib/schemas.ts';

const status = z.object({ status: z.enum(['ok']) });

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/live',
    { schema: { tags: ['health'], summary: 'The process is up', security: [], response: { 200: status } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'The database answers',
        security: [],
        response: { 200: status, 503: problemSchema },
      },
    },
    async (request, reply) => {
      try {
        await app.prisma.$queryRaw`SELECT 1`;
        return { status: 'ok' as const };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return sendProblem(reply, {
          type: problemType('not-ready'),
          title: 'Service Unavailable',
          status: 503,
          detail: 'The database does not answer.',
        });
      }
    },
  );
};
