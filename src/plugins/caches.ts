import fp from 'fastify-plugin';
import { OfficeCache } from '../modules/appointments/appointments.places.ts';
import { CalendarCache } from '../modules/consulates/holidays.repository.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Consulates' business calendars, cached while the change feed vouches for them. */
    calendars: CalendarCache;
    /** Offices' appointment schedules (hours, capacities, holidays), likewise. */
    offices: OfficeCache;
  }
}

/** Read-mostly reference state kept in memory and invalidated through the change feed. */
export default fp(
  async (app) => {
    app.decorate('calendars', new CalendarCache(app.prisma, app.changes));
    app.decorate('offices', new OfficeCache(app.prisma, app.changes));
  },
  { name: 'caches', dependencies: ['prisma'] },
);
