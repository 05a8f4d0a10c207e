import fp from 'fastify-plugin';
import { createPrismaClient, withFaultsNamed, type PrismaClient } from '../db/client.ts';
import { databaseIdentity, type DatabaseIdentity } from '../db/faults.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /**
     * Client for statistics: a streaming replica when STATS_DATABASE_URL is
     * set, whose faults answer 503 naming the statistics database.
     */
    statsPrisma: PrismaClient;
    /** The primary, and the replica when there is one (readiness reports both). */
    databases: { primary: DatabaseIdentity; statistics: DatabaseIdentity | undefined };
  }
}

export default fp(
  async (app) => {
    const { databaseUrl, statsDatabaseUrl, databasePoolMax, databaseTimeouts: t } = app.config;
    const prisma = createPrismaClient(databaseUrl, databasePoolMax, {
      connectMs: t.connectMs,
      poolMs: t.poolMs,
      statementMs: t.statementMs,
      transactionMs: t.transactionMs,
    });
    const statistics = statsDatabaseUrl ? databaseIdentity('statistics', statsDatabaseUrl) : undefined;
    const statsPrisma =
      statsDatabaseUrl && statistics
        ? withFaultsNamed(
            createPrismaClient(statsDatabaseUrl, databasePoolMax, {
              connectMs: t.connectMs,
              poolMs: t.poolMs,
              statementMs: t.statsStatementMs,
              transactionMs: t.transactionMs,
            }),
            statistics,
          )
        : prisma;
    await prisma.$connect();
    app.decorate('prisma', prisma);
    app.decorate('statsPrisma', statsPrisma);
    app.decorate('databases', { primary: databaseIdentity('primary', databaseUrl), statistics });
    app.addHook('onClose', async () => {
      await prisma.$disconnect();
      if (statsPrisma !== prisma) await statsPrisma.$disconnect();
    });
  },
  { name: 'prisma', dependencies: ['config'] },
);
