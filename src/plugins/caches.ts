import fp from 'fastify-plugin';
import { CalendarCache } from '../modules/consulates/holidays.repository.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Consulates' business calendars, cached while the change feed vouches for them. */
    calendars: CalendarCache;
  }
}

/** Read-mostly reference state kept in memory and invalidated through the change feed. */
export default fp(
  async (app) => {
    app.decorate('calendars', new CalendarCache(app.prisma, app.changes));
  },
  { name: 'caches', dependencies: ['prisma'] },
);
