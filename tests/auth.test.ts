import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/build-test-app.ts';
import { login } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createStaff } from './factories/staff.ts';

const t = useTestApp();

describe('login', () => {
  it('returns an access token, a refresh token and the user', async () => {
    const consulate = await createConsulate(t.prisma);
    const staff = await createStaff(t.prisma, { role: 'supervisor', consulateId: consulate.id });
    const res = await login(t.app, staff.email.toUpperCase());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: staff.id, email: staff.email, role: 'supervisor', consulateId: consulate.id, active: true },
    });
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.refreshToken.length).toBeGreaterThan(30);

    const me = await t.app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: staff.id, fullName: staff.fullName });
  });

  it('gives the same 401 for an unknown email and a wrong password', async () => {
    const staff = await createStaff(t.prisma, { role: 'admin' });
    const unknown = await login(t.app, 'nobody@consular.test');
    const wrong = await login(t.app, staff.email, 'wrong password here');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(unknown.json())).toEqual(strip(wrong.json()));
  });
});
