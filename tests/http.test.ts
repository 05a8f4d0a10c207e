import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/build-test-app.ts';
import { createStaff, DEFAULT_PASSWORD } from './factories/staff.ts';

const t = useTestApp();

describe('over a real socket (supertest)', () => {
  it('logs in, sends security headers and the request id', async () => {
    const staff = await createStaff(t.prisma, { role: 'admin' });
    const res = await request(t.app.server)
      .post('/v1/auth/login')
      .set('x-request-id', 'socket-test-1')
      .send({ email: staff.email, password: DEFAULT_PASSWORD })
      .expect(200)
      .expect('content-type', /application\/json/);
    expect(res.headers['x-request-id']).toBe('socket-test-1');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.body.user.email).toBe(staff.email);

    await request(t.app.server)
      .get('/v1/consulates')
      .set('authorization', `Bearer ${res.body.accessToken}`)
      .expect(200);
  });

  it('health endpoints answer', async () => {
    await request(t.app.server).get('/health/live').expect(200, { status: 'ok' });
    await request(t.app.server)
      .get('/health/ready')
      .expect(200, { status: 'ok', database: 'ok', statsDatabase: 'not-configured' });
  });

  it('serves the API docs UI at /docs', async () => {
    const res = await request(t.app.server).get('/docs/').redirects(1);
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger');
  });
});

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with security schemes, and every operation has tags, a summary and declared security', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['staffBearer', 'kioskBearer']);
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(10);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(path.endsWith('/') && path !== '/', where).toBe(false);
      expect(op.tags?.length, where).toBeGreaterThan(0);
      expect(op.summary, where).toEqual(expect.any(String));
      expect(Array.isArray(op.security), where).toBe(true);
      expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
    }
    expect(doc.paths['/v1/staff'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(doc.paths['/v1/staff/{id}'].patch.security).toEqual([{ staffBearer: [] }]);
    expect(doc.paths['/v1/auth/login'].post.security).toEqual([]);
  });
});
