import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { problemResponses } from '../../lib/schemas.ts';
import { auditListQuery, auditListResponse } from './audit.schemas.ts';
import { listAudit } from './audit.service.ts';

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('audit:read')],
      schema: {
        tags: ['audit'],
        summary: 'List audit events (newest first)',
        description:
          'Supervisors see their consulate’s events; admins and auditors see the whole network and may filter by consulateId.',
        security: [{ staffBearer: [] }],
        querystring: auditListQuery,
        response: { 200: auditListResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => listAudit(app.prisma, staffContext(request), request.query),
  );
};
