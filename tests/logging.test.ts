import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/build-test-app.ts';
import { login, loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';

const t = useTestApp();

describe('logs', () => {
  it('carry the route pattern and request id, never query strings, tokens or passwords', async () => {
    const consulate = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    await login(t.app, 'someone@consular.test', 'my secret password');
    await t.app.inject({
      url: `/v1/consulates/${consulate.id}?q=Garc%C3%ADa`,
      headers: { ...admin.headers, 'x-request-id': 'log-req-1' },
    });
    await t.app.inject({ url: '/v1/staff?q=Maria%20Lopez', headers: admin.headers });

    const text = JSON.stringify(t.logs);
    for (const secret of [
      'my secret password',
      admin.token,
      admin.refreshToken,
      'Maria',
      'García',
      'Garc%C3%ADa',
      'someone@consular.test',
    ]) {
      expect(text).not.toContain(secret);
    }
    const line = t.logs.find((l) => l.reqId === 'log-req-1');
    expect(line).toMatchObject({
      route: '/v1/consulates/:id',
      method: 'GET',
      statusCode: 200,
      msg: 'request completed',
    });
    expect(line).not.toHaveProperty('url');
  });
});
