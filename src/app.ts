import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { AppConfig } from './config/env.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createLogger } from './lib/logger.ts';
import { serializerCompiler } from './lib/serializer.ts';
import { accessReportRoutes } from './modules/access-log/access-log.routes.ts';
import { appointmentsRoutes } from './modules/appointments/appointments.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { consulatesRoutes } from './modules/consulates/consulates.routes.ts';
import { documentationRequestsRoutes } from './modules/documentation-requests/documentation-requests.routes.ts';
import { importRunner, importsRoutes } from './modules/imports/imports.routes.ts';
import { healthRoutes } from './modules/health/health.routes.ts';
import {
  consulateJurisdictionRoutes,
  jurisdictionRoutes,
  kioskJurisdictionRoutes,
} from './modules/jurisdiction/jurisdiction.routes.ts';
import { kioskRoutes } from './modules/kiosk/kiosk.routes.ts';
import { kiosksRoutes } from './modules/kiosks/kiosks.routes.ts';
import { mobileVisitsRoutes } from './modules/mobile-visits/mobile-visits.routes.ts';
import { personsRoutes } from './modules/persons/persons.routes.ts';
import { protectionCasesRoutes } from './modules/protection-cases/protection-cases.routes.ts';
import { retentionRoutes } from './modules/retention/retention.routes.ts';
import { queueRoutes } from './modules/queue/queue.routes.ts';
import { schedulesRoutes } from './modules/schedules/schedules.routes.ts';
import { staffRoutes } from './modules/staff/staff.routes.ts';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes.ts';
import { statsRoutes } from './modules/stats/stats.routes.ts';
import accessLogPartitions from './plugins/access-log-partitions.ts';
import authPlugin from './plugins/auth.ts';
import caches from './plugins/caches.ts';
import configPlugin from './plugins/config.ts';
import errorHandler, { clientErrorHandler, frameworkErrors } from './plugins/error-handler.ts';
import idempotency from './plugins/idempotency.ts';
import openapi from './plugins/openapi.ts';
import prismaPlugin from './plugins/prisma.ts';
import rateLimit from './plugins/rate-limit.ts';
import retention from './plugins/retention.ts';
import requestContext, { requestIdFrom } from './plugins/request-context.ts';
import security from './plugins/security.ts';
import webhooks from './plugins/webhooks.ts';

export interface BuildAppOptions {
  config: AppConfig;
  /** A pino logger; by default one at config.logLevel on stdout. */
  logger?: Logger;
  /** Where "now" comes from; the system clock by default. */
  clock?: Clock;
}

/** The one way to make the app (production and tests). It neither readies nor listens. */
export async function buildApp({ config, logger, clock = systemClock }: BuildAppOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = logger ?? createLogger(config.logLevel);
  const app = Fastify({
    loggerInstance,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    requestIdHeader: false,
    // One log line per request, written by the request-context plugin.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Ids are 36 characters; a longer path parameter is 414 problem+json.
    routerOptions: { maxParamLength: 100 },
    // Malformed URLs, over-long parameters and what Node's HTTP parser refuses
    // answer problem+json like every other error.
    frameworkErrors,
    clientErrorHandler,
    // Give in-flight requests time to finish on shutdown; idle keep-alive sockets close at once.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  // JSON in and out: anything else is 415, not a string the schema then refuses.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Cross-cutting plugins, in dependency order.
  await app.register(configPlugin, { config, clock });
  await app.register(requestContext);
  await app.register(errorHandler);
  await app.register(security);
  await app.register(prismaPlugin);
  await app.register(caches);
  await app.register(accessLogPartitions);
  await app.register(openapi);
  await app.register(rateLimit);
  await app.register(authPlugin);
  await app.register(idempotency);
  await app.register(retention);
  await app.register(importRunner);
  await app.register(webhooks);

  // The route map, in one place.
  await app.register(healthRoutes, { prefix: '/health' });
  await app.register(authRoutes, { prefix: '/v1/auth' });
  await app.register(consulatesRoutes, { prefix: '/v1/consulates' });
  await app.register(schedulesRoutes, { prefix: '/v1/consulates' });
  await app.register(staffRoutes, { prefix: '/v1/staff' });
  await app.register(personsRoutes, { prefix: '/v1/persons' });
  await app.register(retentionRoutes, { prefix: '/v1/persons' });
  await app.register(accessReportRoutes, { prefix: '/v1/persons' });
  await app.register(documentationRequestsRoutes, { prefix: '/v1/documentation-requests' });
  await app.register(protectionCasesRoutes, { prefix: '/v1/protection-cases' });
  await app.register(mobileVisitsRoutes, { prefix: '/v1/mobile-visits' });
  await app.register(appointmentsRoutes, { prefix: '/v1/appointments' });
  await app.register(kiosksRoutes, { prefix: '/v1/kiosks' });
  await app.register(kioskRoutes, { prefix: '/v1/kiosk' });
  await app.register(queueRoutes, { prefix: '/v1/queue' });
  await app.register(statsRoutes, { prefix: '/v1/stats' });
  await app.register(auditRoutes, { prefix: '/v1/audit-events' });
  await app.register(webhooksRoutes, { prefix: '/v1/webhooks' });
  await app.register(jurisdictionRoutes, { prefix: '/v1/jurisdiction' });
  await app.register(kioskJurisdictionRoutes, { prefix: '/v1/kiosk/jurisdiction' });
  await app.register(consulateJurisdictionRoutes, { prefix: '/v1/consulates' });
  await app.register(importsRoutes, { prefix: '/v1/imports' });

  return app;
}
