import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export { Prisma, PrismaClient };

/** The client, or the client of an open interactive transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;
export type Tx = Prisma.TransactionClient;

export interface PoolOptions {
  max?: number;
  /**
   * Named prepared statements (parsed and planned once per connection). Off
   * behind a transaction-mode pooler that cannot keep them (PgBouncer < 1.21).
   */
  preparedStatements?: boolean;
}

/**
 * Interactive transactions queue for a pooled connection (and, inside, for the
 * row locks of counters such as reference series and ticket numbers) instead of
 * failing with P2028 after Prisma's default 2 s: a burst of requests larger
 * than the pool waits its turn rather than answering 500.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 } as const;

/** A node-postgres pool, shared by Prisma and the hand-written SQL of hot paths. */
export function createPool(databaseUrl: string, { max = 10 }: PoolOptions = {}): pg.Pool {
  return new pg.Pool({
    connectionString: databaseUrl,
    max,
    // The service names itself to PostgreSQL (pg_stat_activity).
    application_name: 'consular-api',
  });
}

/**
 * Prepared-statement names by SQL text: one per distinct statement, shared by
 * every connection. Bounded: statements beyond the first few thousand shapes
 * (variable-length lists make new texts) run unnamed, so neither this map nor
 * the server's per-connection statement cache grows without end.
 */
const MAX_NAMED_STATEMENTS = 2000;
const statementNames = new Map<string, string>();
export function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (!name) {
    if (statementNames.size >= MAX_NAMED_STATEMENTS) return undefined;
    name = `ccm_${statementNames.size.toString(36)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * A Prisma client over node-postgres (Prisma 7's driver adapter), on a pool of
 * its own (`databaseUrl`) or a shared one.
 */
export function createPrismaClient(
  source: string | pg.Pool,
  poolMax = 10,
  { preparedStatements = false }: { preparedStatements?: boolean } = {},
): PrismaClient {
  const adapter = new PrismaPg(
    typeof source === 'string' ? { connectionString: source, max: poolMax, application_name: 'consular-api' } : source,
    // An undefined name runs the statement unnamed (the adapter passes it to pg as is).
    preparedStatements ? { statementNameGenerator: ({ sql }) => statementName(sql) as string } : {},
  );
  return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
}
