import fp from 'fastify-plugin';
import { ChangeFeed } from '../db/changes.ts';
import { createPool, createPrismaClient, withFaultsNamed, type PrismaClient } from '../db/client.ts';
import { databaseIdentity, type DatabaseIdentity } from '../db/faults.ts';
import { Sql } from '../db/sql.ts';
import { AccessLogWriter } from '../modules/access-log/access-log.writer.ts';

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
    /** Hand-written SQL of the hot paths, on the pool `prisma` uses. */
    sql: Sql;
    /** Access-log rows of reads made outside a transaction, several requests' in one statement. */
    accessLog: AccessLogWriter;
    /** What other replicas changed (sessions, accounts, kiosks, calendars), for the caches. */
    changes: ChangeFeed;
  }
}

export default fp(
  async (app) => {
    const {
      databaseUrl,
      statsDatabaseUrl,
      databasePoolMax,
      databaseTimeouts: t,
      databasePreparedStatements: preparedStatements,
      databaseDirectUrl,
    } = app.config;
    // Behind a pooler (a direct URL is given apart), no startup statement_timeout: PgBouncer refuses it.
    const startupStatementTimeout = databaseDirectUrl === databaseUrl;
    const pool = createPool(databaseUrl, {
      max: databasePoolMax,
      timeouts: { connectMs: t.connectMs, poolMs: t.poolMs, statementMs: t.statementMs },
      startupStatementTimeout,
    });
    const prisma = createPrismaClient(pool, databasePoolMax, {
      timeouts: { connectMs: t.connectMs, poolMs: t.poolMs, statementMs: t.statementMs },
      transactionMs: t.transactionMs,
      preparedStatements,
    });
    const statistics = statsDatabaseUrl ? databaseIdentity('statistics', statsDatabaseUrl) : undefined;
    const statsPrisma =
      statsDatabaseUrl && statistics
        ? withFaultsNamed(
            createPrismaClient(statsDatabaseUrl, databasePoolMax, {
              timeouts: { connectMs: t.connectMs, poolMs: t.poolMs, statementMs: t.statsStatementMs },
              transactionMs: t.transactionMs,
              preparedStatements,
            }),
            statistics,
          )
        : prisma;
    await prisma.$connect();
    const changes = new ChangeFeed({
      url: databaseDirectUrl,
      notify: (channel, payload) => pool.query('SELECT pg_notify($1, $2)', [channel, payload]),
      log: (level, message, details) => app.log[level](details ?? {}, message),
    });
    await changes.start();
    app.decorate('prisma', prisma);
    app.decorate('statsPrisma', statsPrisma);
    app.decorate('databases', { primary: databaseIdentity('primary', databaseUrl), statistics });
    const sql = new Sql(pool, preparedStatements);
    app.decorate('sql', sql);
    app.decorate('accessLog', new AccessLogWriter(sql));
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
