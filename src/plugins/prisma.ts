import type pg from 'pg';
import fp from 'fastify-plugin';
import { ChangeFeed } from '../db/changes.ts';
import { createPool, createPrismaClient, type PrismaClient } from '../db/client.ts';
import { Sql } from '../db/sql.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** Client for statistics: a streaming replica when STATS_DATABASE_URL is set. */
    statsPrisma: PrismaClient;
    /** Hand-written SQL of the hot paths, on the pool `prisma` uses. */
    sql: Sql;
    /** What other replicas changed (sessions, accounts, kiosks, calendars), for the caches. */
    changes: ChangeFeed;
  }
}

export default fp(
  async (app) => {
    const { databaseUrl, statsDatabaseUrl, databasePoolMax, databasePreparedStatements, databaseDirectUrl } =
      app.config;
    const pool: pg.Pool = createPool(databaseUrl, { max: databasePoolMax });
    const prisma = createPrismaClient(pool, databasePoolMax, { preparedStatements: databasePreparedStatements });
    const statsPrisma = statsDatabaseUrl
      ? createPrismaClient(statsDatabaseUrl, databasePoolMax, { preparedStatements: databasePreparedStatements })
      : prisma;
    await prisma.$connect();
    const changes = new ChangeFeed({
      url: databaseDirectUrl,
      log: (level, message, details) => app.log[level](details ?? {}, message),
    });
    await changes.start();
    app.decorate('prisma', prisma);
    app.decorate('statsPrisma', statsPrisma);
    app.decorate('sql', new Sql(pool, databasePreparedStatements));
    app.decorate('changes', changes);
    app.addHook('onClose', async () => {
      await changes.close();
      await prisma.$disconnect();
      if (statsPrisma !== prisma) await statsPrisma.$disconnect();
      await pool.end();
    });
  },
  { name: 'prisma', dependencies: ['config'] },
);
