import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { parseEnv, toAppConfig } from '../src/config/env.ts';
import { PG_MESSAGES } from '../src/db/faults.ts';
import { createLogger } from '../src/lib/logger.ts';
import { expectDatabaseUnavailable } from './helpers/faults.ts';
import { TEST_JWT_SECRET, testConfig } from './helpers/build-test-app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { createConsulate } from './factories/consulates.ts';

// Real faults, produced by the real database through the app's own Prisma
// client, raised from routes this file adds: what the client sees, and what
// the operator's log says.
let app: FastifyInstance;
let db: TestDatabase;
const logs: Record<string, unknown>[] = [];
let ids: [string, string];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** Both outcomes of two racing transactions; rethrows the one that failed. */
async function oneFails(...work: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  app = await buildApp({
    config: testConfig(db.url, { DATABASE_STATEMENT_TIMEOUT_MS: '500', DATABASE_POOL_MAX: '3' }),
    logger: createLogger('info', sink),
  });
  const prisma = () => app.prisma;
  app.get('/fault/statement-timeout', async () => prisma().$executeRaw`SELECT pg_sleep(3)`);
  app.get('/fault/lock-timeout', async () => {
    // A model query waiting for a row lock another session holds.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM consulates WHERE id = $1 FOR UPDATE', [ids[0]]);
      return await prisma().consulate.update({ where: { id: ids[0] }, data: { name: 'Renamed' } });
    } finally {
      await holder.end();
    }
  });
  app.get('/fault/transaction-expired', async () =>
    prisma().$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_sleep(0.4)`;
        return tx.consulate.count();
      },
      { timeout: 100 },
    ),
  );
  app.get('/fault/transaction-start', async () => {
    // Every connection of the pool (3) is busy: the transaction cannot start within its maxWait.
    const busy = Array.from({ length: 3 }, () => prisma().$transaction((tx) => tx.$executeRaw`SELECT pg_sleep(0.4)`));
    await sleep(100);
    try {
      return await prisma().$transaction((tx) => tx.consulate.count(), { maxWait: 50 });
    } finally {
      await Promise.allSettled(busy);
    }
  });
  app.get('/fault/deadlock', async () => {
    const both = gate();
    let locked = 0;
    const crossing = (first: string, second: string) =>
      prisma().$transaction(async (tx) => {
        // Found before the statement timeout (500 ms) cancels the wait.
        await tx.$executeRaw`SET LOCAL deadlock_timeout = '100ms'`;
        await tx.consulate.update({ where: { id: first }, data: { name: 'First' } });
        if (++locked === 2) both.open();
        await both.opened;
        await tx.consulate.update({ where: { id: second }, data: { name: 'Second' } });
      });
    await oneFails(crossing(ids[0], ids[1]), crossing(ids[1], ids[0]));
  });
  app.get('/fault/serialization', async () => {
    // Write skew under SERIALIZABLE: each reads both rows and writes one.
    const bothRead = gate();
    const firstDone = gate();
    let reads = 0;
    const skew = (mine: string, waitForOther: boolean) =>
      prisma().$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT count(*)::int AS n FROM consulates WHERE id IN (${ids[0]}::uuid, ${ids[1]}::uuid)`;
          if (++reads === 2) bothRead.open();
          await bothRead.opened;
          if (waitForOther) await firstDone.opened;
          await tx.$executeRaw`UPDATE consulates SET name = name WHERE id = ${mine}::uuid`;
        },
        { isolationLevel: 'Serializable' },
      );
    const first = skew(ids[0], false).finally(() => firstDone.open());
    await oneFails(first, skew(ids[1], true));
  });
  await app.ready();
  const a = await createConsulate(app.prisma);
  const b = await createConsulate(app.prisma);
  ids = [a.id, b.id];
});

afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('real database faults answer 503 problem+json with Retry-After', () => {
  it.each([
    ['statement-timeout', 'database-unavailable', 'did not answer in time', '5', '57014'],
    ['lock-timeout', 'database-unavailable', 'did not answer in time', '5', '57014'],
    ['transaction-expired', 'database-unavailable', 'did not answer in time', '5', 'P2028'],
    ['transaction-start', 'database-unavailable', 'too busy', '2', 'P2028'],
    ['deadlock', 'transaction-conflict', 'collided with a concurrent change', '1', 'P2034'],
    ['serialization', 'transaction-conflict', 'collided with a concurrent change', '1', '40001'],
  ])('%s → %s', async (fault, type, detail, retryAfter, code) => {
    const res = await app.inject({ url: `/fault/${fault}`, headers: { 'x-request-id': `fault-${fault}` } });
    const body = expectDatabaseUnavailable(res, `urn:problem-type:consular:${type}`);
    expect(body.detail).toContain(detail);
    expect(res.headers['retry-after']).toBe(retryAfter);
    // The operator's line: a warning with the cause, by its code; never a 500 "unhandled error".
    const lines = logs.filter((l) => l.reqId === `fault-${fault}`);
    const line = lines.find((l) => l.msg === 'database unavailable');
    expect(line).toMatchObject({ level: 40, database: 'primary', err: { type: expect.any(String) } });
    expect(String(line?.faultCode)).toContain(code);
    expect(lines.some((l) => l.msg === 'unhandled error')).toBe(false);
  });
});

describe('node-postgres errors recognised by their message', () => {
  it('every message the mapping relies on is still raised by the installed pg and pg-pool', () => {
    const require = createRequire(import.meta.url);
    const source = ['pg/lib/client.js', 'pg-pool']
      .map((file) => readFileSync(require.resolve(file), 'utf8'))
      .join('\n');
    for (const message of Object.keys(PG_MESSAGES)) {
      expect(source, message).toMatch(new RegExp(`Error\\((['"])${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`));
    }
  });
});

describe('database timeouts in the configuration', () => {
  const base = { DATABASE_URL: 'postgresql://u@h/db', JWT_SECRET: TEST_JWT_SECRET };

  it('have defaults of seconds, and are read from the environment', () => {
    expect(toAppConfig(parseEnv(base)).databaseTimeouts).toEqual({
      connectMs: 5_000,
      poolMs: 15_000,
      statementMs: 5_000,
      transactionMs: 20_000,
      statsStatementMs: 10_000,
      readinessMs: 2_000,
    });
    const config = toAppConfig(
      parseEnv({
        ...base,
        DATABASE_CONNECT_TIMEOUT_MS: '1500',
        DATABASE_POOL_TIMEOUT_MS: '2500',
        DATABASE_STATEMENT_TIMEOUT_MS: '3500',
        DATABASE_TRANSACTION_TIMEOUT_MS: '4500',
        STATS_STATEMENT_TIMEOUT_MS: '30000',
        READINESS_TIMEOUT_MS: '500',
      }),
    );
    expect(config.databaseTimeouts).toEqual({
      connectMs: 1500,
      poolMs: 2500,
      statementMs: 3500,
      transactionMs: 4500,
      statsStatementMs: 30_000,
      readinessMs: 500,
    });
  });

  it('refuse zero (no bound) and nonsense, naming the variable', () => {
    expect(() => parseEnv({ ...base, DATABASE_STATEMENT_TIMEOUT_MS: '0' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS/);
    expect(() => parseEnv({ ...base, DATABASE_POOL_TIMEOUT_MS: 'soon' })).toThrow(/DATABASE_POOL_TIMEOUT_MS/);
  });

  it('are all in .env.example and in the README', () => {
    const root = new URL('..', import.meta.url);
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    for (const name of [
      'DATABASE_CONNECT_TIMEOUT_MS',
      'DATABASE_POOL_TIMEOUT_MS',
      'DATABASE_STATEMENT_TIMEOUT_MS',
      'DATABASE_TRANSACTION_TIMEOUT_MS',
      'STATS_STATEMENT_TIMEOUT_MS',
      'READINESS_TIMEOUT_MS',
    ]) {
      expect(example, name).toMatch(new RegExp(`^${name}=`, 'm'));
      expect(readme, name).toContain(`\`${name}\``);
    }
  });
});
