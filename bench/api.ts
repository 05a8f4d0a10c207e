/**
 * `npm run bench -- api`: the API as a user runs it (`npm start`, production
 * settings) against the floor — a minimal Fastify + `pg` server on the same
 * database answering the same rows with one prepared statement each
 * (bench/floor-server.ts) — both driven by autocannon from a separate process
 * (bench/load-worker.ts), alternating project and floor (A B A B) in one run.
 * Prints req/s, p50/p99 latency, non-2xx answers and the ratio per path, the
 * app process's peak RSS, and its RSS after 1,000 and after 15,000 mixed
 * requests. It measures; it never passes or fails.
 *
 * Flags: --seconds N (per run, default 5), --connections N (32), --rounds N (2),
 * --app-dir DIR (bench another checkout's `npm start`, e.g. the previous release),
 * --pgbouncer (app and floor reach PostgreSQL through PgBouncer in transaction mode),
 * --only A,B (the scenarios whose label contains A or B), --profile DIR (CPU profiles).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabase, fmt } from './lib.ts';
import type { LoadResult, LoadSpec } from './load-worker.ts';
import { startPgBouncer } from '../tests/helpers/pgbouncer.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

export interface ApiBenchOptions {
  seconds: number;
  connections: number;
  rounds: number;
  appDir: string;
  pgbouncer: boolean;
  /** Only the scenarios whose label contains this. */
  only?: string;
  /** Write the app's CPU profile (node --cpu-prof) into this folder, and the floor's into its floor/ folder. */
  profileDir?: string;
}

type Spec = LoadSpec['requests'][number];
type Measured = LoadResult & { serverUs: number; postgresUs: number };

interface Scenario {
  label: string;
  project: () => Spec[];
  floor: () => Spec[];
  /** Called before each run (fresh slots for booking). */
  before?: (round: number) => Promise<void>;
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** CPU seconds (user + system) a process and its reaped children have used, from /proc (0 when gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime, and cutime + cstime: a server's backends that exited count with it.
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used by every PostgreSQL server process on this machine (the bench's own cluster or the local one). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    total += cpuSeconds(Number(entry));
  }
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of the process listening on a TCP port (the server, not npm). */
export function listenerPid(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function waitReady(base: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log()}`);
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`not ready in 120 s:\n${log()}`);
}

export function startProcess(command: string, args: string[], cwd: string, env: Record<string, string>) {
  let output = '';
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: 'pipe' });
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  return { child, log: () => output };
}

export function stopGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const file = path.join(tmpdir(), `ccm-load-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const { child, log } = startProcess(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'load-worker.ts'), file],
    root,
    {},
  );
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  rmSync(file, { force: true });
  const line = log()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`load generator failed:\n${log()}`);
  return JSON.parse(line) as LoadResult;
}

/** A tiny JSON client for seeding through the API. */
function client(base: string) {
  return async <T = Record<string, unknown>>(
    method: string,
    url: string,
    token?: string,
    body?: unknown,
    expected = [200, 201],
  ): Promise<T> => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!expected.includes(res.status)) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
}

const MX_STATES = ['MX-JAL', 'MX-MIC', 'MX-GUA', 'MX-OAX', 'MX-PUE', 'MX-ZAC', 'MX-GRO', 'MX-CHH'];

function personBody(i: number) {
  const month = String((i % 12) + 1).padStart(2, '0');
  const day = String((i % 27) + 1).padStart(2, '0');
  return {
    givenNames: `Persona ${i}`,
    firstSurname: 'Hernández',
    secondSurname: 'García',
    dateOfBirth: `${1960 + (i % 40)}-${month}-${day}`,
    placeOfBirth: { country: 'MX', subdivision: MX_STATES[i % MX_STATES.length] },
    genderMarker: ['F', 'M', 'X'][i % 3],
  };
}

const passport = { type: 'passport', details: { application: 'first', validityYears: 10 } };

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
    }),
  );
}

