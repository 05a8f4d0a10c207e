import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { asDatabaseUnavailable, type DatabaseIdentity } from './faults.ts';

export { Prisma, PrismaClient };

/** The client, or the client of an open interactive transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;
export type Tx = Prisma.TransactionClient;

/** Bounds on every database call, so that no request waits on the database for long. */
export interface DatabaseTimeouts {
  /** To open a connection (TCP, TLS, authentication). */
  readonly connectMs: number;
  /** To wait for a free connection of the pool (also an interactive transaction's `maxWait`). */
  readonly poolMs: number;
  /** PostgreSQL's `statement_timeout`: the server cancels a statement running (or waiting for a lock) longer. */
  readonly statementMs: number;
  /** An interactive transaction's whole life (Prisma's transaction `timeout`). */
  readonly transactionMs: number;
}

/**
 * How much longer than the statement timeout we wait for any answer before
 * giving up on the connection: a server that is frozen or cut off by the
 * network cannot cancel anything itself.
 */
export const QUERY_TIMEOUT_GRACE_MS = 1_000;

/**
 * A pg client that drops its connection when a query got no answer at all
 * within `query_timeout`. pg gives up on such a query but keeps the
 * connection, and everything sent after it (the transaction's ROLLBACK, the
 * next request's statements) would queue behind the lost answer. Ending it
 * makes those fail at once and the pool discard the connection.
 */
function answeringClient(connectMs: number) {
  return class AnsweringClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      // The pool's connectionTimeoutMillis is its wait for a free connection; opening one has its own bound.
      super({ ...config, connectionTimeoutMillis: connectMs });
      const query = this.query.bind(this) as (...args: unknown[]) => unknown;
      const bounded = (...args: unknown[]): unknown => {
        const result = query(...args);
        if (result instanceof Promise) {
          result.catch((err: unknown) => {
            if (err instanceof Error && err.message === 'Query read timeout') this.end().catch(() => undefined);
          });
        }
        return result;
      };
      this.query = bounded as pg.Client['query'];
    }
  };
}

/**
 * Interactive transactions queue for a pooled connection (and, inside, for the
 * row locks of counters such as reference series and ticket numbers) instead of
 * failing with P2028 after Prisma's default 2 s: a burst of requests larger
 * than the pool waits its turn rather than answering 500. The service's own
 * clients take these from DATABASE_POOL_TIMEOUT_MS and DATABASE_TRANSACTION_TIMEOUT_MS.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 } as const;

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

export interface PoolOptions {
  max?: number;
  /** Bounds on connections and statements; without (scripts, tests' own clients), pg's defaults. */
  timeouts?: Pick<DatabaseTimeouts, 'connectMs' | 'poolMs' | 'statementMs'>;
  /**
   * Send `statement_timeout` as a startup parameter (no round trip). Off behind
   * PgBouncer, which refuses unknown startup parameters: there the role's
   * default bounds statements (README "PgBouncer"), `query_timeout` still
   * bounds the wait client-side.
   */
  startupStatementTimeout?: boolean;
}

/** A node-postgres pool, shared by Prisma and the hand-written SQL of the hot paths. */
export function createPool(
  databaseUrl: string,
  { max = 10, timeouts, startupStatementTimeout = true }: PoolOptions = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    // The service names itself to PostgreSQL (pg_stat_activity).
    application_name: 'consular-api',
    ...(timeouts && {
      Client: answeringClient(timeouts.connectMs),
      connectionTimeoutMillis: timeouts.poolMs,
      ...(startupStatementTimeout ? { statement_timeout: timeouts.statementMs } : {}),
      query_timeout: timeouts.statementMs + QUERY_TIMEOUT_GRACE_MS,
      // A peer gone without a word (network cut) is noticed by the kernel too.
      keepAlive: true,
    }),
  });
  // An idle connection the server ends (restart, termination, a database
  // dropped at shutdown) is removed by the pool and the next query opens a new
  // one; without a listener its error would be an uncaught exception.
  pool.on('error', () => undefined);
  return pool;
}

export interface ClientOptions extends PoolOptions {
  /** Bounds of interactive transactions (with `timeouts`). */
  transactionMs?: number;
  /**
   * Named prepared statements (parsed and planned once per connection). Off
   * behind a transaction-mode pooler that cannot keep them (PgBouncer < 1.21).
   */
  preparedStatements?: boolean;
}

/**
 * A Prisma client over node-postgres (Prisma 7's driver adapter), on a pool
 * of its own (`source` a URL) or a shared one. With `timeouts`, every
 * connection, statement and transaction is bounded (see docs/decisions.md
 * "Bounding the database"); without (scripts, tests' own clients), pg's
 * defaults apply and transactions get TRANSACTION_OPTIONS.
 */
export function createPrismaClient(source: string | pg.Pool, poolMax = 10, options: ClientOptions = {}): PrismaClient {
  const pool = typeof source === 'string' ? createPool(source, { ...options, max: poolMax }) : source;
  const adapter = new PrismaPg(pool, {
    // The adapter does not end a pool it was given; ours end with the client.
    disposeExternalPool: typeof source === 'string',
    // An undefined name runs the statement unnamed (the adapter passes it to pg as is).
    ...(options.preparedStatements ? { statementNameGenerator: ({ sql }) => statementName(sql) as string } : {}),
  });
  const { timeouts, transactionMs } = options;
  return new PrismaClient({
    adapter,
    transactionOptions: timeouts
      ? { maxWait: timeouts.poolMs, timeout: transactionMs ?? TRANSACTION_OPTIONS.timeout }
      : TRANSACTION_OPTIONS,
  });
}

/**
 * The client with every database fault turned into a 503 naming `database`
 * (ServiceUnavailableError), for a database whose failure must be told apart
 * from the primary's: the statistics replica.
 */
export function withFaultsNamed(client: PrismaClient, database: DatabaseIdentity): PrismaClient {
  const extended = client.$extends({
    name: `faults:${database.role}`,
    query: {
      async $allOperations({ args, query }) {
        try {
          return (await query(args)) as unknown;
        } catch (err) {
          throw asDatabaseUnavailable(err, database) ?? err;
        }
      },
    },
  });
  // The extension adds no method: it is the same client to its users.
  return extended as unknown as PrismaClient;
}
