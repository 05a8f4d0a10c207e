import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** OpenAPI 3.1 generated from the routes' zod schemas, at /docs/json, UI at /docs. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Consular services case management API',
          version: '1.0.0',
          description:
            'Consulates, staff, persons, documentation requests, protection cases, mobile visits, appointments, kiosks, statistics and the audit log of a consular network. Errors are RFC 9457 problem documents (application/problem+json).',
        },
        tags: [
          { name: 'health', description: 'Liveness and readiness' },
          { name: 'auth', description: 'Staff login, token refresh and logout' },
          { name: 'consulates', description: 'The consular network' },
          { name: 'staff', description: 'Staff accounts' },
          { name: 'persons', description: 'Nationals served by a consulate (personal data)' },
          {
            name: 'documentation-requests',
            description: 'Passports, matrícula consular, birth and gender-identity registrations',
          },
          {
            name: 'protection-cases',
            description:
              'Protection of nationals: detention, violence, trafficking, minors, repatriation… (confidential cases audited on every read)',
          },
          { name: 'kiosks', description: 'Front-office kiosks: registration, secrets, enable/disable (staff)' },
          { name: 'kiosk', description: 'Endpoints for kiosks themselves (kiosk token)' },
          { name: 'queue', description: 'The lobby queue: calling tickets to counters (staff)' },
          { name: 'statistics', description: 'Per-consulate and network figures, each with its drill-down list' },
          { name: 'schedules', description: 'Office hours, slot length and capacity per service of a consulate' },
          { name: 'mobile-visits', description: 'Mobile consulates: a consulate’s visits to host cities' },
          {
            name: 'appointments',
            description: 'Availability, booking, the day’s queue, check-in, no-shows (times in the office’s zone)',
          },
          { name: 'audit', description: 'Append-only audit log' },
          { name: 'jurisdiction', description: 'Which consulate serves a US ZIP code (staff and kiosks)' },
        ],
        components: {
          securitySchemes: {
            staffBearer: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description:
                'Staff access token from POST /v1/auth/login (HS256 JWT, short-lived; handled as RFC 8725 recommends: fixed algorithm, issuer checked, expiry enforced).',
            },
            kioskBearer: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description:
                'Kiosk token from POST /v1/kiosk/token (JWT with kind "kiosk"; RFC 8725 practices as for staff tokens).',
            },
          },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: { deepLinking: true },
    });
  },
  { name: 'openapi' },
);
