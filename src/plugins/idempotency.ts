import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ConflictError, BadRequestError, UnprocessableError } from '../lib/errors.ts';
import { sha256 } from '../lib/tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** POSTs that create things: honour `Idempotency-Key` (SPEC §3). */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotency: { callerKey: string; key: string } | undefined;
  }
}

const KEY_FORMAT = /^[\x21-\x7e]{1,200}$/;
const RETENTION = "interval '24 hours'";
/** A first request that has not answered within this long is taken to be lost. */
const ABANDONED_AFTER = "interval '2 minutes'";
/** Response headers worth replaying; the rest are regenerated. */
const REPLAYED_HEADERS = ['content-type', 'etag', 'location'];

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
  response_status: number | null;
  response_body: string | null;
  response_headers: Record<string, string> | null;
}

/**
 * Idempotency-Key for creating POSTs, kept in PostgreSQL so every replica
 * agrees. The first request with a key runs; a retry with the same key and
 * body replays its stored response (`Idempotent-Replayed: true`); the same key
 * with another body is 422; a retry while the first is still running is 409.
 * 5xx and 429 answers are not stored, so the retry runs again.
 */
export default fp(
  async (app) => {
    app.decorateRequest('idempotency', undefined);

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

      const claimed = await app.prisma.$queryRawUnsafe<unknown[]>(
        `INSERT INTO idempotency_keys (caller_key, key, request_hash, expires_at)
         VALUES ($1, $2, $3, now() + ${RETENTION})
         ON CONFLICT (caller_key, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
               response_headers = NULL, created_at = now(), completed_at = NULL, expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at < now()
              OR (idempotency_keys.completed_at IS NULL
                  AND idempotency_keys.created_at < now() - ${ABANDONED_AFTER}
                  AND idempotency_keys.request_hash = EXCLUDED.request_hash)
         RETURNING 1`,
        callerKey,
        key,
        requestHash,
      );
      if (claimed.length === 1) {
        request.idempotency = { callerKey, key };
        return;
      }

      const [stored] = await app.prisma.$queryRaw<StoredRow[]>`
        SELECT request_hash, response_status, response_body, response_headers
        FROM idempotency_keys WHERE caller_key = ${callerKey} AND key = ${key}`;
      if (!stored)
        throw new ConflictError('The Idempotency-Key is being reused concurrently: retry.', 'idempotency-in-progress');
      if (stored.request_hash !== requestHash) {
        throw new UnprocessableError(
          'This Idempotency-Key was already used with a different request: use a new key for a new request.',
          'idempotency-key-reused',
        );
      }
      if (stored.response_status === null) {
        throw new ConflictError(
          'A request with this Idempotency-Key is still being processed: retry shortly to get its response.',
          'idempotency-in-progress',
        );
      }
      for (const [name, value] of Object.entries(stored.response_headers ?? {})) reply.header(name, value);
      return reply
        .code(stored.response_status)
        .header('idempotent-replayed', 'true')
        .serializer((payload: unknown) => payload as string)
        .send(stored.response_body ?? '');
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
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotency;
      if (!claim) return payload;
      request.idempotency = undefined;
      const status = reply.statusCode;
      if (status >= 500 || status === 429) {
        await app.prisma.idempotencyKey.deleteMany({ where: { callerKey: claim.callerKey, key: claim.key } });
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await app.prisma.idempotencyKey.update({
        where: { callerKey_key: { callerKey: claim.callerKey, key: claim.key } },
        data: {
          responseStatus: status,
          responseBody:
            typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '',
          responseHeaders: headers,
          completedAt: new Date(),
        },
      });
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['prisma'] },
);
