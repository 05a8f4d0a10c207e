import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectDatabaseUnavailable } from './helpers/faults.ts';
import { buildTestApp, useTestApp, type TestContext } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson, personPayload } from './factories/persons.ts';
import { fileRequest } from './helpers/documentation.ts';

const t = useTestApp({ env: { DATABASE_STATEMENT_TIMEOUT_MS: '1000' } });

let consulate: { id: string };
let officer: LoggedIn;

beforeAll(async () => {
  consulate = await createConsulate(t.prisma);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
});

const register = (ctx: Pick<TestContext, 'app'>, who: LoggedIn, key: string, payload: Record<string, unknown>) =>
  ctx.app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: { ...who.headers, 'idempotency-key': key },
    payload,
  });

/**
 * Another session holds the consulate's row lock, so a person insert (its
 * foreign key check) waits for it. `release` ends that session's transaction.
 */
async function lockConsulate(): Promise<{ client: pg.Client; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: t.db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT id FROM consulates WHERE id = $1 FOR UPDATE', [consulate.id]);
  return {
    client,
    async release() {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Waits until one of the API's connections to this file's database waits for a lock. */
async function apiWaitsForLock(client: pg.Client): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { rowCount } = await client.query(
      `SELECT 1 FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'consular-api' AND wait_event_type = 'Lock'`,
    );
    if (rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the API never waited for the lock');
}

describe('a statement waiting longer than DATABASE_STATEMENT_TIMEOUT_MS', () => {
  it('is cancelled: 503, nothing half-written, and the key is free for the retry at once', async () => {
    const payload = personPayload();
    const auditsBefore = await t.prisma.auditEvent.count({
      where: { action: 'person.create', consulateId: consulate.id },
    });
    const lock = await lockConsulate();
    let res;
    try {
      res = await register(t, officer, 'blocked-by-a-lock', payload);
    } finally {
      await lock.release();
    }
    const body = expectDatabaseUnavailable(res);
    expect(body.detail).toBe('The database did not answer in time. Retry in a few seconds.');
    // The transaction rolled back whole: no person, no audit event, no claimed key.
    expect(await t.prisma.person.count({ where: { curp: payload.curp } })).toBe(0);
    expect(await t.prisma.auditEvent.count({ where: { action: 'person.create', consulateId: consulate.id } })).toBe(
      auditsBefore,
    );
    expect(await t.prisma.idempotencyKey.count({ where: { key: 'blocked-by-a-lock' } })).toBe(0);
    expect(t.logs.find((l) => l.msg === 'database unavailable')).toMatchObject({
      level: 40,
      fault: 'timeout',
      faultCode: '57014',
      database: 'primary',
    });

    const retry = await register(t, officer, 'blocked-by-a-lock', payload);
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await t.prisma.person.count({ where: { curp: payload.curp } })).toBe(1);
  });
});

describe('the connection pool exhausted', () => {
  it('a request waiting longer than DATABASE_POOL_TIMEOUT_MS for a connection is 503, not 500; freed, the pool serves again', async () => {
    const narrow = await buildTestApp({
      database: t.db,
      env: { DATABASE_POOL_MAX: '1', DATABASE_POOL_TIMEOUT_MS: '300', DATABASE_STATEMENT_TIMEOUT_MS: '20000' },
    });
    try {
      const clerk = await loginAs(narrow.app, narrow.prisma, 'documentation_officer', consulate.id);
      const payload = personPayload();
      const lock = await lockConsulate();
      let first;
      try {
        // This write holds the pool's only connection while it waits for the lock.
        const pending = register(narrow, clerk, 'holds-the-pool', payload);
        await apiWaitsForLock(lock.client);
        const others = await Promise.all([
          narrow.app.inject({ url: '/v1/persons', headers: clerk.headers }),
          narrow.app.inject({ url: `/v1/consulates/${consulate.id}`, headers: clerk.headers }),
          register(narrow, clerk, 'waits-for-the-pool', personPayload()),
        ]);
        for (const res of others) {
          expect(expectDatabaseUnavailable(res).detail).toBe(
            'The database is too busy to serve the request now. Retry in a few seconds.',
          );
          expect(res.headers['retry-after']).toBe('2');
        }
        await lock.release();
        first = await pending;
      } finally {
        await lock.client.end().catch(() => undefined);
      }
      expect(first.statusCode, first.body).toBe(201);
      expect((await narrow.app.inject({ url: '/v1/persons', headers: clerk.headers })).statusCode).toBe(200);
      expect(narrow.logs.filter((l) => l.msg === 'database unavailable').map((l) => l.fault)).toEqual([
        'busy',
        'busy',
        'busy',
      ]);
    } finally {
      await narrow.close();
    }
  });
});

describe('a read whose access-log row cannot be written', () => {
  it('answers 503 to every read waiting on that row, not the record; once the log is writable, reads answer and are logged', async () => {
    const person = await createPerson(t.prisma, consulate.id);
    const filed = await fileRequest(t.app, officer.headers, person.id);
    const read = () => t.app.inject({ url: `/v1/documentation-requests/${filed.id}`, headers: officer.headers });
    const logged = async () =>
      (
        await t.prisma.$queryRawUnsafe<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM access_log WHERE entity_id = $1::uuid AND action = 'documentation_request.read'`,
          filed.id,
        )
      )[0]!.n;
    expect(await logged()).toBe(0);

    // Another session holds the access log: the reads find the request, but their rows wait.
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    let blocked;
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE access_log IN ACCESS EXCLUSIVE MODE');
      blocked = await Promise.all([read(), read(), read()]);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
    for (const res of blocked) {
      const body = expectDatabaseUnavailable(res);
      expect(res.body).not.toContain(filed.reference);
      expect(body).not.toHaveProperty('person');
    }
    expect(await logged()).toBe(0);

    const after = await Promise.all([read(), read()]);
    for (const res of after) expect(res.statusCode, res.body).toBe(200);
    expect(after[0].json()).toMatchObject({ id: filed.id, reference: filed.reference });
    expect(await logged()).toBe(2);
  });
});
