import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Answer, type RunSql, type TransactionParticipant } from '../db/transaction.ts';
import { BadRequestError, ConflictError, UnprocessableError } from '../lib/errors.ts';
import { sha256 } from '../lib/tokens.ts';

/** A request's Idempotency-Key, once its preHandler found no stored answer for it. */
interface Claim {
  readonly callerKey: string;
  readonly key: string;
  readonly requestHash: string;
  participant: TransactionParticipant;
  /** What the write transaction stored: the live response is sent from it, byte for byte. */
  stored: { answer: Answer; payload: string; headers: Record<string, string> } | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** POSTs that create things: honour `Idempotency-Key` (SPEC §3). */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotency: Claim | undefined;
  }
}

const KEY_FORMAT = /^[\x21-\x7e]{1,200}$/;
const RETENTION = "interval '24 hours'";
/** An unanswered claim of the previous scheme older than this is abandoned. */
const ABANDONED_AFTER = "interval '2 minutes'";
const JSON_TYPE = 'application/json; charset=utf-8';

/** Canonical JSON: object keys sorted, so key order does not change the hash. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

interface StoredRow {
  request_hash: string;
  response_status: number;
  response_body: string;
  response_headers: Record<string, string> | null;
}

/** Thrown inside the write transaction when another request with the key committed its answer first. */
class AnsweredMeanwhile extends Error {}

const identity = (payload: unknown) => payload as string;

function replay(reply: FastifyReply, requestHash: string, stored: StoredRow): FastifyReply {
  if (stored.request_hash !== requestHash) {
    throw new UnprocessableError(
      'This Idempotency-Key was already used with a different request: use a new key for a new request.',
      'idempotency-key-reused',
    );
  }
  return reply
    .code(stored.response_status)
    .headers(stored.response_headers ?? {})
    .header('idempotent-replayed', 'true')
    .serializer(identity)
    .send(stored.response_body);
}

/**
 * Sends a service's `Answer`. For a request with an Idempotency-Key, the
 * answer was stored by its write transaction: the response is that stored
 * text, so the first response and every replay are the same bytes.
 */
export function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  const claim = reply.request.idempotency;
  const stored = claim?.stored;
  if (stored?.answer === answer) {
    return reply.code(answer.status).headers(stored.headers).serializer(identity).send(stored.payload);
  }
  if (claim) {
    // A route marked idempotent whose service answered without writeTransaction:
    // a retry would run again. A defect to fix, not the client's problem.
    reply.log.error({ route: reply.request.routeOptions.url }, 'idempotent answer was not stored with its write');
  }
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/**
 * Idempotency-Key for creating POSTs, kept in PostgreSQL so every replica
 * agrees (docs/decisions.md "Idempotency keys"). The preHandler replays a
 * stored answer (`Idempotent-Replayed: true`; the same key with another body
 * is 422). Otherwise the key takes part in the service's write transaction
 * (`writeTransaction`): claimed by its first statement — a concurrent request
 * with the same key waits there, then replays the winner's answer — and
 * answered by its last, so the answer commits with the write or not at all.
 */
export default fp(
  async (app) => {
    app.decorateRequest('idempotency', undefined);

    const find = async (callerKey: string, key: string) => {
      const [row] = await app.prisma.$queryRaw<StoredRow[]>`
        SELECT request_hash, response_status, response_body, response_headers
        FROM idempotency_keys
        WHERE caller_key = ${callerKey} AND key = ${key}
          AND expires_at > now() AND response_status IS NOT NULL`;
      return row;
    };

    const participantFor = (claim: Claim, reply: FastifyReply): TransactionParticipant => ({
      async enter(run: RunSql) {
        claim.stored = undefined;
        // An expired key is taken over, and so is a claim without an answer left
        // by the scheme this replaced, once it is surely abandoned (a request of
        // an older replica may still be running it); an answered one never is.
        const claimed = await run(
          `INSERT INTO idempotency_keys (caller_key, key, request_hash, expires_at)
           VALUES ($1, $2, $3, now() + ${RETENTION})
           ON CONFLICT (caller_key, key) DO UPDATE
             SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
                 response_headers = NULL, created_at = now(), completed_at = NULL, expires_at = EXCLUDED.expires_at
             WHERE idempotency_keys.expires_at <= now()
                OR (idempotency_keys.response_status IS NULL AND idempotency_keys.created_at < now() - ${ABANDONED_AFTER})
           RETURNING 1`,
          [claim.callerKey, claim.key, claim.requestHash],
        );
        if (claimed.length === 0) throw new AnsweredMeanwhile();
      },
      async leave(run: RunSql, result: unknown) {
        if (!(result instanceof Answer)) {
          // Not a final answer: nothing to replay, so the key stays free.
          await run('DELETE FROM idempotency_keys WHERE caller_key = $1 AND key = $2', [claim.callerKey, claim.key]);
          return;
        }
        // The route's own serializer for that status, as Fastify would send it.
        const payload = String(reply.serializeInput(result.body as Record<string, unknown>, String(result.status)));
        const headers = { 'content-type': JSON_TYPE, ...result.headers };
        await run(
          `UPDATE idempotency_keys
           SET response_status = $3, response_body = $4, response_headers = $5::jsonb, completed_at = now()
           WHERE caller_key = $1 AND key = $2`,
          [claim.callerKey, claim.key, result.status, payload, JSON.stringify(headers)],
        );
        claim.stored = { answer: result, payload, headers };
      },
    });

    const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers['idempotency-key'];
      if (header === undefined) return;
      const key = Array.isArray(header) ? header[0] : header;
      if (key === undefined || !KEY_FORMAT.test(key)) {
        throw new BadRequestError('Idempotency-Key must be 1–200 visible ASCII characters.', [
          { path: 'headers.idempotency-key', message: 'must be 1–200 visible ASCII characters' },
        ]);
      }
      const actor = request.actor;
      if (!actor) return;
      const callerKey = `${actor.kind}:${actor.id}`;
      const requestHash = sha256(
        canonical([request.method, request.routeOptions.url, request.params ?? {}, request.body ?? null]),
      );
      const stored = await find(callerKey, key);
      if (stored) return replay(reply, requestHash, stored);
      const claim = { callerKey, key, requestHash, stored: undefined } as Claim;
      claim.participant = participantFor(claim, reply);
      request.idempotency = claim;
    };

    app.addHook('onRoute', (route) => {
      if (!route.config?.idempotent) return;
      const existing = route.preHandler
        ? Array.isArray(route.preHandler)
          ? route.preHandler
          : [route.preHandler]
        : [];
      // After the route's own authorization, so refused callers store nothing.
      route.preHandler = [...existing, preHandler];

      // The handler's context carries the key as its write transaction's participant (staffContext).
      const handler = route.handler;
      route.handler = async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        const claim = request.idempotency;
        if (!claim) return handler.call(this, request, reply);
        try {
          return await handler.call(this, request, reply);
        } catch (err) {
          if (!(err instanceof AnsweredMeanwhile)) throw err;
          // A concurrent request with this key committed first: answer what it answered.
          request.idempotency = undefined;
          const stored = await find(claim.callerKey, claim.key);
          if (!stored) {
            throw new ConflictError(
              'Another request with this Idempotency-Key was being answered: retry to get its answer.',
              'idempotency-in-progress',
            );
          }
          return replay(reply, claim.requestHash, stored);
        }
      };
    });
  },
  { name: 'idempotency', dependencies: ['prisma'] },
);
