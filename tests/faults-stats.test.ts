import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../src/db/migrate.ts';
import { expectDatabaseUnavailable } from './helpers/faults.ts';
import { buildTestApp, type TestContext } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { startPgServer, type PgServer } from './helpers/pg-server.ts';
import { createConsulate } from './factories/consulates.ts';
import { personPayload } from './factories/persons.ts';

// A primary and its streaming replica, both this file's own; statistics read
// the replica (STATS_DATABASE_URL), which the tests stop and freeze.
let primary: PgServer;
let replica: PgServer;
let t: TestContext & { close(): Promise<void> };
let consulate: { id: string };
let supervisor: LoggedIn;

const stats = () =>
  t.app.inject({
    url: `/v1/stats/consulates/${consulate.id}?from=2026-11-01&to=2026-11-30`,
    headers: supervisor.headers,
  });

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never: ${what}`);
}

beforeAll(async () => {
  primary = await startPgServer();
  await primary.query('CREATE DATABASE consular');
  await migrateDatabase(primary.url('consular'));
  replica = await primary.replica();
  t = await buildTestApp({
    database: { url: primary.url('consular'), name: 'consular', drop: async () => undefined },
    env: {
      STATS_DATABASE_URL: replica.url('consular'),
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      STATS_STATEMENT_TIMEOUT_MS: '1500',
      READINESS_TIMEOUT_MS: '1000',
    },
  });
  consulate = await createConsulate(t.prisma);
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  // The replica has streamed the consulate.
  await eventually('the replica has the consulate', async () => (await stats()).statusCode === 200);
});

afterAll(async () => {
  await t?.close();
  await replica?.destroy();
  await primary?.destroy();
});

/** The rest of the API works on the primary alone. */
async function expectPrimaryServes() {
  expect((await t.app.inject({ url: '/v1/persons', headers: supervisor.headers })).statusCode).toBe(200);
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: supervisor.headers,
    payload: personPayload(),
  });
  expect(created.statusCode, created.body).toBe(201);
}

function expectStatisticsUnavailable(res: LightMyRequestResponse) {
  const body = expectDatabaseUnavailable(res);
  expect(body.detail).toMatch(/^The statistics database .*The rest of the service is not affected\.$/);
  return body;
}

const statsLogLines = () => t.logs.filter((l) => l.msg === 'statistics database unavailable');

describe('the statistics replica', () => {
  it('is reported by readiness, which stays the primary’s verdict', async () => {
    const ready = await t.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', database: 'ok', statsDatabase: 'ok' });
  });

  it('down: statistics answer 503 naming the statistics database, the log names the replica, the rest works', async () => {
    await replica.stop('fast');
    try {
      expectStatisticsUnavailable(await stats());
      expect(statsLogLines().at(-1)).toMatchObject({
        level: 40,
        database: 'statistics',
        databaseHost: `127.0.0.1:${replica.port}`,
        fault: 'unreachable',
      });
      await expectPrimaryServes();
      const ready = await t.app.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ok', database: 'ok', statsDatabase: 'unavailable' });
    } finally {
      await replica.start();
    }
    // Back without restarting the API.
    await eventually('statistics answer again', async () => (await stats()).statusCode === 200);
    expect((await t.app.inject({ url: '/health/ready' })).json()).toMatchObject({ statsDatabase: 'ok' });
  });

  it('frozen: statistics answer 503 once the statement or connect timeout is up, and recover when it thaws', async () => {
    expect((await stats()).statusCode).toBe(200); // a pooled connection to the replica, now idle
    const before = statsLogLines().length;
    await replica.freeze();
    try {
      // On the pooled connection the query gets no answer; on a new one the connection never opens.
      expectStatisticsUnavailable(await stats());
      expectStatisticsUnavailable(await stats());
      expect(
        statsLogLines()
          .slice(before)
          .map((l) => l.fault),
      ).toEqual(['timeout', 'timeout']);
      await expectPrimaryServes();
      const ready = await t.app.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ok', database: 'ok', statsDatabase: 'unavailable' });
    } finally {
      await replica.thaw();
    }
    await eventually('statistics answer again', async () => (await stats()).statusCode === 200);
  });
});
