import fp from 'fastify-plugin';
import { createPrismaClient, type PrismaClient } from '../db/client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** Client for statistics: a streaming replica when STATS_DATABASE_URL is set. */
    statsPrisma: PrismaClient;
  }
}

export default fp(
  async (app) => {
    const { databaseUrl, statsDatabaseUrl, databasePoolMax } = app.config;
    const prisma = createPrismaClient(databaseUrl, databasePoolMax);
    const statsPrisma = statsDatabaseUrl ? createPrismaClient(statsDatabaseUrl, databasePoolMax) : prisma;
    await prisma.$connect();
    app.decorate('prisma', prisma);
    app.decorate('statsPrisma', statsPrisma);
    app.addHook('onClose', async () => {
      await prisma.$disconnect();
      if (statsPrisma !== prisma) await statsPrisma.$disconnect();
    });
  },
  { name: 'prisma', dependencies: ['config'] },
);
