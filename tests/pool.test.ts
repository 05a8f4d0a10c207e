import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/db/client.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('the connection pool', () => {
  it('survives the server ending an idle connection (no uncaught error), and the next query opens a new one', async () => {
    const pool = createPool(db.url, { max: 2 });
    try {
      const first = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = first.rows[0]!.pid;
      expect(pool.idleCount).toBe(1);
      const removed = new Promise((resolve) => pool.once('remove', resolve));
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      } finally {
        await admin.end();
      }
      await removed;
      const next = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(next.rows[0]!.pid).not.toBe(pid);
    } finally {
      await pool.end();
    }
  });
});
