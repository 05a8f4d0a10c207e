import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PrismaClient } from '../../db/client.ts';
import { sendProblem } from '../../plugins/error-handler.ts';
import { problemType } from '../../lib/errors.ts';
import { problemSchema } from '../../lib/schemas.ts';

const status = z.object({ status: z.enum(['ok']) });

const databaseState = z.enum(['ok', 'unavailable']);
const statsState = z.enum(['ok', 'unavailable', 'not-configured']).meta({
  description:
    'The statistics replica (STATS_DATABASE_URL): statistics answer 503 while it is unavailable; the rest of the API does not depend on it. `not-configured`: statistics read the primary.',
});
const ready = status.extend({ database: z.literal('ok'), statsDatabase: statsState });
const notReady = problemSchema.extend({ database: databaseState, statsDatabase: statsState });

type State = z.infer<typeof databaseState>;

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  const timeoutMs = app.config.databaseTimeouts.readinessMs;

  /** One round trip within the readiness timeout, whatever the database is doing (down, frozen). */
  const probe = async (client: PrismaClient, name: string, log: (obj: object, msg: string) => void): Promise<State> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([client.$queryRaw`SELECT 1`, late]);
      return 'ok';
    } catch (err) {
      log({ err, database: name }, 'readiness check failed');
      return 'unavailable';
    } finally {
      clearTimeout(timer);
    }
  };

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
        description:
          'The primary database’s verdict: 200 when it answers, 503 when it does not. The body also reports the statistics replica, which does not decide readiness.',
        security: [],
        response: { 200: ready, 503: notReady },
      },
    },
    async (request, reply) => {
      const log = (obj: object, msg: string) => request.log.warn(obj, msg);
      const [database, statsDatabase] = await Promise.all([
        probe(app.prisma, 'primary', log),
        app.statsPrisma === app.prisma ? ('not-configured' as const) : probe(app.statsPrisma, 'statistics', log),
      ]);
      if (database === 'ok') return { status: 'ok' as const, database, statsDatabase };
      return sendProblem(reply, {
        type: problemType('not-ready'),
        title: 'Service Unavailable',
        status: 503,
        detail: 'The database does not answer.',
        database,
        statsDatabase,
      });
    },
  );
};
