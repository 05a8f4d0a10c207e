import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Security headers. The API serves JSON; only /docs serves HTML (with its own CSP). */
export default fp(
  async (app) => {
    await app.register(helmet, { global: true });
  },
  { name: 'security' },
);
