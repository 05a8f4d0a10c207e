import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/lib/logger.ts';
import { expectProblem } from './helpers/assertions.ts';
import { testConfig } from './helpers/build-test-app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// An app with one extra route that fails, to see what a 500 looks like.
let app: FastifyInstance;
let db: TestDatabase;
const logs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  app = await buildApp({ config: testConfig(db.url), logger: createLogger('info', sink) });
  app.get('/boom', async () => {
    throw new Error('database password is hunter2 and row holds CURP GODE561231HDFRRN09');
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('unexpected errors', () => {
  it('are 500 problems that hide the cause but quote the request id, which the log carries', async () => {
    const res = await app.inject({ url: '/boom', headers: { 'x-request-id': 'trace-500' } });
    const body = expectProblem(res, 500);
    expect(body.detail).toBe('An unexpected error occurred. Quote request id trace-500 when reporting it.');
    expect(res.body).not.toContain('hunter2');
    const line = logs.find((l) => l.includes('"unhandled error"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ reqId: 'trace-500', level: 50 });
  });
});
