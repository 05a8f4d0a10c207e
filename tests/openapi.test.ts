import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';
import { operationsOf, type OpenApiDocument, type OpenApiOperation } from './helpers/openapi-document.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

const t = useTestApp();

let doc: OpenApiDocument;
let operations: OpenApiOperation[];

beforeAll(async () => {
  doc = (await t.app.inject({ url: '/docs/json' })).json();
  operations = operationsOf(doc);
});

const name = (o: OpenApiOperation) => `${o.method} ${o.path}`;
const statuses = (o: OpenApiOperation) => Object.keys(o.operation.responses as object);
const parameter = (o: OpenApiOperation, where: string, key: string) =>
  ((o.operation.parameters ?? []) as { in: string; name: string; required?: boolean }[]).find(
    (p) => p.in === where && p.name === key,
  );
const authenticated = (o: OpenApiOperation) => ((o.operation.security ?? []) as unknown[]).length > 0;

describe('the OpenAPI document states what every operation can answer', () => {
  it('500 and 503 everywhere; 400, 413 and 415 wherever a body is taken; 414 wherever a path parameter is', () => {
    for (const o of operations) {
      expect(statuses(o), name(o)).toEqual(expect.arrayContaining(['500', '503']));
      if (['POST', 'PUT', 'PATCH'].includes(o.method)) {
        expect(statuses(o), name(o)).toEqual(expect.arrayContaining(['400', '413', '415']));
      }
      if (o.path.includes('{')) expect(statuses(o), name(o)).toEqual(expect.arrayContaining(['400', '414']));
    }
  });

  it('every problem response is application/problem+json with the Problem schema', () => {
    for (const o of operations) {
      for (const [status, response] of Object.entries(o.operation.responses as Record<string, any>)) {
        if (Number(status) < 400) continue;
        expect(Object.keys(response.content), `${name(o)} ${status}`).toEqual(['application/problem+json']);
        const schema = response.content['application/problem+json'].schema;
        // The Problem schema, or (readiness) one that extends it.
        if (!schema.$ref) expect(Object.keys(schema.properties), `${name(o)} ${status}`).toContain('type');
        else expect(schema).toEqual({ $ref: '#/components/schemas/Problem' });
        expect(response.description, `${name(o)} ${status}`).not.toBe('Default Response');
      }
    }
  });

  it('authenticated operations answer 401, 403 and 429, with RateLimit headers on every 2xx and 4xx', () => {
    const limited = operations.filter(authenticated);
    expect(limited.length).toBeGreaterThan(60);
    for (const o of limited) {
      expect(statuses(o), name(o)).toEqual(expect.arrayContaining(['401', '403', '429']));
      for (const [status, response] of Object.entries(o.operation.responses as Record<string, any>)) {
        if (!/^[24]/.test(status)) continue;
        expect(Object.keys(response.headers ?? {}), `${name(o)} ${status}`).toEqual(
          expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
        );
      }
      expect(Object.keys(o.operation.responses['429'].headers), name(o)).toContain('Retry-After');
    }
    // The public ones that are limited say so too; health checks are not limited.
    for (const path of ['/v1/auth/login', '/v1/auth/refresh', '/v1/kiosk/token']) {
      expect(Object.keys(doc.paths[path]!.post!.responses as object)).toContain('429');
    }
    expect(Object.keys(doc.paths['/health/live']!.get!.responses as object)).not.toContain('429');
  });

  it('If-Match is required where its absence is 428, optional where it is only checked when sent', () => {
    const withIfMatch = operations.filter((o) => parameter(o, 'header', 'if-match'));
    expect(withIfMatch.length).toBeGreaterThan(10);
    for (const o of withIfMatch) {
      const required = parameter(o, 'header', 'if-match')!.required === true;
      expect(required, name(o)).toBe(statuses(o).includes('428'));
    }
    expect(
      parameter(
        operations.find((o) => name(o) === 'PATCH /v1/persons/{id}')!,
        'header',
        'if-match',
      )!.required,
    ).toBe(true);
    expect(
      parameter(
        operations.find((o) => name(o) === 'PUT /v1/consulates/{id}/holidays')!,
        'header',
        'if-match',
      )!.required,
    ).toBe(false);
  });

  it('creating POSTs document Idempotency-Key; every operation has a unique operationId', () => {
    for (const path of ['/v1/persons', '/v1/documentation-requests', '/v1/kiosk/tickets', '/v1/kiosk/check-ins']) {
      const o = operations.find((x) => x.method === 'POST' && x.path === path)!;
      expect(parameter(o, 'header', 'idempotency-key'), path).toMatchObject({ required: false });
    }
    const ids = operations.map((o) => o.operation.operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('bounds every string, array and integer of every schema', () => {
    const problems: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`));
      if (!node || typeof node !== 'object') return;
      const schema = node as Record<string, any>;
      const type = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (type.includes('string') && schema.maxLength === undefined && !schema.enum && schema.const === undefined) {
        problems.push(`${at}: string without maxLength`);
      }
      if (type.includes('array') && schema.maxItems === undefined) problems.push(`${at}: array without maxItems`);
      if (type.includes('integer') && (schema.format === undefined || schema.maximum > 2 ** 31)) {
        problems.push(`${at}: integer without int32 format and range`);
      }
      for (const [key, value] of Object.entries(schema)) if (key !== 'examples') walk(value, `${at}.${key}`);
    };
    walk(doc.paths, 'paths');
    walk(doc.components.schemas, 'components.schemas');
    expect(problems).toEqual([]);
  });

  it('the security schemes state RFC 8725 and the token checks', () => {
    for (const scheme of Object.values(doc.components.securitySchemes as Record<string, { description: string }>)) {
      expect(scheme.description).toMatch(/RFC 8725/);
      expect(scheme.description).toMatch(/RFC8725/);
      expect(scheme.description).toMatch(/HS256/);
      expect(scheme.description).toMatch(/at\+jwt/);
    }
  });
});

describe('/docs and its CSP', () => {
  it('keeps the policy strict without upgrade-insecure-requests (which breaks /docs over plain HTTP)', async () => {
    for (const url of ['/docs/', '/docs/json', '/health/live']) {
      const csp = String((await t.app.inject({ url })).headers['content-security-policy']);
      expect(csp, url).not.toMatch(/upgrade-insecure-requests/);
      expect(csp, url).toMatch(/default-src 'self'/);
      expect(csp, url).toMatch(/object-src 'none'/);
      expect(csp, url).toMatch(/frame-ancestors 'self'/);
    }
    const docs = String((await t.app.inject({ url: '/docs/' })).headers['content-security-policy']);
    expect(docs).not.toMatch(/https:|validator\.swagger\.io|unsafe-inline/);
  });
});

describe('what the document says is what the API does', () => {
  it('a PATCH without If-Match is 428, as documented', async () => {
    const consulate = await createConsulate(t.prisma);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    const person = await createPerson(t.prisma, consulate.id);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/persons/${person.id}`,
      headers: officer.headers,
      payload: { givenNames: 'Ana' },
    });
    expectProblem(res, 428);
  });
});
