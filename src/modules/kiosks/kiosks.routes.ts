import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf } from '../../lib/etag.ts';
import { idParams, problemResponses } from '../../lib/schemas.ts';
import {
  kioskListQuery,
  kioskListResponse,
  kioskSchema,
  kioskSecretResponse,
  registerKioskBody,
} from './kiosks.schemas.ts';
import { KiosksService } from './kiosks.service.ts';

/** Staff side: supervisors (own consulate) and admins register and manage kiosks. */
export const kiosksRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new KiosksService(app.prisma, app.jwt, app.config, app.clock);
  const security = [{ staffBearer: [] }];
  const tags = ['kiosks'];
  const manage = { onRequest: [app.authenticate], preHandler: [app.authorize('kiosks:manage')] };

  app.post(
    '',
    {
      ...manage,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Register a kiosk; its secret is shown once',
        security,
        body: registerKioskBody,
        response: { 201: kioskSecretResponse, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.register(staffContext(request), request.body)),
  );

  app.get(
    '',
    {
      ...manage,
      schema: {
        tags,
        summary: 'List kiosks, with when each was last seen',
        security,
        querystring: kioskListQuery,
        response: { 200: kioskListResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.get(
    '/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Read a kiosk',
        security,
        params: idParams,
        response: { 200: kioskSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const kiosk = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(kiosk.version)).send(kiosk);
    },
  );

  for (const [path, enabled, summary] of [
    ['/:id/disable', false, 'Disable a kiosk: its tokens stop working at the next request'],
    ['/:id/enable', true, 'Enable a kiosk again'],
  ] as const) {
    app.post(
      path,
      {
        ...manage,
        schema: {
          tags,
          summary,
          security,
          params: idParams,
          response: { 200: kioskSchema, ...problemResponses(400, 401, 403, 404, 412) },
        },
      },
      async (request) => service.setEnabled(staffContext(request), request.params.id, enabled),
    );
  }

  app.post(
    '/:id/rotate-secret',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Give a kiosk a new secret (shown once); the old one and its tokens stop working at once',
        security,
        params: idParams,
        response: { 200: kioskSecretResponse, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request) => service.rotateSecret(staffContext(request), request.params.id),
  );
};
