import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staffContext } from '../../plugins/auth.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, problemResponses } from '../../lib/schemas.ts';
import {
  consulateListQuery,
  consulateListResponse,
  consulateSchema,
  createConsulateBody,
  updateConsulateBody,
} from './consulates.schemas.ts';
import { ConsulatesService } from './consulates.service.ts';

export const consulatesRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new ConsulatesService(app.prisma);
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
    async (request, reply) => {
      const consulate = await service.create(staffContext(request), request.body);
      return reply
        .code(201)
        .header('etag', etagOf(consulate.version))
        .header('location', `/v1/consulates/${consulate.id}`)
        .send(consulate);
    },
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
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
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
};
