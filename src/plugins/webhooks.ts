import fp from 'fastify-plugin';
import { SecretBox } from '../modules/webhooks/webhooks.crypto.ts';
import { WebhookDispatcher } from '../modules/webhooks/webhooks.dispatcher.ts';
import type { TargetPolicy } from '../modules/webhooks/webhooks.http.ts';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: { box: SecretBox; policy: TargetPolicy; dispatcher: WebhookDispatcher | undefined };
  }
}

/**
 * Webhook delivery runs inside every API process (no service of its own):
 * the dispatcher starts once the app is ready and stops first when it
 * closes (WEBHOOK_DISPATCHER=false turns it off for this process).
 */
export default fp(
  async (app) => {
    const { webhooks, nodeEnv } = app.config;
    const box = new SecretBox(webhooks.secretKey);
    const policy: TargetPolicy = { strict: nodeEnv === 'production', allowedHosts: webhooks.allowedHosts };
    const dispatcher = webhooks.dispatcher
      ? new WebhookDispatcher({
          prisma: app.prisma,
          pool: app.sql.pool,
          config: webhooks,
          policy,
          clock: app.clock,
          box,
          log: (level, details, message) => app.log[level](details, message),
        })
      : undefined;
    app.decorate('webhooks', { box, policy, dispatcher });
    if (dispatcher) {
      app.addHook('onReady', async () => dispatcher.start());
      // Before the pool closes (onClose): attempts in flight are cut short and left due.
      app.addHook('preClose', async () => dispatcher.stop());
    }
  },
  { name: 'webhooks', dependencies: ['prisma'] },
);
