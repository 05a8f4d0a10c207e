import fp from 'fastify-plugin';
import { RetentionService } from '../modules/retention/retention.service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Retention and anonymisation: the daily job and erasure requests. */
    retention: RetentionService;
  }
}

/**
 * The daily retention job, in process: every RETENTION_JOB_CHECK_MINUTES each
 * replica asks PostgreSQL whether today's run is still unclaimed; the one
 * whose claim succeeds runs it (retention.service.ts `runIfDue`). Nothing of
 * it lives in process memory but the timer.
 */
export default fp(
  async (app) => {
    const service = new RetentionService(app.prisma, app.config, app.clock);
    app.decorate('retention', service);
    const { jobEnabled, checkMinutes } = app.config.retention;
    if (!jobEnabled) return;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    const tick = () => {
      if (running) return;
      running = service
        .runIfDue()
        .then((outcome) => {
          if (outcome.ran) app.log.info({ retention: outcome.counts, day: outcome.day }, 'retention run finished');
        })
        .catch((err: unknown) => app.log.warn({ err }, 'retention run failed; the next check retries'))
        .finally(() => {
          running = undefined;
        });
    };
    app.addHook('onReady', async () => {
      timer = setInterval(tick, checkMinutes * 60_000);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer);
      await running;
    });
  },
  { name: 'retention', dependencies: ['prisma', 'config'] },
);
