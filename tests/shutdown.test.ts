import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { projectRoot } from '../src/db/migrate.ts';
import { closeGracefully } from '../src/lib/lifecycle.ts';
import { createLogger } from '../src/lib/logger.ts';
import { TEST_JWT_SECRET, testConfig } from './helpers/build-test-app.ts';
import { createTestDatabase } from './helpers/db.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then refuses new connections and closes the pool', async () => {
    const db = await createTestDatabase();
    try {
      const app = await buildApp({ config: testConfig(db.url), logger: createLogger('silent') });
      let release!: () => void;
      const started = new Promise<void>((resolve) => {
        app.get('/slow', async () => {
          resolve();
          await new Promise<void>((r) => (release = r));
          return { done: true };
        });
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
      await started;
      const closing = closeGracefully(app);
      setTimeout(() => release(), 200);
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ done: true });
      await closing;
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
      // The pool is closed: the server holds no connection to this database any more.
      const admin = createPrismaClient(db.url, 1);
      const rows = await admin.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'consular-api' AND pid <> pg_backend_pid()`;
      await admin.$disconnect();
      expect(rows[0]!.n).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it('the server process stops cleanly on SIGTERM (exit code 0)', async () => {
    const db = await createTestDatabase();
    try {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: projectRoot(),
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          JWT_SECRET: TEST_JWT_SECRET,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait for the line itself, however long a busy machine takes to migrate and seed (the
      // test's own timeout bounds it), or for the process to die first.
      const listening = new Promise<void>((resolve, reject) => {
        const collect = (d: Buffer) => {
          output += d.toString();
          if (output.includes('Server listening')) resolve();
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
      });
      await listening;
      expect(output).toContain('Server listening');
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      // Against a DATABASE_URL without SEED_ADMIN_*, no account is created.
      expect(output).not.toContain('Admin password');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('stopping: finishing in-flight requests');
      expect(output).toContain('server closed');
    } finally {
      await db.drop();
    }
  }, 60_000);
});
