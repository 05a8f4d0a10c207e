import type pg from 'pg';
import type { Prisma, PrismaClient, Tx } from './client.ts';

/**
 * The answer a creating request gives: status, headers and body. A service
 * whose write transaction returns one hands its final response to the
 * transaction, so the response can be stored with the write it answers
 * (idempotency) and a retry replays exactly what the first request was told.
 */
export class Answer<T = unknown> {
  constructor(
    readonly status: number,
    readonly body: T,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/** 201 Created with `body` (and its ETag, Location when given). */
export const created = <T>(body: T, headers: Record<string, string> = {}): Answer<T> => new Answer(201, body, headers);

/** Runs one SQL statement (`$1`… parameters) in the transaction at hand; its rows. */
export type RunSql = (sql: string, values: unknown[]) => Promise<unknown[]>;

/**
 * Something of the request that takes part in its write transaction; the
 * idempotency plugin's key is one. `enter` runs first in the transaction
 * (to claim what must be claimed before the work), `leave` last, with the
 * transaction's result (to store the answer) — so both commit or roll back
 * with the write.
 */
export interface TransactionParticipant {
  enter(run: RunSql): Promise<void>;
  leave(run: RunSql, result: unknown): Promise<void>;
}

/** What a write transaction needs of its request: the participant, when it has one. */
export interface WriteContext {
  readonly participant?: TransactionParticipant | undefined;
}

interface TransactionOptions {
  maxWait?: number;
  timeout?: number;
  isolationLevel?: Prisma.TransactionIsolationLevel;
}

const prismaRun =
  (tx: Tx): RunSql =>
  (sql, values) =>
    tx.$queryRawUnsafe<unknown[]>(sql, ...values);

/**
 * `prisma.$transaction(fn)` for the writes of creating requests: the
 * request's participant (its Idempotency-Key) joins the transaction. Every
 * service behind a route with `config: { idempotent: true }` writes through
 * this (or `sqlWriteTransaction`), and returns its `Answer` from `fn`.
 */
export async function writeTransaction<T>(
  prisma: PrismaClient,
  ctx: WriteContext,
  fn: (tx: Tx) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  const participant = ctx.participant;
  if (!participant) return prisma.$transaction(fn, options);
  return prisma.$transaction(async (tx) => {
    await participant.enter(prismaRun(tx));
    const result = await fn(tx);
    await participant.leave(prismaRun(tx), result);
    return result;
  }, options);
}

/** The same, for a hand-written transaction on a pg connection (see Sql.transaction). */
export async function joinSqlTransaction<T>(
  client: pg.PoolClient,
  ctx: WriteContext,
  fn: () => Promise<T>,
): Promise<T> {
  const participant = ctx.participant;
  if (!participant) return fn();
  const run: RunSql = async (sql, values) => (await client.query(sql, values)).rows as unknown[];
  await participant.enter(run);
  const result = await fn();
  await participant.leave(run, result);
  return result;
}