export async function benchApi(options: ApiBenchOptions): Promise<void> {
  const db = await benchDatabase('api', { migrate: false });
  const bouncer = options.pgbouncer ? await startPgBouncer(db.url) : undefined;
  const appDbUrl = bouncer?.url ?? db.url;
  const port = await freePort();
  const floorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const floorBase = `http://127.0.0.1:${floorPort}`;
  const admin = { email: 'bench-admin@example.org', password: 'bench admin password 1' };

  // Profiling runs the start script's node command itself (--cpu-prof is refused in NODE_OPTIONS).
  const startCommand: [string, string[]] = options.profileDir
    ? [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, '--import', 'tsx', 'src/server.ts']]
    : ['npm', ['start']];
  const app = startProcess(...startCommand, options.appDir, {
    DATABASE_URL: appDbUrl,
    ...(bouncer ? { DATABASE_DIRECT_URL: db.url } : {}),
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    SEED_ADMIN_EMAIL: admin.email,
    SEED_ADMIN_PASSWORD: admin.password,
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    KIOSK_TOKEN_TTL_SECONDS: '86400',
    LOGIN_RATE_LIMIT_PER_ACCOUNT: '100000',
    LOGIN_RATE_LIMIT_PER_ADDRESS: '1000000',
    // Per-actor limits exist to stop abuse; the bench measures cost, so it lifts them (the counting still runs).
    RATE_LIMIT_PER_STAFF: '2147483647',
    RATE_LIMIT_PER_KIOSK: '2147483647',
  });
  let floor: ReturnType<typeof startProcess> | undefined;
  try {
    await waitReady(base, app.child, app.log);
    const appPid = listenerPid(port);
    if (!appPid) throw new Error('cannot find the server process');

    // --- data, through the API -------------------------------------------------
    const api = client(base);
    const adminToken = (await api<{ accessToken: string }>('POST', '/v1/auth/login', undefined, admin)).accessToken;
    const consulates = (
      await api<{ data: { id: string; code: string; status: string; timeZone: string }[] }>(
        'GET',
        '/v1/consulates?limit=200',
        adminToken,
      )
    ).data.filter((c) => c.status === 'active');
    const ten = consulates.slice(0, 10);
    const main = ten[0]!;
    const officers: { consulateId: string; id: string; token: string; persons: string[] }[] = [];
    for (const [i, c] of ten.entries()) {
      const email = `officer${i}@bench.example.org`;
      const staff = await api<{ id: string }>('POST', '/v1/staff', adminToken, {
        email,
        fullName: `Officer ${i}`,
        role: 'documentation_officer',
        consulateId: c.id,
        password: 'bench officer password 1',
      });
      const token = (
        await api<{ accessToken: string }>('POST', '/v1/auth/login', undefined, {
          email,
          password: 'bench officer password 1',
        })
      ).accessToken;
      officers.push({ consulateId: c.id, id: staff.id, token, persons: [] });
    }
    const supervisorEmail = 'supervisor@bench.example.org';
    await api('POST', '/v1/staff', adminToken, {
      email: supervisorEmail,
      fullName: 'Supervisor',
      role: 'supervisor',
      consulateId: main.id,
      password: 'bench supervisor password 1',
    });
    const supToken = (
      await api<{ accessToken: string }>('POST', '/v1/auth/login', undefined, {
        email: supervisorEmail,
        password: 'bench supervisor password 1',
      })
    ).accessToken;
    const officer = officers[0]!;
    const mainPersons = Array.from({ length: 500 }, (_, i) => i);
    await pool(mainPersons, 8, async (i) => {
      const p = await api<{ id: string }>('POST', '/v1/persons', officer.token, personBody(i));
      officer.persons.push(p.id);
    });
    for (const o of officers.slice(1)) {
      await pool(
        Array.from({ length: 30 }, (_, i) => i),
        8,
        async (i) => {
          o.persons.push((await api<{ id: string }>('POST', '/v1/persons', o.token, personBody(1000 + i))).id);
        },
      );
    }
    const requestIds: string[] = [];
    await pool(
      Array.from({ length: 120 }, (_, i) => i),
      8,
      async (i) => {
        const r = await api<{ id: string }>('POST', '/v1/documentation-requests', officer.token, {
          ...passport,
          personId: officer.persons[i]!,
        });
        requestIds.push(r.id);
      },
    );
    // The office opens every day, all day, so every run finds fresh slots.
    await api('PUT', `/v1/consulates/${main.id}/schedule`, supToken, {
      slotMinutes: 30,
      weeklyHours: Array.from({ length: 7 }, (_, i) => ({ weekday: i + 1, opens: '00:00', closes: '23:30' })),
      services: [{ service: 'passport', capacityPerSlot: 25 }],
    });
    const kiosk = await api<{ kioskId: string; secret: string }>('POST', '/v1/kiosks', supToken, {
      name: 'Lobby 1',
      location: 'Main entrance',
    });
    const kioskToken = (
      await api<{ accessToken: string }>('POST', '/v1/kiosk/token', undefined, {
        kioskId: kiosk.kioskId,
        secret: kiosk.secret,
      })
    ).accessToken;
    for (let i = 0; i < 30; i++) {
      await api('POST', '/v1/kiosk/tickets', kioskToken, { service: i % 3 ? 'passport' : 'consular_id' });
    }
    const board = await api<{ date: string }>('GET', '/v1/kiosk/queue', kioskToken);

    const floorProfile = options.profileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.profileDir, 'floor')}`]
      : [];
    floor = startProcess(
      process.execPath,
      [...floorProfile, '--import', 'tsx', path.join(here, 'floor-server.ts')],
      root,
      {
        DATABASE_URL: appDbUrl,
        PORT: String(floorPort),
        ...(bouncer ? { FLOOR_UNNAMED: '1' } : {}),
      },
    );
    for (let i = 0; i < 100 && !floor.log().includes('floor listening'); i++) await sleep(100);
    if (!floor.log().includes('floor listening')) throw new Error(`floor did not start:\n${floor.log()}`);
    const floorPid = listenerPid(floorPort) ?? floor.child.pid!;

    // --- scenarios ----------------------------------------------------------------
    const json = { 'content-type': 'application/json' };
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const sample = requestIds.slice(0, 50);
    let slots: string[] = [];
    let floorSlots: string[] = [];
    let day = 0;

    const scenarios: Scenario[] = [
      {
        label: 'GET /v1/documentation-requests/:id',
        project: () =>
          sample.map((id) => ({
            method: 'GET',
            path: `/v1/documentation-requests/${id}`,
            headers: bearer(officer.token),
          })),
        floor: () => sample.map((id) => ({ method: 'GET', path: `/floor/documentation-requests/${id}` })),
      },
      {
        label: 'GET /v1/auth/me',
        project: () => [{ method: 'GET', path: '/v1/auth/me', headers: bearer(officer.token) }],
        floor: () => [{ method: 'GET', path: `/floor/staff/${officer.id}` }],
      },
      {
        label: 'GET /v1/documentation-requests?limit=50',
        project: () => [{ method: 'GET', path: '/v1/documentation-requests?limit=50', headers: bearer(officer.token) }],
        floor: () => [{ method: 'GET', path: `/floor/consulates/${main.id}/documentation-requests` }],
      },
      {
        label: 'POST /v1/documentation-requests (1 consulate)',
        project: () =>
          officer.persons.map((personId) => ({
            method: 'POST',
            path: '/v1/documentation-requests',
            headers: { ...json, ...bearer(officer.token) },
            body: JSON.stringify({ ...passport, personId }),
          })),
        floor: () =>
          officer.persons.map((personId) => ({
            method: 'POST',
            path: '/floor/documentation-requests',
            headers: json,
            body: JSON.stringify({ consulateId: main.id, personId, actorId: officer.id }),
          })),
      },
      {
        label: 'POST /v1/documentation-requests (10 consulates)',
        project: () =>
          Array.from({ length: 300 }, (_, i) => {
            const o = officers[i % officers.length]!;
            return {
              method: 'POST',
              path: '/v1/documentation-requests',
              headers: { ...json, ...bearer(o.token) },
              body: JSON.stringify({ ...passport, personId: o.persons[Math.floor(i / 10) % o.persons.length] }),
            };
          }),
        floor: () =>
          Array.from({ length: 300 }, (_, i) => {
            const o = officers[i % officers.length]!;
            return {
              method: 'POST',
              path: '/floor/documentation-requests',
              headers: json,
              body: JSON.stringify({
                consulateId: o.consulateId,
                personId: o.persons[Math.floor(i / 10) % o.persons.length],
                actorId: o.id,
              }),
            };
          }),
      },
      {
        label: 'POST /v1/appointments (4 slots × 25)',
        before: async () => {
          // Four fresh office slots on a day of their own, for the project and for the floor.
          day++;
          const from = new Date(Date.now() + (day + 1) * 86_400_000).toISOString().slice(0, 10);
          const free = await api<{ data: { startsAt: string }[] }>(
            'GET',
            `/v1/appointments/availability?consulateId=${main.id}&service=passport&from=${from}&to=${from}`,
            officer.token,
          );
          slots = free.data.slice(10, 14).map((s) => s.startsAt);
          floorSlots = free.data.slice(20, 24).map((s) => s.startsAt);
        },
        project: () =>
          officer.persons.map((personId, i) => ({
            method: 'POST',
            path: '/v1/appointments',
            headers: { ...json, ...bearer(officer.token) },
            body: JSON.stringify({ personId, service: 'passport', consulateId: main.id, startsAt: slots[i % 4] }),
          })),
        floor: () =>
          officer.persons.map((personId, i) => ({
            method: 'POST',
            path: '/floor/appointments',
            headers: json,
            body: JSON.stringify({ consulateId: main.id, personId, startsAt: floorSlots[i % 4], capacity: 25 }),
          })),
      },
      {
        label: 'GET /v1/kiosk/queue (lobby board)',
        project: () => [{ method: 'GET', path: '/v1/kiosk/queue', headers: bearer(kioskToken) }],
        floor: () => [{ method: 'GET', path: `/floor/consulates/${main.id}/board?date=${board.date}` }],
      },
    ];

    // A mix of the paths, for the long run that shows whether memory grows.
    const mixed: Spec[] = [
      ...scenarios[0]!.project().slice(0, 10),
      ...scenarios[1]!.project(),
      ...scenarios[2]!.project(),
      ...scenarios[6]!.project(),
      ...officer.persons.slice(0, 20).map((personId) => ({
        method: 'POST',
        path: '/v1/documentation-requests',
        headers: { ...json, ...bearer(officer.token) },
        body: JSON.stringify({ ...passport, personId }),
      })),
      { method: 'GET', path: `/v1/persons?q=hern&limit=20`, headers: bearer(officer.token) },
      { method: 'GET', path: `/v1/stats/consulates/${main.id}`, headers: bearer(supToken) },
    ];
    if (options.only) {
      const wanted = options.only.split(',');
      scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => wanted.some((w) => s.label.includes(w))));
    }
    let peakRss = rssMb(appPid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(appPid))), 100);
    const idleRss = rssMb(appPid);
    const load = (url: string, requests: Spec[], seconds: number) =>
      runLoad({ url, connections: options.connections, duration: seconds, requests });
    /** A run, with the CPU its server process and PostgreSQL spent per request (µs). */
    const measured = async (url: string, requests: Spec[], pid: number) => {
      const server0 = cpuSeconds(pid);
      const pg0 = postgresCpuSeconds();
      const result = await load(url, requests, options.seconds);
      const done = Math.max(1, result.total);
      return {
        ...result,
        serverUs: ((cpuSeconds(pid) - server0) / done) * 1e6,
        postgresUs: ((postgresCpuSeconds() - pg0) / done) * 1e6,
      };
    };

    // Warm-up: JIT, plan caches, pools.
    for (const s of scenarios) {
      if (s.label.startsWith('POST /v1/appointments')) continue;
      await load(base, s.project(), 1);
      await load(floorBase, s.floor(), 1);
    }

    const rows: string[] = [];
    const cpuRows: string[] = [];
    const pad = (v: string, n: number) => v.padStart(n);
    console.log(
      `api: ${options.connections} connections, ${options.seconds} s per run, ${options.rounds} rounds (A B A B), ` +
        `app ${path.relative(process.cwd(), options.appDir) || '.'}${bouncer ? ', through PgBouncer (transaction mode)' : ''}`,
    );
    for (const s of scenarios) {
      const project: Measured[] = [];
      const floorRuns: Measured[] = [];
      for (let round = 0; round < options.rounds; round++) {
        await s.before?.(round);
        project.push(await measured(base, s.project(), appPid));
        floorRuns.push(await measured(floorBase, s.floor(), floorPid));
      }
      const mean = <R extends LoadResult>(rs: R[], f: (r: R) => number) => rs.reduce((n, r) => n + f(r), 0) / rs.length;
      const pr = mean(project, (r) => r.requestsPerSecond);
      const fr = mean(floorRuns, (r) => r.requestsPerSecond);
      const non2xx = (rs: LoadResult[]) => rs.reduce((n, r) => n + r.non2xx + r.errors, 0);
      const statuses = (rs: LoadResult[]) => {
        const all: Record<string, number> = {};
        for (const r of rs) for (const [k, v] of Object.entries(r.statuses)) all[k] = (all[k] ?? 0) + v;
        return Object.entries(all)
          .map(([k, v]) => `${k}×${v}`)
          .join(' ');
      };
      rows.push(
        `| ${s.label} | ${fmt(pr, 0)} | ${fmt(
          mean(project, (r) => r.p50),
          0,
        )} / ${fmt(Math.max(...project.map((r) => r.p99)), 0)} | ${non2xx(project)} | ${fmt(fr, 0)} | ${fmt(
          mean(floorRuns, (r) => r.p50),
          0,
        )} / ${fmt(Math.max(...floorRuns.map((r) => r.p99)), 0)} | ${non2xx(floorRuns)} | **${fmt(pr / fr, 2)}** |`,
      );
      console.log(
        `  ${s.label.padEnd(48)} project ${pad(fmt(pr, 0), 6)} req/s  floor ${pad(fmt(fr, 0), 6)} req/s  ratio ${fmt(pr / fr, 2)}   project statuses ${statuses(project)}; floor ${statuses(floorRuns)}`,
      );
      cpuRows.push(
        `| ${s.label} | ${fmt(
          mean(project, (r) => r.serverUs),
          0,
        )} | ${fmt(
          mean(project, (r) => r.postgresUs),
          0,
        )} | ${fmt(
          mean(floorRuns, (r) => r.serverUs),
          0,
        )} | ${fmt(
          mean(floorRuns, (r) => r.postgresUs),
          0,
        )} |`,
      );
    }
    const loadPeak = peakRss;

    // Memory over a long mixed run: RSS after the first 1,000 requests and after 15,000.
    let after1k = 0;
    let after15k = 0;
    if (!options.only) {
      await runLoad({ url: base, connections: options.connections, amount: 1000, requests: mixed });
      after1k = rssMb(appPid);
      await runLoad({ url: base, connections: options.connections, amount: 14_000, requests: mixed });
      after15k = rssMb(appPid);
    }
    clearInterval(sampler);

    console.log('\n| path | project req/s | p50 / p99 ms | non-2xx | floor req/s | p50 / p99 ms | non-2xx | ratio |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log('\nCPU per request (µs): the server process, and every PostgreSQL process together');
    console.log('| path | project server | project PostgreSQL | floor server | floor PostgreSQL |');
    console.log('|---|---|---|---|---|');
    for (const r of cpuRows) console.log(r);
    console.log(
      `\napp RSS: idle after seeding ${fmt(idleRss, 0)} MB, peak under the runs above ${fmt(loadPeak, 0)} MB (VmHWM ${fmt(rssMb(appPid, 'VmHWM'), 0)} MB)`,
    );
    if (!options.only)
      console.log(
        `mixed run: RSS after 1,000 requests ${fmt(after1k, 0)} MB, after 15,000 ${fmt(after15k, 0)} MB (${fmt(((after15k - after1k) / after1k) * 100, 1)} %)`,
      );
  } catch (err) {
    console.error(err);
    throw err;
  } finally {
    if (floor) stopGroup(floor.child);
    stopGroup(app.child);
    for (let i = 0; i < 100 && app.child.exitCode === null; i++) await sleep(100);
    if (app.child.exitCode === null) stopGroup(app.child, 'SIGKILL');
    await bouncer?.stop();
    await db.close();
  }
}
