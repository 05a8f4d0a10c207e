import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Security headers. The API serves JSON; only /docs serves HTML (with its own CSP). */
export default fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      // Served over plain HTTP (a container, a LAN, behind a TLS-terminating
      // proxy that forwards http), upgrade-insecure-requests makes browsers
      // rewrite requests to https:// that nothing answers. HSTS is what asks
      // browsers for https, and only once they reached the API over https.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    });
  },
  { name: 'security' },
);
