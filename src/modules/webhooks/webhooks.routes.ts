import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { staffContext } from '../../plugins/auth.ts';
import { sendAnswer } from '../../plugins/idempotency.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { idParams, ifMatchHeaders, problemResponses } from '../../lib/schemas.ts';
import {
  createWebhookBody,
  deliveryListQuery,
  deliveryListResponse,
  deliveryParams,
  deliverySchema,
  updateWebhookBody,
  webhookListQuery,
  webhookListResponse,
  webhookSchema,
  webhookSecretResponse,
} from './webhooks.schemas.ts';
import { WebhooksService } from './webhooks.service.ts';

/** Admins (the network's) and supervisors (their consulate's) manage webhook subscriptions. */
export const webhooksRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = new WebhooksService(app.prisma, app.clock, app.webhooks.box, app.webhooks.policy);
  const security = [{ staffBearer: [] }];
  const tags = ['webhooks'];
  const manage = { onRequest: [app.authenticate], preHandler: [app.authorize('webhooks:manage')] };

  app.post(
    '',
    {
      ...manage,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Subscribe a URL to events; the signing secret is shown once',
        description:
          'Admins make the network’s subscription (every consulate; confidential protection cases as ids only); supervisors their consulate’s.',
        security,
        body: createWebhookBody,
        response: { 201: webhookSecretResponse, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => sendAnswer(reply, await service.create(staffContext(request), request.body)),
  );

  app.get(
    '',
    {
      ...manage,
      schema: {
        tags,
        summary: 'List webhook subscriptions',
        security,
        querystring: webhookListQuery,
        response: { 200: webhookListResponse, ...problemResponses(400, 401, 403) },
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
        summary: 'Read a webhook subscription',
        security,
        params: idParams,
        response: { 200: webhookSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const webhook = await service.get(staffContext(request), request.params.id);
      return reply.header('etag', etagOf(webhook.version)).send(webhook);
    },
  );

  app.patch(
    '/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Change a subscription’s URL, events or description (If-Match)',
        security,
        params: idParams,
        headers: ifMatchHeaders,
        body: updateWebhookBody,
        response: { 200: webhookSchema, ...problemResponses(400, 401, 403, 404, 412, 428) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const webhook = await service.update(staffContext(request), request.params.id, version, request.body);
      return reply.header('etag', etagOf(webhook.version)).send(webhook);
    },
  );

  for (const [path, enabled, summary] of [
    ['/:id/disable', false, 'Disable a subscription: nothing is sent to it, and no events are kept for it'],
    ['/:id/enable', true, 'Enable a subscription again (its failing streak starts over)'],
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
          response: { 200: webhookSchema, ...problemResponses(400, 401, 403, 404, 412) },
        },
      },
      async (request, reply) => {
        const webhook = await service.setEnabled(staffContext(request), request.params.id, enabled);
        return reply.header('etag', etagOf(webhook.version)).send(webhook);
      },
    );
  }

  app.post(
    '/:id/rotate-secret',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Give a subscription a new signing secret (shown once); the old one stops signing at once',
        security,
        params: idParams,
        response: { 200: webhookSecretResponse, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request) => service.rotateSecret(staffContext(request), request.params.id),
  );

  app.delete(
    '/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Delete a subscription and its deliveries',
        security,
        params: idParams,
        response: { 204: z.undefined(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await service.remove(staffContext(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/:id/deliveries',
    {
      ...manage,
      schema: {
        tags,
        summary: 'A subscription’s deliveries, newest first: status, attempts, last answer and latency, next attempt',
        security,
        params: idParams,
        querystring: deliveryListQuery,
        response: { 200: deliveryListResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => service.deliveries(staffContext(request), request.params.id, request.query),
  );

  app.post(
    '/:id/deliveries/:deliveryId/redeliver',
    {
      ...manage,
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'Send a delivery’s event again (a new delivery, due now, with the same webhook-id)',
        security,
        params: deliveryParams,
        response: { 202: deliverySchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      sendAnswer(reply, await service.redeliver(staffContext(request), request.params.id, request.params.deliveryId)),
  );
};
