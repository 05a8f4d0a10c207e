import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../src/db/migrate.ts';
import { expectDatabaseUnavailable, waitUntilReady } from './helpers/faults.ts';
import { buildTestApp, type TestContext } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { startPgServer, type PgServer } from './helpers/pg-server.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson, personPayload } from './factories/persons.ts';
import { DETAILS, fileRequest } from './helpers/documentation.ts';

// The database of this file is a PostgreSQL server of its own, which the tests
// stop, restart and kill under the running API.
let server: PgServer;
let t: TestContext & { close(): Promise<void> };
let consulate: { id: string };
let officer: LoggedIn;
let personId: string;
let requestId: string;

beforeAll(async () => {
  server = await startPgServer();
  await server.query('CREATE DATABASE consular');
  const url = server.url('consular');
  await migrateDatabase(url);
  t = await buildTestApp({
    database: { url, name: 'consular', drop: async () => undefined },
    env: {
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_POOL_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      READINESS_TIMEOUT_MS: '1000',
    },
  });
  consulate = await createConsulate(t.prisma);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  personId = (await createPerson(t.prisma, consulate.id)).id;
  requestId = (await fileRequest(t.app, officer.headers, personId, 'consular_id')).id;
});

/** A filing (the one-call path without a key; the transaction path with one). */
const file = (key?: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/documentation-requests',
    headers: { ...officer.headers, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { personId, type: 'passport', details: DETAILS.passport },
  });

afterAll(async () => {
  await t?.close();
  await server?.destroy();
});

const register = (key: string, payload: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: { ...officer.headers, 'idempotency-key': key },
    payload,
  });

/**
 * Counted on a connection of its own: after a crash restart the test's own
 * pooled connections are dead until the pool notices, and a count must not
 * depend on when it does.
 */
const personsWith = async (curp: unknown) =>
  Number(
    (await server.query<{ n: string }>('SELECT count(*) AS n FROM persons WHERE curp = $1', [curp], 'consular'))[0]!.n,
  );
const personIdWith = async (curp: unknown) =>
  (await server.query<{ id: string }>('SELECT id FROM persons WHERE curp = $1', [curp], 'consular'))[0]?.id;
const keysNamed = async (key: string) =>
  Number(
    (
      await server.query<{ n: string }>('SELECT count(*) AS n FROM idempotency_keys WHERE key = $1', [key], 'consular')
    )[0]!.n,
  );

/** The backend of the API's connection that matches `where` (pg_stat_activity), once it appears. */
async function apiBackend(where: string): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const rows = await server.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'consular-api' AND ${where}`,
      [],
      'consular',
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no API backend with ${where}`);
}

