import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';

const t = useTestApp();

describe('problem+json for bad requests', () => {
  it('malformed JSON is a 400 problem', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    const body = expectProblem(res, 400);
    expect(body.instance).toBe('/v1/auth/login');
  });

  it('an unsupported content type is a 415 problem', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'email=x',
    });
    expectProblem(res, 415);
  });

  it('validation errors list every bad field with its path', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/staff',
      headers: admin.headers,
      payload: { email: 'not-an-email', role: 'emperor', password: 'x', extra: true },
    });
    const body = expectProblem(res, 400);
    expect(body.title).toBe('Request validation failed');
    const paths = body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body.email', 'body.fullName', 'body.role', 'body.password']));
    for (const e of body.errors) expect(e.message).toEqual(expect.any(String));
  });

  it('bad query values are 400 with the parameter named', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const body = expectProblem(await t.app.inject({ url: '/v1/consulates?limit=0', headers: admin.headers }), 400);
    expect(body.errors[0].path).toBe('querystring.limit');
    expectProblem(await t.app.inject({ url: '/v1/consulates?limit=201', headers: admin.headers }), 400);
  });

  it('an unknown route is a 404 problem', async () => {
    const body = expectProblem(await t.app.inject({ url: '/v1/nothing-here?x=1' }), 404);
    expect(body.detail).toBe('No route GET /v1/nothing-here.');
  });

  it('a malformed If-Match is 412, never 500', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/staff/${admin.staff.id}`,
      headers: { ...admin.headers, 'if-match': 'garbage' },
      payload: { fullName: 'X' },
    });
    expectProblem(res, 412);
  });

  it('every response carries x-request-id; a safe caller id is echoed, an unsafe one replaced', async () => {
    const echoed = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': 'kiosk-42.retry-1' } });
    expect(echoed.headers['x-request-id']).toBe('kiosk-42.retry-1');
    const replaced = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': 'bad id\n<script>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const error = await t.app.inject({ url: '/nope' });
    expect(error.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('a forged cursor whose values do not fit the list is 400 on every keyset list, never 500', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const forged = Buffer.from(JSON.stringify(['not-a-date', 'x'])).toString('base64url');
    const forgedNumber = Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', 'x', 'y'])).toString('base64url');
    for (const url of [
      `/v1/audit-events?cursor=${forged}`,
      `/v1/staff?cursor=${forged}`,
      `/v1/persons?cursor=${forged}`,
      `/v1/documentation-requests?cursor=${forged}`,
      `/v1/protection-cases?cursor=${forged}`,
      `/v1/protection-cases?overdue=true&cursor=${forged}`,
      `/v1/appointments?cursor=${forged}`,
      `/v1/mobile-visits?cursor=${forged}`,
      `/v1/kiosks?cursor=${forged}`,
      `/v1/queue/tickets?consulateId=${crypto.randomUUID()}&date=2026-01-01&cursor=${forgedNumber}`,
    ]) {
      const body = expectProblem(await t.app.inject({ url, headers: admin.headers }), 400);
      expect(body.errors, url).toEqual([{ path: 'cursor', message: 'is not a cursor issued by this list' }]);
    }
  });
});
