import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponse, standardResponses } from '../lib/schemas.ts';

type JsonObject = Record<string, unknown>;

/** What the security schemes say about tokens (the owasp ruleset asks for RFC 8725 by name). */
const JWT_PRACTICES =
  'HS256 only (any other `alg`, `none` included, is refused), explicit type `typ: at+jwt` (RFC 9068), issuer `consular-api` and audience checked, expiry enforced: the practices of RFC 8725 (RFC8725, JSON Web Token Best Current Practices).';

/** Response headers of rate-limited operations (IETF draft-ietf-httpapi-ratelimit-headers). */
const RATE_LIMIT_HEADERS: Record<string, JsonObject> = {
  'RateLimit-Limit': {
    description: 'Requests allowed in the current window (per staff member or kiosk; per address for login).',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window resets.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
  },
};

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** `GET /v1/persons/{id}/sealed-identity` → `getPersonsByIdSealedIdentity`: stable, unique, readable. */
function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((part) => part && part !== 'v1')
    .flatMap((part) => (part.startsWith(':') ? ['by', part.slice(1)] : part.split('-')));
  return method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/**
 * Per route: the zod schemas as JSON Schema, an operationId, and the
 * `Idempotency-Key` header of creating POSTs (read by the idempotency plugin,
 * not by the route's zod schema).
 */
const transform: typeof jsonSchemaTransform = (input) => {
  const output = jsonSchemaTransform(input);
  const schema = output.schema as JsonObject | undefined;
  const route = (input as { route?: RouteOptions }).route;
  if (!schema || schema.hide || !route) return output;
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  schema.operationId ??= operationIdOf(method, route.url);
  // A streamed NDJSON body (imports) has no zod schema: it is documented as what it is.
  if ((schema.consumes as string[] | undefined)?.includes('application/x-ndjson') && !schema.body) {
    schema.body = {
      type: 'string',
      maxLength: 2_147_483_647,
      pattern: '^[^\\u0000]*$',
      description: 'NDJSON: one JSON object per line (see the operation description), UTF-8, at most IMPORT_MAX_BYTES.',
    };
  }
  if (route.config?.idempotent) {
    const headers = (schema.headers as JsonObject | undefined) ?? { type: 'object', properties: {} };
    headers.properties = {
      ...(headers.properties as JsonObject),
      'idempotency-key': {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        pattern: '^[\\x21-\\x7e]{1,200}$',
        description:
          'Optional. A retry with the same key and body replays the first answer (`Idempotent-Replayed: true`); the same key with another body is 422; while the first is still running, 409. Kept 24 hours per caller.',
      },
    };
    schema.headers = headers;
  }
  return output;
};

/**
 * The whole document: rate-limit headers on every answer of a rate-limited
 * operation (2xx and 4xx; `Retry-After` on 429 and 503), and only the component
 * schemas something refers to (the type provider registers an input and an
 * output variant of each).
 */
const transformObject: typeof jsonSchemaTransformObject = (input) => {
  const document = jsonSchemaTransformObject(input) as JsonObject & {
    paths?: Record<string, Record<string, { responses?: Record<string, JsonObject> }>>;
    components?: JsonObject & { schemas?: Record<string, unknown> };
  };
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const responses = operation.responses ?? {};
      // A database fault's 503 says when to retry.
      if (responses['503']) responses['503'].headers = { 'Retry-After': headerRef('Retry-After') };
      if (!responses['429']) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[24]/.test(status)) continue;
        response.headers = {
          ...(response.headers as JsonObject | undefined),
          'RateLimit-Limit': headerRef('RateLimit-Limit'),
          'RateLimit-Remaining': headerRef('RateLimit-Remaining'),
          'RateLimit-Reset': headerRef('RateLimit-Reset'),
          ...(status === '429' ? { 'Retry-After': headerRef('Retry-After') } : {}),
        };
      }
    }
  }
  document.components = {
    ...document.components,
    headers: RATE_LIMIT_HEADERS,
    schemas: referencedOnly(document.components?.schemas ?? {}, document),
  };
  return document;
};

/** The component schemas reachable from the paths (directly or through other components). */
function referencedOnly(schemas: Record<string, unknown>, document: JsonObject): Record<string, unknown> {
  const refsIn = (value: unknown): string[] =>
    [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
  const reached = new Set<string>();
  const queue = refsIn(document.paths);
  while (queue.length) {
    const name = queue.pop()!;
    if (reached.has(name)) continue;
    reached.add(name);
    queue.push(...refsIn(schemas[name]));
  }
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => reached.has(name)));
}

