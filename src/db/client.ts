import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export { Prisma, PrismaClient };

/** The client, or the client of an open interactive transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;
export type Tx = Prisma.TransactionClient;

/**
 * Interactive transactions queue for a pooled connection (and, inside, for the
 * row locks of counters such as reference series and ticket numbers) instead of
 * failing with P2028 after Prisma's default 2 s: a burst of requests larger
 * than the pool waits its turn rather than answering 500.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 } as const;

/** A Prisma client over node-postgres (Prisma 7's driver adapter). */
export function createPrismaClient(databaseUrl: string, poolMax = 10): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: poolMax,
    // The service names itself to PostgreSQL (pg_stat_activity).
    application_name: 'consular-api',
  });
  return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
}
