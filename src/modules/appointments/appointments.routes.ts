import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import {
  appointmentListQuery,
  appointmentListResponse,
  appointmentSchema,
  appointmentTransitionBody,
  availabilityQuery,
  availabilitySchema,
  createAppointmentBody,
  markNoShowsBody,
  markNoShowsResponse,
} from './appointments.schemas.ts';
import { AppointmentsService } from './appointments.service.ts';

export const appointmentsRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new AppointmentsService(app.prisma, app.clock, app.sql, app.offices);
  const security = [{ staffBearer: [] }];
  const tags = ['appointments'];
  const read = { onRequest: [app.authenticate], preHandler: [app.authorize('appointments:read')] };
  const write = { onRequest: [app.authenticate], preHandler: [app.authorize('appointments:write')] };

  app.get(
    '/availability',
    {
      ...read,
      schema: {
        tags,
        summary: 'Free slots of the office or of a mobile visit, with remaining capacity',
        description:
          'Each slot in UTC and in the place’s local time with its UTC offset. Slots follow real elapsed time: on the spring-forward day the skipped hour has none; on the autumn day the repeated hour has its slots twice, at different instants and offsets. At most 31 days per request.',
        security,
        querystring: availabilityQuery,
        response: { 200: availabilitySchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.availability(staffContext(request), request.query),
  );

  app.post(
    '',
    {
      ...write,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Book an appointment',
        description:
          'At the office (`consulateId`, or the caller’s own) or at a mobile visit (`mobileVisitId`). Answers 201 with an 8-character `confirmationCode`. 409 with a stable problem type when the slot is full (`slot-full`), outside the hours (`outside-opening-hours`), not a slot start (`not-a-slot-start`), on a holiday (`holiday`), already started (`slot-started`), at a visit that is not planned or confirmed (`visit-not-bookable`), for a service not offered (`service-not-offered`), or when the person already has an appointment for the service that day (`already-booked-that-day`).',
        security,
        body: createAppointmentBody,
        response: { 201: appointmentSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.book(staffContext(request), request.body)),
  );

  app.get(
    '',
    {
      ...read,
      schema: {
        tags,
        summary: 'The day’s queue (or any filtered list), in time order',
        description: 'Times are UTC and in the place’s local time. `mobileVisitId=none` lists the office only.',
        security,
        querystring: appointmentListQuery,
        response: { 200: appointmentListResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.post(
    '/mark-no-shows',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('schedule:write')],
      schema: {
        tags,
        summary: 'Close a day: booked appointments whose slot has ended become no-shows (supervisor)',
        description:
          'For the consulate’s office and its mobile visits on that local date, or for one visit. Idempotent: a second call marks nothing and says so (`changed: false`). Appointments whose slot has not ended stay booked.',
        security,
        body: markNoShowsBody,
        response: { 200: markNoShowsResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.markNoShows(staffContext(request), request.body),
  );

  app.get(
    '/:id',
    {
      ...read,
      schema: {
        tags,
        summary: 'Read an appointment',
        security,
        params: idParams,
        response: { 200: appointmentSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const found = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(found.version)).send(found);
    },
  );

  app.post(
    '/:id/transitions',
    {
      ...write,
      schema: {
        tags,
        summary: 'Check in, serve, mark a no-show or cancel (If-Match)',
        description:
          'booked → checked_in (on the day) → served; booked → no_show (after the slot ends); booked or checked_in → cancelled (reason required; frees the place). An illegal move is 409 naming the current state and the allowed ones.',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: appointmentTransitionBody,
        response: { 200: appointmentSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const moved = await service.transition(
        staffContext(request),
        request.params.id,
        version,
        request.body.to,
        request.body.reason,
      );
      return reply.header('etag', etagOf(moved.version)).send(moved);
    },
  );
};
