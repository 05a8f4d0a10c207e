import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Served over plain HTTP (a container, a LAN, behind a TLS-terminating proxy
 * that forwards http), upgrade-insecure-requests makes browsers rewrite
 * requests to https:// that nothing answers. HSTS is what asks browsers for
 * https, and only once they reached the API over https.
 */
const HELMET_OPTIONS: HelmetOptions = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };

/** The headers helmet sets with these options: the same for every answer, so computed once. */
function helmetHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(HELMET_OPTIONS)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * Security headers (helmet's defaults). The API serves JSON; only /docs serves
 * HTML. @fastify/helmet built helmet's middleware anew on every request (two
 * hooks, the CSP parsed each time); nothing here varies by request (no CSP
 * nonces), so one precomputed set is added in one synchronous hook.
 */
export default fp(
  async (app) => {
    const headers = helmetHeaders();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security' },
);
