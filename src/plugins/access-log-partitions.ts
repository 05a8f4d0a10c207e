import fp from 'fastify-plugin';
import { ensurePartitions } from '../modules/access-log/access-log.repository.ts';

/** Months of access-log partitions kept ready ahead of the current one. */
export const PARTITIONS_AHEAD = 3;
const DAY_MS = 86_400_000;

/**
 * The access log's monthly partitions, created ahead by every replica at
 * start and then daily (the database function serialises them under an
 * advisory lock, so running it on every replica is harmless). Rows that
 * found no partition land in the DEFAULT one, so a read never fails for it.
 */
export default fp(
  async (app) => {
    let timer: NodeJS.Timeout | undefined;
    const run = async () => {
      try {
        const made = await ensurePartitions(app.prisma, app.clock.now(), PARTITIONS_AHEAD + 1);
        if (made > 0) app.log.info({ made }, 'access log partitions created');
      } catch (err) {
        app.log.warn({ err }, 'access log partitions could not be created; rows go to the default partition');
      }
    };
    app.addHook('onReady', async () => {
      await run();
      timer = setInterval(() => void run(), DAY_MS);
      timer.unref();
    });
    app.addHook('onClose', () => {
      if (timer) clearInterval(timer);
    });
  },
  { name: 'access-log-partitions', dependencies: ['prisma'] },
);
