import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { parseEnv, toAppConfig, type AppConfig } from '../../src/config/env.ts';
import { createPrismaClient, type PrismaClient } from '../../src/db/client.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface TestContext {
  app: FastifyInstance;
  /** A client of the same database, for factories and for asserting rows. */
  prisma: PrismaClient;
  db: TestDatabase;
  config: AppConfig;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
}

export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return toAppConfig(
    parseEnv({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      // One account makes all of a test's requests (statistics tests follow hundreds of
      // drill-downs a minute): the per-actor limit is counted, and tested by rate-limit.test.ts.
      RATE_LIMIT_PER_STAFF: '1000000',
      RATE_LIMIT_PER_KIOSK: '1000000',
      // Webhook delivery only where a test asks for it (tests/webhooks*.test.ts).
      WEBHOOK_DISPATCHER: 'false',
      ...env,
    }),
  );
}

export interface TestAppOptions {
  /** Configuration variables to override. */
  env?: Record<string, string>;
  /** Share another app's database (it is then not dropped on close). */
  database?: TestDatabase;
  /** Where the app's "now" comes from. */
  clock?: Clock;
}

/** Builds an app on a database of its own. */
export async function buildTestApp({ env = {}, database, clock }: TestAppOptions = {}): Promise<
  TestContext & { close(): Promise<void> }
> {
  const db = database ?? (await createTestDatabase());
  const config = testConfig(db.url, env);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await buildApp({ config, logger: createLogger(config.logLevel, sink), ...(clock ? { clock } : {}) });
  await app.ready();
  const prisma = createPrismaClient(db.url, 4);
  return {
    app,
    prisma,
    db,
    config,
    logs,
    async close() {
      await app.close();
      await prisma.$disconnect();
      if (!database) await db.drop();
    },
  };
}

/**
 * Registers beforeAll/afterAll for a test file: one app, one database.
 * The returned object is filled in before the first test runs.
 */
export function useTestApp(options: TestAppOptions = {}): TestContext {
  const ctx = {} as TestContext & { close?: () => Promise<void> };
  beforeAll(async () => {
    Object.assign(ctx, await buildTestApp(options));
  });
  afterAll(async () => {
    await ctx.close?.();
  });
  return ctx;
}

/** A clock the test sets: `clock.set('2026-10-29T10:00:00-07:00')`. */
export function testClock(start: string | Date = new Date()): Clock & { set(at: string | Date): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set(at) {
      current = new Date(at);
    },
  };
}
