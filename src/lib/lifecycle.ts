import type { FastifyInstance } from 'fastify';
import type { EmbeddedPostgres } from '../db/embedded.ts';

/**
 * Graceful stop, in order: stop accepting connections and let in-flight
 * requests finish (`app.close()`, which also closes the database pool through
 * the Prisma plugin), then stop the embedded PostgreSQL if we started one.
 */
export async function closeGracefully(app: FastifyInstance, embedded?: EmbeddedPostgres): Promise<void> {
  try {
    await app.close();
    app.log.info('server closed');
  } finally {
    if (embedded) {
      await embedded.stop();
      app.log.info('embedded PostgreSQL stopped');
    }
  }
}
