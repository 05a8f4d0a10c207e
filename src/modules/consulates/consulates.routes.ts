import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import {
  idParams,
  ifMatchHeaders,
  isoDate,
  optionalIfMatchHeaders,
  problemResponses,
  text,
} from '../../lib/schemas.ts';
import {
  consulateListQuery,
  consulateListResponse,
  consulateSchema,
  createConsulateBody,
  updateConsulateBody,
} from './consulates.schemas.ts';
import { ConsulatesService } from './consulates.service.ts';
import { holidaysEtag, HolidaysService } from './holidays.service.ts';

const holidaySchema = z
  .object({
    date: isoDate,
    name: text(120, { min: 1 }),
  })
  .strict();
const holidaysSchema = z.array(holidaySchema).max(1000).meta({ id: 'Holidays' });

export const consulatesRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new ConsulatesService(app.prisma);
  const holidays = new HolidaysService(app.prisma, app.clock);
  const security = [{ staffBearer: [] }];

  app.get(
    '',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:read')],
      schema: {
        tags: ['consulates'],
        summary: 'List consulates (by code)',
        security,
        querystring: consulateListQuery,
        response: { 200: consulateListResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.post(
    '',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:write')],
      config: { idempotent: true },
      schema: {
        tags: ['consulates'],
        summary: 'Create a consulate (admin)',
        security,
        body: createConsulateBody,
        response: { 201: consulateSchema, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.create(staffContext(request), request.body)),
  );

  app.get(
    '/:id',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:read')],
      schema: {
        tags: ['consulates'],
        summary: 'Read a consulate',
        security,
        params: idParams,
        response: { 200: consulateSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const consulate = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(consulate.version)).send(consulate);
    },
  );

  app.patch(
    '/:id',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:contact')],
      schema: {
        tags: ['consulates'],
        summary: 'Update a consulate',
        description:
          'Admins change any field; the consulate’s supervisor changes address, phone and email. Requires If-Match.',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: updateConsulateBody,
        response: { 200: consulateSchema, ...problemResponses(400, 401, 403, 404, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const consulate = await service.update(staffContext(request), request.params.id, version, request.body);
      return reply.header('etag', etagOf(consulate.version)).send(consulate);
    },
  );

  app.get(
    '/:id/holidays',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:read')],
      schema: {
        tags: ['consulates'],
        summary: 'The consulate’s holidays (days that are not business days)',
        security,
        params: idParams,
        response: { 200: holidaysSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const list = await holidays.list(staffContext(request), request.params.id);
      return reply.header('etag', holidaysEtag(list)).send(list);
    },
  );

  app.put(
    '/:id/holidays',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:calendar')],
      schema: {
        tags: ['consulates'],
        summary: 'Replace the consulate’s holidays (supervisor of the consulate, admins)',
        description:
          'The whole list. Statutory deadlines of documentation requests that a changed day affects are recomputed at once. Send If-Match with the ETag of GET to avoid overwriting a concurrent edit.',
        security,
        params: idParams,
        headers: optionalIfMatchHeaders,
        body: holidaysSchema,
        response: { 200: holidaysSchema, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const list = await holidays.replace(
        staffContext(request),
        request.params.id,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', holidaysEtag(list)).send(list);
    },
  );
};
