import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import { appointmentSchema } from '../appointments/appointments.schemas.ts';
import {
  attendanceBody,
  createMobileVisitBody,
  mobileVisitListQuery,
  mobileVisitListResponse,
  mobileVisitSchema,
  updateMobileVisitBody,
  visitTransitionBody,
} from './mobile-visits.schemas.ts';
import { MobileVisitsService } from './mobile-visits.service.ts';

const transitionResult = mobileVisitSchema
  .extend({
    cancelledAppointments: z
      .array(appointmentSchema)
      .max(100_000)
      .meta({ description: 'Appointments this transition cancelled (a cancelled visit cancels its pending ones).' }),
  })
  .meta({ id: 'MobileVisitTransitionResult' });

export const mobileVisitsRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new MobileVisitsService(app.prisma, app.clock);
  const security = [{ staffBearer: [] }];
  const tags = ['mobile-visits'];
  const read = { onRequest: [app.authenticate], preHandler: [app.authorize('mobile_visits:read')] };
  const write = { onRequest: [app.authenticate], preHandler: [app.authorize('mobile_visits:write')] };

  app.post(
    '',
    {
      ...write,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Plan a mobile consulate (supervisor of the consulate, admins)',
        description:
          'Days with local opening and closing times (weekends allowed) in the visit’s time zone (the consulate’s unless given), services among the consulate’s, slot length and capacity per slot and service. Starts planned.',
        security,
        body: createMobileVisitBody,
        response: { 201: mobileVisitSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.create(staffContext(request), request.body)),
  );

  app.get(
    '',
    {
      ...read,
      schema: {
        tags,
        summary: 'List mobile visits (by first day)',
        description: '`from`/`to` select visits with a day in the range.',
        security,
        querystring: mobileVisitListQuery,
        response: { 200: mobileVisitListResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.get(
    '/:id',
    {
      ...read,
      schema: {
        tags,
        summary: 'Read a mobile visit',
        security,
        params: idParams,
        response: { 200: mobileVisitSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const visit = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(visit.version)).send(visit);
    },
  );

  app.patch(
    '/:id',
    {
      ...write,
      schema: {
        tags,
        summary: 'Change a planned or confirmed visit (If-Match)',
        description:
          'Venue, address, host city and state, and capacity at any time before it starts; days, hours, slot length, time zone and services only while no appointment is booked.',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: updateMobileVisitBody,
        response: { 200: mobileVisitSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const visit = await service.update(staffContext(request), request.params.id, version, request.body);
      return reply.header('etag', etagOf(visit.version)).send(visit);
    },
  );

  app.post(
    '/:id/transitions',
    {
      ...write,
      schema: {
        tags,
        summary: 'Confirm, start, complete or cancel a visit (If-Match)',
        description:
          'planned → confirmed → in_progress (from its first day) → completed (from its last day); cancelled from planned, confirmed or in_progress, with a reason: its booked and checked-in appointments are cancelled and listed in `cancelledAppointments`.',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: visitTransitionBody,
        response: { 200: transitionResult, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
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

  app.post(
    '/:id/attendance',
    {
      ...write,
      schema: {
        tags,
        summary: 'Report people served on one of the visit’s days, per service',
        description:
          'Once the visit is in progress or completed. Sets the day’s figures (a repeated report replaces them); totals per service are in `peopleServed`.',
        security,
        params: idParams,
        body: attendanceBody,
        response: { 200: mobileVisitSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const visit = await service.recordAttendance(staffContext(request), request.params.id, request.body);
      return reply.header('etag', etagOf(visit.version)).send(visit);
    },
  );
};
