import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staffContext } from '../../plugins/auth.ts';
import { idParams, problemResponses } from '../../lib/schemas.ts';
import { reportCsv } from './access-log.csv.ts';
import { accessReportQuery, accessReportResponse } from './access-log.schemas.ts';
import { AccessReportService } from './access-log.service.ts';

/** `Accept: text/csv` (preferred over JSON) asks for CSV. */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((p) => p.trim().split(';')[0]!.toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.findIndex((t) => t === 'application/json' || t === '*/*');
  return csv !== -1 && (json === -1 || csv < json);
}

/** Registered under `/v1/persons`. */
export const accessReportRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new AccessReportService(app.prisma);

  app.get(
    '/:id/access-report',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('persons:access_report')],
      schema: {
        tags: ['persons'],
        summary: 'Who accessed this person’s records (JSON pages, or the whole period as CSV with Accept: text/csv)',
        description:
          'Every read and write of the person, their documentation requests and their protection cases, newest first: who (staff id, role and consulate, or kiosk / system), when, what (action, entity type and id — never field values) and, for confidential or sealed reads, the stated purpose. The person’s consulate supervisor and admins. Reading the report is itself audited and appears in the next report.',
        security: [{ staffBearer: [] }],
        params: idParams,
        querystring: accessReportQuery,
        response: {
          200: {
            description: 'The accesses',
            content: {
              'application/json': { schema: accessReportResponse },
              'text/csv': { schema: z.string().max(50_000_000) },
            },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const ctx = staffContext(request);
      if (!wantsCsv(request.headers.accept)) {
        const page = await service.page(ctx, request.params.id, request.query);
        return reply
          .type('application/json')
          .serializer((payload: unknown) => JSON.stringify(payload))
          .send(page);
      }
      const entries = await service.all(ctx, request.params.id, request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="access-report-${request.params.id}.csv"`)
        .serializer((payload: unknown) => payload as string)
        .send(reportCsv(entries));
    },
  );
};
