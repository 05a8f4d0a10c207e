import pg from 'pg';
import { statementName } from './client.ts';

/** DATE columns as `YYYY-MM-DD` (node-postgres would make a local-midnight Date of them). */
const keepText = (value: string) => value;
function getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
  return oid === 1082 ? keepText : (pg.types.getTypeParser(oid, format) as unknown);
}
const types = { getTypeParser: getTypeParser as typeof pg.types.getTypeParser };

export type Queryable = pg.Pool | pg.PoolClient;

/**
 * Hand-written SQL for the hot paths, on the pool Prisma shares: one
 * statement per round trip, prepared once per connection (unless prepared
 * statements are off for a transaction-mode pooler). Rows come back as
 * PostgreSQL names them; callers map them.
 */
export class Sql {
  constructor(
    readonly pool: pg.Pool,
    private readonly prepared: boolean,
  ) {}

  async rows<T>(text: string, values: unknown[] = [], db: Queryable = this.pool): Promise<T[]> {
    const name = this.prepared ? statementName(text) : undefined;
    const result = await db.query<T & pg.QueryResultRow>({ ...(name ? { name } : {}), text, values, types });
    return result.rows;
  }

  async one<T>(text: string, values: unknown[] = [], db: Queryable = this.pool): Promise<T | undefined> {
    return (await this.rows<T>(text, values, db))[0];
  }

  /** Runs `fn` in a transaction on one connection: committed if it returns, rolled back if it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      // A connection whose rollback failed is not given back to the pool.
      client.release(broken);
    }
  }
}
