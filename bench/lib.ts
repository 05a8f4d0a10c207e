import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrateDatabase } from '../src/db/migrate.ts';

/**
 * A fresh, migrated database for one benchmark: on BENCH_DATABASE_URL's server
 * when set (a maintenance URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres),
 * else on a throw-away embedded PostgreSQL.
 */
export async function benchDatabase(
  label: string,
  { migrate = true }: { migrate?: boolean } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let stopEmbedded = async () => {};
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'ccm-bench-pg-'));
    const embedded = await startEmbeddedPostgres({
      dataDir: dir,
      port: 56_432,
      database: 'postgres',
      // Throw-away cluster: durability off, memory for sorts and indexes.
      settings: {
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        maintenance_work_mem: '512MB',
        work_mem: '64MB',
      },
    });
    adminUrl = embedded.url;
    stopEmbedded = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `ccm_bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (migrate) await migrateDatabase(url.toString());
  return {
    url: url.toString(),
    async close() {
      // BENCH_KEEP_DATABASE=1 leaves it (and its URL on stderr) for EXPLAIN and pgbench.
      if (process.env.BENCH_KEEP_DATABASE === '1') {
        process.stderr.write(`bench database kept: ${url.toString()}\n`);
        return;
      }
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      await c.end();
      await stopEmbedded();
    },
  };
}

/** Runs `task` from `concurrency` workers for `seconds`; returns completed count and rate. */
export async function load(concurrency: number, seconds: number, task: () => Promise<unknown>) {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await task();
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { done, perSecond: done / elapsed };
}

export const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const fmt = (n: number, digits = 1) => n.toFixed(digits);
