import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { expectProblem } from './assertions.ts';

/** What must never reach a client from a database failure: the driver's or Prisma's own words. */
const INTERNALS = [
  /\bP[12]\d{3}\b/, // Prisma error codes
  /prisma/i,
  /DriverAdapter|DatabaseNotReachable|ConnectionClosed|SocketTimeout|TransactionWriteConflict/,
  /\bkind\b/,
  /E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT)/,
  /\b(08|40|53|55|57)[0-9A-Z]{3}\b/, // SQLSTATEs
  /SELECT|INSERT|UPDATE|pg_|postgres/i,
  /terminat|canceling statement|timeout exceeded|Query read timeout|not queryable/i,
  /127\.0\.0\.1|localhost/,
];

/**
 * Asserts a 503 problem+json of a database fault: the given problem type,
 * a Retry-After in seconds, and nothing internal in the body.
 */
export function expectDatabaseUnavailable(
  res: LightMyRequestResponse,
  type = 'urn:problem-type:consular:database-unavailable',
): Record<string, any> {
  const body = expectProblem(res, 503);
  expect(body.type).toBe(type);
  expect(body.detail).toEqual(expect.any(String));
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  for (const pattern of INTERNALS) expect(res.body, `the answer shows ${pattern}`).not.toMatch(pattern);
  return body;
}

/** Polls /health/ready until it answers 200 (the database is back); fails after ~20 s. */
export async function waitUntilReady(app: FastifyInstance): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await app.inject({ url: '/health/ready' })).statusCode === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready again');
}
