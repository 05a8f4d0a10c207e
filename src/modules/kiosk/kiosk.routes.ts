import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { kioskContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { rateLimited } from '../../plugins/rate-limit.ts';
import { problemResponses } from '../../lib/schemas.ts';
import { kioskTokenBody, kioskTokenResponse } from '../kiosks/kiosks.schemas.ts';
import { KiosksService } from '../kiosks/kiosks.service.ts';
import { boardSchema } from '../queue/queue.schemas.ts';
import { QueueService } from '../queue/queue.service.ts';
import { CheckInService } from './check-in.service.ts';
import {
  checkInBody,
  checkInResponse,
  kioskAppointmentsQuery,
  kioskAppointmentsResponse,
  statusQuery,
  statusResponse,
  walkInBody,
  walkInResponse,
} from './kiosk.schemas.ts';
import { StatusLookupService } from './status-lookup.service.ts';
import { languageOf } from './status-texts.ts';

/** Device side: a kiosk's own endpoints, for its own consulate only. Staff tokens are refused (403). */
export const kioskRoutes: FastifyPluginAsyncZod = async (app) => {
  const kiosks = new KiosksService(app.prisma, app.jwt, app.config, app.clock);
  const queue = new QueueService(app.prisma, app.clock, app.calendars, app.sql);
  const status = new StatusLookupService(app.prisma, app.clock, app.calendars, app.accessLog);
  const checkIns = new CheckInService(app.prisma, app.clock);
  const security = [{ kioskBearer: [] }];
  const tags = ['kiosk'];

  const tokenLimit = app.createRateLimit({ max: 30, timeWindow: 60_000, keyGenerator: (r) => `kiosk-token:${r.ip}` });
  const statusLimit = app.createRateLimit({
    max: app.config.kioskStatusRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (r) => `kiosk-status:${r.actor?.id ?? r.ip}`,
  });
  const checkInLimit = app.createRateLimit({
    max: app.config.kioskStatusRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (r) => `kiosk-check-in:${r.actor?.id ?? r.ip}`,
  });
  app.post(
    '/token',
    {
      preHandler: [rateLimited('token requests', tokenLimit)],
      schema: {
        tags,
        summary: 'Exchange the kiosk’s id and secret for a short-lived kiosk token',
        security: [],
        body: kioskTokenBody,
        response: { 200: kioskTokenResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => kiosks.token(request.body.kioskId, request.body.secret),
  );

  app.get(
    '/request-status',
    {
      onRequest: [app.authenticateKiosk],
      preHandler: [rateLimited('status look-ups from this kiosk', statusLimit)],
      // Its own, stricter limit per kiosk replaces the per-actor one.
      config: { rateLimit: false },
      schema: {
        tags,
        summary: 'A documentation request’s state and next step (English, or Spanish with Accept-Language: es)',
        description:
          'Needs the reference and the applicant’s date of birth; one and the same 404 when either is wrong. Rate limited per kiosk; five failed look-ups of a reference within an hour lock it for every kiosk until that hour is over (429).',
        security,
        querystring: statusQuery,
        response: { 200: statusResponse, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const language = languageOf(request.headers['accept-language']);
      const found = await status.lookup(
        kioskContext(request),
        request.query.reference,
        request.query.dateOfBirth,
        language,
      );
      return reply.header('content-language', language).header('vary', 'Accept-Language').send(found);
    },
  );

  app.post(
    '/tickets',
    {
      onRequest: [app.authenticateKiosk],
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'A walk-in queue ticket for a service (P-014…); numbers never repeat within the day',
        security,
        body: walkInBody,
        response: { 201: walkInResponse, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const ctx = kioskContext(request);
      return sendAnswer(reply, await queue.walkIn(ctx, ctx.actor.consulateId, request.body.service));
    },
  );

  app.get(
    '/queue',
    {
      onRequest: [app.authenticateKiosk],
      schema: {
        tags,
        summary: 'The lobby board: waiting and called ticket numbers per service, nothing else',
        security,
        response: { 200: boardSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => queue.board(kioskContext(request).actor.consulateId),
  );

  app.get(
    '/appointments',
    {
      onRequest: [app.authenticateKiosk],
      schema: {
        tags,
        summary: 'The day’s appointments (office and mobile visits): time, service, code, state and initials only',
        security,
        querystring: kioskAppointmentsQuery,
        response: { 200: kioskAppointmentsResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => checkIns.day(kioskContext(request), request.query.date),
  );

  app.post(
    '/check-ins',
    {
      onRequest: [app.authenticateKiosk],
      preHandler: [rateLimited('check-in attempts from this kiosk', checkInLimit)],
      // Its own, stricter limit per kiosk replaces the per-actor one.
      config: { idempotent: true, rateLimit: false },
      schema: {
        tags,
        summary: 'Check in with the confirmation code and date of birth; returns a queue ticket',
        description:
          'Both must match an appointment of this consulate for today (local date); one and the same 404 otherwise. Checking in again returns the same ticket (200).',
        security,
        body: checkInBody,
        response: {
          200: checkInResponse,
          201: checkInResponse,
          ...problemResponses(400, 401, 403, 404, 409, 422, 429),
        },
      },
    },
    async (request, reply) =>
      sendAnswer(
        reply,
        await checkIns.checkIn(kioskContext(request), request.body.confirmationCode, request.body.dateOfBirth),
      ),
  );
};
