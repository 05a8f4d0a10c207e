import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import {
  assignBody,
  clearFlagBody,
  createDocumentationRequestBody,
  documentationListQuery,
  documentationListResponse,
  documentationRequestSchema,
  paymentBody,
  timelineResponse,
  transitionBody,
  updateDocumentationRequestBody,
} from './documentation-requests.schemas.ts';
import { DocumentationRequestsService } from './documentation-requests.service.ts';

export const documentationRequestsRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new DocumentationRequestsService(
    app.prisma,
    app.config,
    app.clock,
    app.calendars,
    app.sql,
    app.accessLog,
  );
  const security = [{ staffBearer: [] }];
  const tags = ['documentation-requests'];
  const read = { onRequest: [app.authenticate], preHandler: [app.authorize('documentation:read')] };
  const write = { onRequest: [app.authenticate], preHandler: [app.authorize('documentation:write')] };

  app.post(
    '',
    {
      ...write,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'File a documentation request',
        description:
          'Passport, matrícula consular, birth registration, gender-identity recognition, notarial act (power of attorney, will, acknowledgement) or legalization. Returns the reference (`LAX-2026-000123`), the statutory deadline and flags (`potential_duplicate` when the same person or CURP has an open request of the same type — for notarial acts and legalizations, with the same details; `fee_pending` until paid). Notarial acts and legalizations take the consular tariff’s fee when `feeCents` is omitted. 409 `service-not-offered` when a notarial act or legalization is filed at a consulate that does not offer that service (`notarization`, `legalization`); 409 `person-changed` in the rare case the person’s date of birth or CURP kept changing while the request was being filed (send it again).',
        security,
        body: createDocumentationRequestBody,
        response: { 201: documentationRequestSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.create(staffContext(request), request.body)),
  );

  app.get(
    '',
    {
      ...read,
      schema: {
        tags,
        summary: 'List documentation requests (newest first)',
        security,
        querystring: documentationListQuery,
        response: { 200: documentationListResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => service.list(staffContext(request), request.query),
  );

  app.get(
    '/:id',
    {
      ...read,
      schema: {
        tags,
        summary: 'Read a documentation request',
        security,
        params: idParams,
        response: { 200: documentationRequestSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const found = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(found.version)).send(found);
    },
  );

  app.patch(
    '/:id',
    {
      ...write,
      schema: {
        tags,
        summary: 'Change details, fee or emergency flag before approval (If-Match)',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: updateDocumentationRequestBody,
        response: { 200: documentationRequestSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const updated = await service.update(staffContext(request), request.params.id, version, request.body);
      return reply.header('etag', etagOf(updated.version)).send(updated);
    },
  );

  app.post(
    '/:id/transitions',
    {
      ...write,
      schema: {
        tags,
        summary: 'Move a request to another state (If-Match)',
        description:
          'submitted → under_review ⇄ needs_information; under_review → approved → issued → delivered; rejected (from under_review or needs_information; supervisors) and cancelled (before approval). A reason is required for rejected, cancelled and needs_information. An illegal move is 409 naming the current state and the allowed ones.',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: transitionBody,
        response: { 200: documentationRequestSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const moved = await service.transition(
        staffContext(request),
        request.params.id,
        version,
        request.body.to,
        request.body.reason,
      );
      return reply.header('etag', etagOf(moved.version)).send(moved);
    },
  );

  app.post(
    '/:id/assign',
    {
      ...write,
      schema: {
        tags,
        summary: 'Assign to a documentation officer or supervisor of the consulate',
        security,
        params: idParams,
        body: assignBody,
        response: { 200: documentationRequestSchema, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const assigned = await service.assign(staffContext(request), request.params.id, request.body.staffId);
      return reply.header('etag', etagOf(assigned.version)).send(assigned);
    },
  );

  app.post(
    '/:id/clear-flag',
    {
      ...write,
      schema: {
        tags,
        summary: 'Clear the potential_duplicate flag, with a reason',
        security,
        params: idParams,
        body: clearFlagBody,
        response: { 200: documentationRequestSchema, ...problemResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const cleared = await service.clearFlag(
        staffContext(request),
        request.params.id,
        request.body.flag,
        request.body.reason,
      );
      return reply.header('etag', etagOf(cleared.version)).send(cleared);
    },
  );

  app.post(
    '/:id/payments',
    {
      ...write,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Record a payment of the fee',
        description: 'fee_pending clears when the payments reach the fee.',
        security,
        params: idParams,
        body: paymentBody,
        response: { 201: documentationRequestSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) =>
      sendAnswer(reply, await service.recordPayment(staffContext(request), request.params.id, request.body)),
  );

  app.get(
    '/:id/timeline',
    {
      ...read,
      schema: {
        tags,
        summary: 'The request’s timeline: transitions (who, when, from, to, reason), payments, assignments',
        security,
        params: idParams,
        response: { 200: timelineResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.timeline(staffContext(request), request.params.id),
  );
};
