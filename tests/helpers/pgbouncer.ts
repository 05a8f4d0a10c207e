import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export const PGBOUNCER = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer';

/** Debian's pgbouncer binary, installed with apt when missing (root only; the benchmark relies on it). */
export async function pgbouncerBinary(): Promise<string> {
  const bin = PGBOUNCER;
  if (existsSync(bin)) return bin;
  if (userInfo().uid !== 0) throw new Error('pgbouncer is not installed (apt-get install pgbouncer)');
  await run('apt-get', ['install', '-y', '-q', 'pgbouncer'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return bin;
}

/**
 * PgBouncer in transaction mode in front of `databaseUrl`'s server, on a free
 * port; `url` is `databaseUrl` through it. As root it runs as the postgres user
 * (PgBouncer refuses root). It passes on no startup parameter it does not know
 * (the service sends none behind a pooler; see docs/decisions.md).
 */
export async function startPgBouncer(databaseUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = await pgbouncerBinary();
  const target = new URL(databaseUrl);
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'ccm-pgbouncer-'));
  await chmod(dir, 0o777);
  const user = decodeURIComponent(target.username || 'postgres');
  const password = decodeURIComponent(target.password);
  await writeFile(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432} user=${user}${password ? ` password=${password}` : ''}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      'max_client_conn = 2000',
      'default_pool_size = 20',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const asRoot = userInfo().uid === 0;
  const child = spawn(
    asRoot ? 'runuser' : bin,
    asRoot ? ['-u', 'postgres', '--', bin, path.join(dir, 'pgbouncer.ini')] : [path.join(dir, 'pgbouncer.ini')],
    { stdio: 'ignore', detached: true },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.end(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = new URL(databaseUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // gone
      }
      await new Promise((r) => setTimeout(r, 300));
      if (!process.env.KEEP_PGBOUNCER_LOG) await rm(dir, { recursive: true, force: true });
    },
  };
}
