import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's `x-request-id` when it is safe to echo and log; else makes one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Request id on every response, and one log line per request that carries the
 * route pattern — never the raw URL, whose query string may hold personal data
 * (a person search by name or date of birth).
 */
export default fp(
  async (app) => {
    // Hooks on every request are synchronous (no promise, no extra tick each).
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });

    // While closing, answers to in-flight requests end their keep-alive
    // connection, so the server does not wait for idle sockets to time out.
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });

    // Below `info` (production runs at `warn`) there is no line to build.
    if (!['trace', 'debug', 'info'].includes(app.log.level)) return;
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          route: request.routeOptions.url ?? '(no route)',
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 10) / 10,
          actor: request.actor ? `${request.actor.kind}:${request.actor.id}` : undefined,
        },
        'request completed',
      );
      done();
    });
  },
  { name: 'request-context' },
);
