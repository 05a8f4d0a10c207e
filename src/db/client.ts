import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export { Prisma, PrismaClient };

/** The client, or the client of an open interactive transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;
export type Tx = Prisma.TransactionClient;

/** A Prisma client over node-postgres (Prisma 7's driver adapter). */
export function createPrismaClient(databaseUrl: string, poolMax = 10): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: poolMax,
    // The service names itself to PostgreSQL (pg_stat_activity).
    application_name: 'consular-api',
  });
  return new PrismaClient({ adapter });
}