describe('the database stopped under load', () => {
  it('answers 503 problem+json to every request while it is down, recovers without a restart, and no retried write is lost or doubled', async () => {
    const writes = Array.from({ length: 30 }, (_, i) => ({ key: `outage-${i}`, payload: personPayload() }));
    const answers: LightMyRequestResponse[] = [];
    let loading = true;
    const reader = async () => {
      while (loading) answers.push(await t.app.inject({ url: '/v1/persons?limit=5', headers: officer.headers }));
    };
    const readers = [reader(), reader(), reader()];

    // Three writers work through the writes; the server goes down once a few
    // have gone through, with others in flight (each may commit or not) or to come.
    const firstAnswers: LightMyRequestResponse[] = [];
    let next = 0;
    const writer = async () => {
      for (let w = writes[next++]; w; w = writes[next++]) firstAnswers.push(await register(w.key, w.payload));
    };
    const writers = [writer(), writer(), writer()];
    while (firstAnswers.filter((r) => r.statusCode === 201).length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await server.stop('fast');
    await Promise.all(writers);
    answers.push(...firstAnswers);

    // While it is down, every kind of request gets an answer, and it is a 503.
    const down = await Promise.all([
      t.app.inject({ url: '/v1/persons', headers: officer.headers }),
      t.app.inject({ url: `/v1/consulates/${consulate.id}`, headers: officer.headers }),
      t.app.inject({ url: '/v1/auth/me', headers: officer.headers }),
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'x@consular.test', password: 'whatever it is' },
      }),
      register('outage-while-down', personPayload()),
      t.app.inject({ url: `/v1/documentation-requests/${requestId}`, headers: officer.headers }),
      file(),
      file('filing-while-down'),
      ...writes.slice(0, 3).map((w) => register(w.key, w.payload)),
    ]);
    for (const res of down) expectDatabaseUnavailable(res);
    const ready = await t.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ database: 'unavailable' });
    expect((await t.app.inject({ url: '/health/live' })).statusCode).toBe(200);

    await server.start();
    await waitUntilReady(t.app);
    loading = false;
    await Promise.all(readers);

    // Nothing answered anything but success or a clean 503.
    for (const res of answers) {
      if (res.statusCode === 503) expectDatabaseUnavailable(res);
      else expect([200, 201], res.body).toContain(res.statusCode);
    }
    expect(answers.filter((r) => r.statusCode === 503).length).toBeGreaterThan(0);

    // Each write, retried with its key until it succeeds, exists exactly once.
    for (const w of writes) {
      let res = await register(w.key, w.payload);
      for (let attempt = 0; res.statusCode === 503 && attempt < 20; attempt++) res = await register(w.key, w.payload);
      expect(res.statusCode, res.body).toBe(201);
      expect(await personsWith(w.payload.curp)).toBe(1);
      expect(res.json().id).toBe(await personIdWith(w.payload.curp));
    }
    // The filings refused while it was down wrote nothing; read and filing answer again.
    const passports = await server.query<{ n: string }>(
      "SELECT count(*) AS n FROM documentation_requests WHERE person_id = $1 AND type = 'passport'",
      [personId],
      'consular',
    );
    expect(passports[0]!.n).toBe('0');
    const read = await t.app.inject({ url: `/v1/documentation-requests/${requestId}`, headers: officer.headers });
    expect(read.statusCode, read.body).toBe(200);
    const filed = await file();
    expect(filed.statusCode, filed.body).toBe(201);
    expect(t.logs.some((l) => l.msg === 'database unavailable' && l.level === 40)).toBe(true);
  });
});

describe('a write cut off mid-transaction', () => {
  it('committed, but its connection killed before the answer: the 503 is followed by a replay, not a second person', async () => {
    // Commits wait for a synchronous standby that does not exist: the write
    // commits locally and then waits, so its connection can be killed at the
    // one moment nobody can tell whether it committed.
    await server.query("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
    await server.query('SELECT pg_reload_conf()');
    const payload = personPayload();
    let res: LightMyRequestResponse;
    try {
      const pending = register('cut-after-commit', payload);
      const pid = await apiBackend("wait_event = 'SyncRep'");
      await server.query('SELECT pg_terminate_backend($1)', [pid]);
      res = await pending;
    } finally {
      await server.query('ALTER SYSTEM RESET synchronous_standby_names');
      await server.query('SELECT pg_reload_conf()');
    }
    expectDatabaseUnavailable(res);
    expect(await personsWith(payload.curp)).toBe(1);

    const retry = await register('cut-after-commit', payload);
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(await personIdWith(payload.curp));
    expect(await personsWith(payload.curp)).toBe(1);
  });

  it('its backend killed (the server restarts every connection) before commit: the retry writes it once', async () => {
    const holder = new pg.Client({ connectionString: server.url('consular') });
    holder.on('error', () => undefined); // the crash ends this connection too
    await holder.connect();
    const payload = personPayload();
    try {
      // The insert's foreign key check waits for this row lock.
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM consulates WHERE id = $1 FOR UPDATE', [consulate.id]);
      const pending = register('killed-before-commit', payload);
      const pid = await apiBackend("wait_event_type = 'Lock'");
      process.kill(pid, 'SIGKILL');
      expectDatabaseUnavailable(await pending);
    } finally {
      await holder.end().catch(() => undefined);
    }
    await waitUntilReady(t.app);
    expect(await personsWith(payload.curp)).toBe(0);
    expect(await keysNamed('killed-before-commit')).toBe(0);

    const retry = await register('killed-before-commit', payload);
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await personsWith(payload.curp)).toBe(1);
    const again = await register('killed-before-commit', payload);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await personsWith(payload.curp)).toBe(1);
  });
});
