import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { idParams, problemResponse, problemResponses } from '../../lib/schemas.ts';
import { anonymiseBody, anonymiseConflict, anonymiseResponse } from './retention.schemas.ts';

/** `POST /v1/persons/:id/anonymise`: a person's erasure request (issue 13 §3). */
export const retentionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/:id/anonymise',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('persons:anonymise')],
      schema: {
        tags: ['persons'],
        summary: 'Anonymise a person and all their records (erasure request; supervisor, admin)',
        description:
          'Anonymises at once every record of the person (documentation requests, protection cases, appointments) and the person: names, CURP (kept only as a keyed hash), contact, address, details’ personal fields, summaries, notes and reasons are removed; references, types, states, instants and consulates stay, so statistics do not change. Refused with 409 naming the records while any is open or under legal hold (a detention case inside its retention period). Audited; the reason is required but not stored.',
        security: [{ staffBearer: [] }],
        params: idParams,
        body: anonymiseBody,
        response: {
          200: anonymiseResponse,
          ...problemResponses(400, 401, 403, 404),
          409: problemResponse(409, anonymiseConflict),
        },
      },
    },
    async (request) => app.retention.erasePerson(staffContext(request), request.params.id),
  );
};
