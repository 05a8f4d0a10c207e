import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import {
  createPersonBody,
  personListQuery,
  personListResponse,
  personSchema,
  sealedIdentitySchema,
  updatePersonBody,
} from './persons.schemas.ts';
import { PersonsService } from './persons.service.ts';
import { purposeQuery } from '../access-log/access-log.schemas.ts';

export const personsRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new PersonsService(app.prisma, app.accessLog);
  const security = [{ staffBearer: [] }];
  const tags = ['persons'];

  app.get(
    '',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('persons:read')],
      schema: {
        tags,
        summary: 'Search persons by CURP, name or date of birth',
        description: 'Officers see the persons registered at their consulate. Name search ignores case and accents.',
        security,
        querystring: personListQuery,
        response: { 200: personListResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.post(
    '',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('persons:write')],
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Register a person at the consulate',
        security,
        body: createPersonBody,
        response: { 201: personSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.create(staffContext(request), request.body)),
  );

  app.get(
    '/:id',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('persons:read')],
      schema: {
        tags,
        summary: 'Read a person',
        security,
        params: idParams,
        response: { 200: personSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const person = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(person.version)).send(person);
    },
  );

  app.patch(
    '/:id',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('persons:write')],
      schema: {
        tags,
        summary: 'Update a person (If-Match)',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: updatePersonBody,
        response: { 200: personSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const person = await service.update(staffContext(request), request.params.id, version, request.body);
      return reply.header('etag', etagOf(person.version)).send(person);
    },
  );

  app.get(
    '/:id/sealed-identity',
    {
      onRequest: [app.authenticate],
      preHandler: [app.authorize('persons:sealed')],
      schema: {
        tags,
        summary: 'Read the sealed previous identity (supervisor, admin; audited)',
        description:
          'Names and gender markers replaced by an issued gender-identity recognition. Every read is an audit event.',
        security,
        params: idParams,
        querystring: purposeQuery,
        response: { 200: sealedIdentitySchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.sealedIdentity(staffContext(request), request.params.id, request.query.purpose),
  );
};
