import { AsyncLocalStorage } from 'node:async_hooks';
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

/**
 * Something of the request that takes part in its write transaction; the
 * idempotency plugin's key is one. `enter` runs first in the transaction
 * (to claim what must be claimed before the work), `leave` last, with the
 * transaction's result (to store the answer) — so both commit or roll back
 * with the write.
 */
export interface TransactionParticipant {
  enter(tx: Tx): Promise<void>;
  leave(tx: Tx, result: unknown): Promise<void>;
}

/** The participant of the request being served, if any (set around the route handler). */
export const transactionParticipant = new AsyncLocalStorage<TransactionParticipant>();

interface TransactionOptions {
  maxWait?: number;
  timeout?: number;
  isolationLevel?: Prisma.TransactionIsolationLevel;
}

/**
 * `prisma.$transaction(fn)` for the writes of creating requests: the
 * request's participant (its Idempotency-Key) joins the transaction. Every
 * service behind a route with `config: { idempotent: true }` writes through
 * this, and returns its `Answer` from `fn`.
 */
export async function writeTransaction<T>(
  prisma: PrismaClient,
  fn: (tx: Tx) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  const participant = transactionParticipant.getStore();
  if (!participant) return prisma.$transaction(fn, options);
  return prisma.$transaction(async (tx) => {
    await participant.enter(tx);
    const result = await fn(tx);
    await participant.leave(tx, result);
    return result;
  }, options);
}
