/**
 * `npm run bench -- import`: the demo year file (scripts/year-file.ts, 146,076
 * lines) imported through the running app — started as in production
 * (`npm start`: built, --max-old-space-size=160) on a fresh seeded database —
 * streamed over HTTP, timed from the first byte sent to the job's
 * `succeeded`. Prints lines/s and rows/s (persons, requests, their timeline
 * events, sealed identities), the app's peak RSS while importing, and the
 * floor: a raw server-side `COPY` of the very same rows into the same tables
 * (same schema, triggers and indexes) of a twin database on the same server.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { yearChunks } from '../scripts/year-file.ts';
import { freePort, listenerPid, rssMb, startProcess, stopGroup, waitReady } from './api.ts';
import { benchDatabase, fmt } from './lib.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TABLES = ['persons', 'documentation_requests', 'documentation_request_events', 'sealed_identities'];

const yearFile = (): Readable => Readable.from(yearChunks({ year: 2025 }));

async function upload(base: string, token: string): Promise<{ status: number; body: string }> {
  const url = new URL('/v1/imports', base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    pipeline(yearFile(), req).catch(reject);
  });
}

export async function benchImport(): Promise<void> {
  const db = await benchDatabase('import', { migrate: false });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const admin = { email: 'bench-admin@example.org', password: 'bench admin password 1' };
  const app = startProcess('npm', ['start'], root, {
    DATABASE_URL: db.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    SEED_ADMIN_EMAIL: admin.email,
    SEED_ADMIN_PASSWORD: admin.password,
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    RATE_LIMIT_PER_STAFF: '2147483647',
  });
  const client = new pg.Client({ connectionString: db.url });
  try {
    await waitReady(base, app.child, app.log);
    const pid = listenerPid(port)!;
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const idleRss = rssMb(pid);
    let peakRss = idleRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 100);

    const started = performance.now();
    const posted = await upload(base, token);
    if (posted.status !== 202) throw new Error(`POST /v1/imports: ${posted.status} ${posted.body.slice(0, 500)}`);
    const uploaded = performance.now();
    const { id } = JSON.parse(posted.body) as { id: string };
    let job: { state: string; linesRead: number; created: number; rejected: number };
    for (;;) {
      const res = await fetch(`${base}/v1/imports/${id}`, { headers: { authorization: `Bearer ${token}` } });
      job = (await res.json()) as typeof job;
      if (job.state === 'succeeded' || job.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const hwm = rssMb(pid, 'VmHWM');
    if (job.state !== 'succeeded' || job.rejected > 0) throw new Error(`import ended ${JSON.stringify(job)}`);

    await client.connect();
    let rows = 0;
    for (const table of TABLES) {
      rows += Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    }

    // The floor: the same rows, COPY'd server-side into a twin database (consulates first, untimed).
    const twin = await benchDatabase('import_copy');
    const dir = `/tmp/ccm-bench-import-${process.pid}`;
    await client.query(`COPY (SELECT 1) TO PROGRAM 'mkdir -p ${dir} && chmod 777 ${dir}'`);
    for (const table of ['consulates', ...TABLES]) {
      await client.query(`COPY ${table} TO '${dir}/${table}.copy'`);
    }
    const twinClient = new pg.Client({ connectionString: twin.url });
    await twinClient.connect();
    let copySeconds = 0;
    try {
      await twinClient.query(`COPY consulates FROM '${dir}/consulates.copy'`);
      const copyStarted = performance.now();
      for (const table of TABLES) await twinClient.query(`COPY ${table} FROM '${dir}/${table}.copy'`);
      copySeconds = (performance.now() - copyStarted) / 1000;
    } finally {
      await twinClient.end();
      await client.query(`COPY (SELECT 1) TO PROGRAM 'rm -rf ${dir}'`);
      await twin.close();
    }

    const rate = rows / seconds;
    const copyRate = rows / copySeconds;
    console.log(
      `import of the 2025 demo year: ${job.linesRead} lines, ${job.created} records, ${rows} rows (${TABLES.join(', ')})`,
    );
    console.log(`  upload stored in ${fmt((uploaded - started) / 1000)} s; whole import ${fmt(seconds)} s`);
    console.log(`  ${fmt(job.linesRead / seconds, 0)} lines/s, ${fmt(rate, 0)} rows/s`);
    console.log(`  raw COPY of the same rows into the same tables: ${fmt(copySeconds)} s, ${fmt(copyRate, 0)} rows/s`);
    console.log(`  ratio import / COPY: ${fmt(rate / copyRate, 2)} (goal ≥ 0.2)`);
    console.log(
      `  app RSS: idle ${fmt(idleRss, 0)} MB, peak while importing ${fmt(peakRss, 0)} MB (VmHWM ${fmt(hwm, 0)} MB)`,
    );
  } finally {
    await client.end().catch(() => {});
    stopGroup(app.child);
    await new Promise((r) => setTimeout(r, 1000));
    await db.close();
  }
}
