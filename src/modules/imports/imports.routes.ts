import fp from 'fastify-plugin';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { idParams, problemResponses } from '../../lib/schemas.ts';
import { ImportRunner } from './imports.runner.ts';
import { importJobSchema, importQuery, rejectionsQuery, rejectionsResponse } from './imports.schemas.ts';
import { ImportsService } from './imports.service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This replica's import runner (tests drive it directly). */
    imports: ImportRunner;
  }
}

export const IMPORT_FORMAT = `NDJSON: one JSON object per line, UTF-8, at most 256 KiB a line. Persons come before the requests that name them (in the same file or an earlier import).

- \`{"kind":"person","externalId":"P-1","consulate":"LAX", …the fields of POST /v1/persons}\`
- \`{"kind":"documentation_request","externalId":"R-1","consulate":"LAX","personExternalId":"P-1","type":"birth_registration","details":{…as in POST /v1/documentation-requests},"feeCents":0,"emergency":false,"submittedAt":"2025-03-04T10:00:00-08:00","history":[{"state":"under_review","at":"…","actor":"J. Ruiz"},{"state":"approved","at":"…","actor":"…"},{"state":"issued","at":"…","actor":"…"}],"issuedAt":"…","payments":[{"amountCents":2500,"method":"cash","receipt":"R-77","at":"…"}]}\`

Every line is validated with the API's rules (CURP, per-type details, the transitions table with its reasons, instants in order and not in the future, the fee paid before issuance); a bad line is refused alone (see /rejections). \`externalId\` is unique per consulate and kind: a line already imported is skipped. References are numbered in the series of the submission year (consulate time zone), deadlines and turnaround computed from the history on the consulate's calendar.`;

/** This replica's import runner: started when the app is ready, stopped (its batch finished) on close. */
export const importRunner = fp(
  async (app) => {
    const runner = new ImportRunner(app.sql, app.config, app.clock, app.calendars, app.log);
    app.decorate('imports', runner);
    app.addHook('onReady', async () => runner.start());
    app.addHook('onClose', async () => runner.stop());
  },
  { name: 'import-runner', dependencies: ['prisma', 'caches'] },
);

/** Import of historical records (admins; supervisors for their consulate). */
export const importsRoutes: FastifyPluginAsyncZod = async (app) => {
  const runner = app.imports;
  const service = new ImportsService(app.sql, app.config, app.clock, runner);
  const security = [{ staffBearer: [] }];
  const tags = ['imports'];
  const guard = { onRequest: [app.authenticate], preHandler: [app.authorize('imports:write')] };

  // The file is handed over as a stream: it is never buffered whole.
  app.addContentTypeParser('application/x-ndjson', (_request, payload, done) => done(null, payload));

  app.post(
    '',
    {
      ...guard,
      bodyLimit: app.config.imports.maxBytes,
      schema: {
        tags,
        summary: 'Import historical persons and documentation requests (NDJSON, streamed); runs as a job',
        description: IMPORT_FORMAT,
        security,
        // Read as a stream, not validated as a whole; the OpenAPI document describes it (plugins/openapi.ts).
        consumes: ['application/x-ndjson'],
        querystring: importQuery,
        response: {
          202: importJobSchema.meta({ description: 'Stored and queued: follow `Location` for progress.' }),
          ...problemResponses(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const job = await service.upload(staffContext(request), request.body, request.query.dryRun);
      return reply.code(202).header('location', `/v1/imports/${job.id}`).send(job);
    },
  );

  app.get(
    '/:id',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Progress of an import: state and counts, updated with every committed batch',
        security,
        params: idParams,
        response: { 200: importJobSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.get(staffContext(request), request.params.id),
  );

  app.get(
    '/:id/rejections',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The refused lines of an import: line number and reason (never the values)',
        security,
        params: idParams,
        querystring: rejectionsQuery,
        response: { 200: rejectionsResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.rejections(staffContext(request), request.params.id, request.query),
  );
};
