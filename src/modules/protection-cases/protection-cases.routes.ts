import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type z } from 'zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, paginationQuery, problemResponses } from '../../lib/schemas.ts';
import {
  assignCaseBody,
  caseListQuery,
  caseListResponse,
  caseSchema,
  caseTransitionBody,
  confidentialityBody,
  createCaseBody,
  escalateBody,
  historySchema,
  noteBody,
  noteListResponse,
  noteSchema,
  referralBody,
  referralListResponse,
  referralParams,
  referralSchema,
  referralUpdateBody,
  transferBody,
  updateCaseBody,
} from './protection-cases.schemas.ts';
import { ProtectionCasesService, type CaseJson } from './protection-cases.service.ts';
import { purposeQuery } from '../access-log/access-log.schemas.ts';

export const protectionCasesRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new ProtectionCasesService(app.prisma, app.config, app.clock);
  const security = [{ staffBearer: [] }];
  const tags = ['protection-cases'];
  const read = { onRequest: [app.authenticate], preHandler: [app.authorize('protection:read')] };
  const write = { onRequest: [app.authenticate], preHandler: [app.authorize('protection:write')] };
  const caseOut = (status: number) => ({
    [status]: caseSchema,
    ...problemResponses(400, 401, 403, 404, 409, 412, 428),
  });

  app.post(
    '',
    {
      ...write,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Open a protection case (intake, with the national’s consent)',
        description:
          'gender_based_violence, human_trafficking and minor_unaccompanied cases start confidential. firstActionDueAt follows the priority (urgent 24 h, high 72 h, normal 10 days, low 30 days by default).',
        security,
        body: createCaseBody,
        response: { 201: caseSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
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
        summary: 'List protection cases',
        description:
          'Newest first; with overdue=true, the cases whose first action is late, most late first. Each confidential case returned is recorded in the audit log.',
        security,
        querystring: caseListQuery,
        response: { 200: caseListResponse, ...problemResponses(400, 401, 403) },
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
        summary: 'Read a protection case (confidential reads are audited)',
        security,
        params: idParams,
        querystring: purposeQuery,
        response: { 200: caseSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const found = await service.get(staffContext(request), request.params.id, request.query.purpose);
      return reply.header('etag', etagOf(found.version)).send(found);
    },
  );

  app.patch(
    '/:id',
    {
      ...write,
      schema: {
        tags,
        summary: 'Change summary, category, priority or the linked person (If-Match)',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: updateCaseBody,
        response: caseOut(200),
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const updated = await service.update(staffContext(request), request.params.id, version, request.body);
      return reply.header('etag', etagOf(updated.version)).send(updated);
    },
  );

  const action = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    run: (
      ctx: ReturnType<typeof staffContext>,
      id: string,
      body: z.output<B>,
      ifMatchHeader: string | undefined,
    ) => Promise<CaseJson>,
    description?: string,
  ) =>
    app.post(
      path,
      {
        ...write,
        schema: {
          tags,
          summary,
          ...(description ? { description } : {}),
          security,
          params: idParams,
          headers: ifMatchHeaders,
          body,
          response: caseOut(200),
        },
      },
      async (request, reply) => {
        const result = await run(
          staffContext(request),
          request.params.id,
          request.body as z.output<B>,
          request.headers['if-match'],
        );
        return reply.header('etag', etagOf(result.version)).send(result);
      },
    );

  action(
    '/:id/transitions',
    'Move a case to another state (If-Match)',
    caseTransitionBody,
    (ctx, id, body, header) => service.transition(ctx, id, expectedVersion(header), body.to, body.reason),
    'open → in_progress ⇄ referred; in_progress or referred → resolved → closed; resolved or closed → reopened → in_progress. A reason is required for resolved, closed and reopened.',
  );
  action(
    '/:id/assign',
    'Assign to a protection officer or supervisor of the consulate',
    assignCaseBody,
    (ctx, id, body) => service.assign(ctx, id, body.staffId),
  );
  action(
    '/:id/confidentiality',
    'Make a case confidential, or lift it (supervisors, with a reason)',
    confidentialityBody,
    (ctx, id, body) => service.setConfidentiality(ctx, id, body.confidential, body.reason),
  );
  action(
    '/:id/transfer',
    'Transfer the case to another consulate (supervisor)',
    transferBody,
    (ctx, id, body) => service.transfer(ctx, id, body.consulateId, body.reason),
    'The case moves with its whole history; the old consulate loses access at once.',
  );
  action('/:id/escalate', 'Escalate the case to headquarters', escalateBody, (ctx, id, body) =>
    service.escalate(ctx, id, body.reason),
  );

  app.post(
    '/:id/notes',
    {
      ...write,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Add a note (append-only; a correction points at the note it corrects)',
        description: 'The first note counts as the case’s first action.',
        security,
        params: idParams,
        body: noteBody,
        response: { 201: noteSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      sendAnswer(reply, await service.addNote(staffContext(request), request.params.id, request.body)),
  );

  app.get(
    '/:id/notes',
    {
      ...read,
      schema: {
        tags,
        summary: 'The case’s notes, oldest first',
        security,
        params: idParams,
        querystring: paginationQuery.extend(purposeQuery.shape),
        response: { 200: noteListResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.listNotes(staffContext(request), request.params.id, request.query),
  );

  app.post(
    '/:id/referrals',
    {
      ...write,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Refer the national to a partner organisation',
        security,
        params: idParams,
        body: referralBody,
        response: { 201: referralSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendAnswer(reply, await service.addReferral(staffContext(request), request.params.id, request.body)),
  );

  app.get(
    '/:id/referrals',
    {
      ...read,
      schema: {
        tags,
        summary: 'The case’s referrals',
        security,
        params: idParams,
        querystring: purposeQuery,
        response: { 200: referralListResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.listReferrals(staffContext(request), request.params.id, request.query.purpose),
  );

  app.patch(
    '/:id/referrals/:referralId',
    {
      ...write,
      schema: {
        tags,
        summary: 'Change a referral’s status: sent → accepted | declined; accepted → completed (If-Match)',
        security,
        params: referralParams,
        headers: ifMatchHeaders,
        body: referralUpdateBody,
        response: { 200: referralSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const updated = await service.updateReferral(
        staffContext(request),
        request.params.id,
        request.params.referralId,
        version,
        request.body.status,
      );
      return reply.header('etag', etagOf(updated.version)).send(updated);
    },
  );

  app.get(
    '/:id/history',
    {
      ...read,
      schema: {
        tags,
        summary:
          'The case’s history across consulates: transitions, transfers, escalation, confidentiality, assignments',
        security,
        params: idParams,
        querystring: purposeQuery,
        response: { 200: historySchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.history(staffContext(request), request.params.id, request.query.purpose),
  );
};