/**
 * The CSP of /docs: Swagger UI's own (its scripts and styles by hash, nothing
 * inline otherwise), without `upgrade-insecure-requests` — served over plain
 * HTTP from another host than localhost (a container, a LAN), a browser would
 * rewrite the UI's assets to https:// and the page would not load — and
 * stricter where it can be: no `https:` wildcard for fonts and styles (the
 * UI's are served from 'self'), no validator.swagger.io, forms only to 'self'.
 */
export function docsCsp(header: string): string {
  return `${header
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive && directive !== 'upgrade-insecure-requests')
    .map((directive) => directive.replace(/ (https:|validator\.swagger\.io)(?= |$)/g, ''))
    .join('; ')}; form-action 'self'`;
}

/** OpenAPI 3.1 generated from the routes' zod schemas, at /docs/json, UI at /docs. */
export default fp(
  async (app) => {
    // Every operation documents every status it can answer: the statuses its
    // kind of route always can (standardResponses), then its own. A route's
    // bare schema for an error status (the Problem schema, or one extending it)
    // becomes the problem+json response of that status, which is what is sent.
    app.addHook('onRoute', (route) => {
      const schema = route.schema;
      if (!schema || (schema as { hide?: boolean }).hide) return;
      const own = Object.fromEntries(
        Object.entries((schema.response as Record<string, unknown> | undefined) ?? {}).map(([status, response]) => [
          status,
          Number(status) >= 400 && response instanceof z.ZodType ? problemResponse(Number(status), response) : response,
        ]),
      );
      const security = (schema as { security?: unknown[] }).security;
      schema.response = {
        ...standardResponses({
          method: Array.isArray(route.method) ? route.method[0]! : route.method,
          hasParams: Boolean(schema.params) || route.url.includes(':'),
          validatesInput: Boolean(schema.querystring ?? schema.headers ?? schema.body),
          authenticated: Array.isArray(security) && security.length > 0,
        }),
        ...own,
      };
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Consular services case management API',
          version: '1.0.0',
          description:
            'Consulates, staff, persons, documentation requests, protection cases, mobile visits, appointments, kiosks, statistics and the audit log of a consular network. Errors are RFC 9457 problem documents (application/problem+json). Every authenticated operation is rate limited per staff member or kiosk (RateLimit-* headers, 429 with Retry-After).',
          contact: { name: 'Consular network API team' },
        },
        servers: [
          {
            url: '/',
            description: 'The server that serves this document (production, staging or a local instance).',
            'x-internal': true,
          } as { url: string; description: string },
        ],
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
          {
            name: 'webhooks',
            description:
              'Event subscriptions (admins: the network; supervisors: their consulate), signed deliveries (Standard Webhooks) and their history',
          },
          { name: 'statistics', description: 'Per-consulate and network figures, each with its drill-down list' },
          { name: 'schedules', description: 'Office hours, slot length and capacity per service of a consulate' },
          { name: 'mobile-visits', description: 'Mobile consulates: a consulate’s visits to host cities' },
          {
            name: 'appointments',
            description: 'Availability, booking, the day’s queue, check-in, no-shows (times in the office’s zone)',
          },
          { name: 'audit', description: 'Append-only audit log' },
          { name: 'jurisdiction', description: 'Which consulate serves a US ZIP code (staff and kiosks)' },
          { name: 'imports', description: 'Import of historical records (NDJSON jobs)' },
        ],
        components: {
          securitySchemes: {
            staffBearer: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description: `Staff access token from POST /v1/auth/login, valid for minutes (refresh it with POST /v1/auth/refresh). Audience \`consular-api:staff\`; ${JWT_PRACTICES}`,
            },
            kioskBearer: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description: `Kiosk token from POST /v1/kiosk/token, valid for minutes. Audience \`consular-api:kiosk\` (never accepted as a staff token, nor a staff token as a kiosk’s). ${JWT_PRACTICES}`,
            },
          },
        },
      },
      transform,
      transformObject,
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      transformStaticCSP: docsCsp,
      // The validator badge would send the document's address to validator.swagger.io.
      uiConfig: { deepLinking: true, validatorUrl: null },
    });
  },
  { name: 'openapi' },
);
