import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import {
  callNextBody,
  queueListQuery,
  queueListResponse,
  ticketSchema,
  ticketTransitionBody,
} from './queue.schemas.ts';
import { QueueService } from './queue.service.ts';

/** Staff side of the lobby queue: officers call the next ticket to their counter. */
export const queueRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new QueueService(app.prisma, app.clock, app.calendars, app.sql);
  const security = [{ staffBearer: [] }];
  const tags = ['queue'];
  const operate = { onRequest: [app.authenticate], preHandler: [app.authorize('queue:operate')] };

  app.get(
    '/tickets',
    {
      ...operate,
      schema: {
        tags,
        summary: 'Tickets of a day (default today) or a range of days, in the order they were issued',
        security,
        querystring: queueListQuery,
        response: { 200: queueListResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.post(
    '/call-next',
    {
      ...operate,
      schema: {
        tags,
        summary: 'Call the next waiting ticket of a service to a counter',
        description: '404 when nobody is waiting. Two officers calling at once get different tickets.',
        security,
        body: callNextBody,
        response: { 200: ticketSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const ticket = await service.callNext(staffContext(request), request.body);
      return reply.header('etag', etagOf(ticket.version)).send(ticket);
    },
  );

  app.post(
    '/tickets/:id/transitions',
    {
      ...operate,
      schema: {
        tags,
        summary: 'Mark a called ticket served or absent (If-Match)',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: ticketTransitionBody,
        response: { 200: ticketSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const ticket = await service.finish(staffContext(request), request.params.id, version, request.body.to);
      return reply.header('etag', etagOf(ticket.version)).send(ticket);
    },
  );
};
