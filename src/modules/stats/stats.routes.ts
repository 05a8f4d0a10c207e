import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staffContext } from '../../plugins/auth.ts';
import { idParams, problemResponses } from '../../lib/schemas.ts';
import { toCsv } from './stats.csv.ts';
import { consulateStatsSchema, networkStatsSchema, statsQuery } from './stats.schemas.ts';
import { StatsService } from './stats.service.ts';

/** `Accept: text/csv` (preferred over JSON) asks for CSV. */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((p) => p.trim().split(';')[0]!.toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.findIndex((t) => t === 'application/json' || t === '*/*');
  return csv !== -1 && (json === -1 || csv < json);
}

/**
 * The JSON answer is written with JSON.stringify rather than re-validated by
 * the zod serializer: a network answer holds some nine thousand figures, and
 * re-parsing them took longer than computing them. The service builds the
 * answer typed by the same schema, and the tests parse every answer with it.
 */
const json = (payload: unknown) => JSON.stringify(payload);

export const statsRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new StatsService(app.statsPrisma, app.clock);
  const security = [{ staffBearer: [] }];
  const tags = ['statistics'];
  const guard = { onRequest: [app.authenticate], preHandler: [app.authorize('stats:read')] };
  const csvContent = { 'text/csv': { schema: z.string().max(10_000_000) } };

  app.get(
    '/consulates/:id',
    {
      ...guard,
      schema: {
        tags,
        summary: 'A consulate’s statistics for a period (JSON, or CSV with Accept: text/csv)',
        description:
          'Days are the consulate’s local calendar days (default: the current month). Every count is `{ value, drillDown }`: drillDown is the list request that returns exactly those records. The consulate’s supervisor, admins and auditors.',
        security,
        params: idParams,
        querystring: statsQuery,
        response: {
          200: {
            description: 'The figures',
            content: { 'application/json': { schema: consulateStatsSchema }, ...csvContent },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const stats = await service.consulate(staffContext(request), request.params.id, request.query);
      if (!wantsCsv(request.headers.accept)) return reply.type('application/json').serializer(json).send(stats);
      const { consulate, period } = stats;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="stats-${consulate.code}-${period.from}-${period.to}.csv"`)
        .serializer((payload: unknown) => payload as string)
        .send(
          toCsv([{ code: consulate.code, id: consulate.id, from: period.from, to: period.to, figures: stats.figures }]),
        );
    },
  );

  app.get(
    '/network',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Network statistics: one row per consulate plus totals (admins, auditors)',
        description:
          'Each consulate’s figures for the period in its own local calendar, and network totals: sums, each with the one network-wide list request that returns exactly its records (local-date filters mean each consulate’s own days); medians and shares recomputed over the network. Default period: the current month.',
        security,
        querystring: statsQuery,
        response: {
          200: {
            description: 'The figures',
            content: { 'application/json': { schema: networkStatsSchema }, ...csvContent },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const stats = await service.network(staffContext(request), request.query);
      if (!wantsCsv(request.headers.accept)) return reply.type('application/json').serializer(json).send(stats);
      const { from, to } = stats.period;
      const rows = [
        ...stats.consulates.map((c) => ({ code: c.consulate.code, id: c.consulate.id, from, to, figures: c.figures })),
        { code: 'NETWORK', id: '', from, to, figures: stats.totals },
      ];
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="stats-network-${from}-${to}.csv"`)
        .serializer((payload: unknown) => payload as string)
        .send(toCsv(rows));
    },
  );
};
