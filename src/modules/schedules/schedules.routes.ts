import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { etagOf } from '../../lib/etag.ts';
import { idParams, optionalIfMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import { scheduleBody, scheduleSchema } from './schedules.schemas.ts';
import { SchedulesService } from './schedules.service.ts';

/** `/v1/consulates/:id/schedule`: office hours, slot length and capacity per service. */
export const schedulesRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new SchedulesService(app.prisma);
  const security = [{ staffBearer: [] }];
  const tags = ['schedules'];

  app.get(
    '/:id/schedule',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:read')],
      schema: {
        tags,
        summary: 'The office’s appointment schedule: weekly hours, slot length, capacity per service',
        description:
          'Hours are local wall times in the consulate’s time zone; the consulate’s holidays close the office. `configured` is false (and the ETag "0") until the schedule is first set.',
        security,
        params: idParams,
        response: { 200: scheduleSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const schedule = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(schedule.version)).send(schedule);
    },
  );

  app.put(
    '/:id/schedule',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('schedule:write')],
      schema: {
        tags,
        summary: 'Replace the office’s schedule (supervisor of the consulate, admins)',
        description:
          'The whole schedule. Services must be among the consulate’s services. Send If-Match with the ETag of GET (“0” before the first schedule) to avoid overwriting a concurrent edit. Booked appointments keep their times.',
        security,
        params: idParams,
        headers: optionalIfMatchHeaders,
        body: scheduleBody,
        response: { 200: scheduleSchema, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const schedule = await service.replace(
        staffContext(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etagOf(schedule.version)).send(schedule);
    },
  );
};
