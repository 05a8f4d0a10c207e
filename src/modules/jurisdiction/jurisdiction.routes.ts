import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assertCan } from '../../lib/access.ts';
import { UnauthorizedError } from '../../lib/errors.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import { staffContext } from '../../plugins/auth.ts';
import {
  jurisdictionChangeSchema,
  jurisdictionLookupSchema,
  jurisdictionSchema,
  replaceJurisdictionBody,
  zipQuery,
} from './jurisdiction.schemas.ts';
import { jurisdictionEtag, JurisdictionService } from './jurisdiction.service.ts';

const lookupDoc = {
  tags: ['jurisdiction'],
  querystring: zipQuery,
  response: { 200: jurisdictionLookupSchema, ...problemResponses(400, 401, 403, 404) },
};
const lookupDescription =
  'The counties the ZIP code lies in (most residents first) and the active consulate that serves each; `consulate` is set when they all have the same one. Only public contact data: kiosks may show it to nationals. 404 for a ZIP code the dataset does not hold.';

/** `GET /v1/jurisdiction?zip=`: staff tokens and kiosk tokens alike. */
export const jurisdictionRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new JurisdictionService(app.prisma);

  // The token's `kind` only picks the check; `authenticate` or
  // `authenticateKiosk` then verifies the token and its session or kiosk.
  const staffOrKiosk = async (request: FastifyRequest, reply: FastifyReply) => {
    let kind: unknown;
    try {
      kind = (await request.jwtDecode<{ kind?: unknown }>()).kind;
    } catch {
      kind = undefined; // no token, or not a JWT: `authenticate` answers 401
    }
    if (kind === 'kiosk') return app.authenticateKiosk(request, reply);
    await app.authenticate(request, reply);
    if (request.actor?.kind !== 'staff') throw new UnauthorizedError();
    assertCan(request.actor, 'consulates:read');
  };

  app.get(
    '',
    {
      onRequest: [staffOrKiosk],
      schema: {
        ...lookupDoc,
        summary: 'Which consulate serves a ZIP code (staff and kiosks)',
        description: lookupDescription,
        security: [{ staffBearer: [] }, { kioskBearer: [] }],
      },
    },
    async (request) => service.lookup(request.query.zip),
  );
};

/** `GET /v1/kiosk/jurisdiction?zip=`: the same answer under the kiosk's own prefix (kiosk tokens only). */
export const kioskJurisdictionRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new JurisdictionService(app.prisma);
  app.get(
    '',
    {
      onRequest: [app.authenticateKiosk],
      schema: {
        ...lookupDoc,
        tags: ['kiosk'],
        summary: 'Which consulate serves a ZIP code (kiosk)',
        description: lookupDescription,
        security: [{ kioskBearer: [] }],
      },
    },
    async (request) => service.lookup(request.query.zip),
  );
};

/** `GET/PUT /v1/consulates/:id/jurisdiction`: the counties a consulate serves. */
export const consulateJurisdictionRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new JurisdictionService(app.prisma);
  const security = [{ staffBearer: [] }];
  const tags = ['consulates'];

  app.get(
    '/:id/jurisdiction',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:read')],
      schema: {
        tags,
        summary: 'The counties of the consulate’s jurisdiction (or a planned consulate’s designation)',
        security,
        params: idParams,
        response: { 200: jurisdictionSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const jurisdiction = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', jurisdictionEtag(jurisdiction)).send(jurisdiction);
    },
  );

  app.put(
    '/:id/jurisdiction',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('consulates:write')],
      schema: {
        tags,
        summary: 'Replace the consulate’s counties (admin; If-Match required)',
        description:
          'The whole list of county FIPS codes. Each county moves from whichever consulate had it (a county belongs to one consulate), and the outsideJurisdiction flag of the persons there is recomputed. For a planned consulate the list is its designation: the counties it takes over when it becomes active. 428 without If-Match, 412 when the list changed since it was read, 409 for a closed consulate.',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: replaceJurisdictionBody,
        response: { 200: jurisdictionChangeSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const changed = await service.replace(
        staffContext(request),
        request.params.id,
        request.body.counties,
        request.headers['if-match'],
      );
      return reply.header('etag', jurisdictionEtag(changed)).send(changed);
    },
  );
};
