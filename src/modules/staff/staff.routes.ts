import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import { createStaffBody, staffListQuery, staffListResponse, staffSchema, updateStaffBody } from './staff.schemas.ts';
import { StaffService } from './staff.service.ts';

export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new StaffService(app.prisma);
  const security = [{ staffBearer: [] }];

  app.get(
    '',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('staff:read')],
      schema: {
        tags: ['staff'],
        summary: 'List staff accounts',
        description: 'Scoped roles see their own consulate’s staff only.',
        security,
        querystring: staffListQuery,
        response: { 200: staffListResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.post(
    '',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('staff:write')],
      config: { idempotent: true },
      schema: {
        tags: ['staff'],
        summary: 'Create a staff account',
        description:
          'Admins create any account. Supervisors create documentation and protection officers of their own consulate.',
        security,
        body: createStaffBody,
        response: { 201: staffSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.create(staffContext(request), request.body)),
  );

  app.get(
    '/:id',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('staff:read')],
      schema: {
        tags: ['staff'],
        summary: 'Read a staff account',
        security,
        params: idParams,
        response: { 200: staffSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const staff = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(staff.version)).send(staff);
    },
  );

  app.patch(
    '/:id',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('staff:write')],
      schema: {
        tags: ['staff'],
        summary: 'Update a staff account',
        description: 'Requires If-Match with the ETag last read. Nobody changes their own role.',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: updateStaffBody,
        response: { 200: staffSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const staff = await service.update(staffContext(request), request.params.id, version, request.body);
      return reply.header('etag', etagOf(staff.version)).send(staff);
    },
  );

  for (const [path, active, summary] of [
    ['/:id/deactivate', false, 'Deactivate a staff account (its tokens stop working at once)'],
    ['/:id/reactivate', true, 'Reactivate a staff account'],
  ] as const) {
    app.post(
      path,
      {
        onRequest: [app.authenticate],
        preHandler: [app.authorize('staff:write')],
        schema: {
          tags: ['staff'],
          summary,
          security,
          params: idParams,
          response: { 200: staffSchema, ...problemResponses(400, 401, 403, 404, 412) },
        },
      },
      async (request, reply) => {
        const staff = await service.setActive(staffContext(request), request.params.id, active);
        return reply.header('etag', etagOf(staff.version)).send(staff);
      },
    );
  }
};
