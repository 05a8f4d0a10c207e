import { createSigner } from 'fast-jwt';
import { KIOSK_AUDIENCE } from '../src/plugins/auth.ts';
import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { buildTestApp, TEST_JWT_SECRET, useTestApp } from './helpers/build-test-app.ts';
import { login, loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createStaff, DEFAULT_PASSWORD } from './factories/staff.ts';

const t = useTestApp();

const me = (token: string) => t.app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
const refresh = (refreshToken: string) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });

describe('POST /v1/auth/login', () => {
  it('returns an access token, a refresh token and the user (email case-insensitive)', async () => {
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
    expect(body.user).not.toHaveProperty('passwordHash');

    const who = await me(body.accessToken);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ id: staff.id, fullName: staff.fullName, lastLoginAt: expect.any(String) });
  });

  it('stores passwords as argon2id hashes, never in clear', async () => {
    const staff = await createStaff(t.prisma, { role: 'admin', password: 'a long enough password' });
    const row = await t.prisma.staffMember.findUniqueOrThrow({ where: { id: staff.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain('a long enough password');
    expect((await login(t.app, staff.email, 'a long enough password')).statusCode).toBe(200);
  });

  it('gives one and the same 401 for an unknown email, a wrong password and an inactive account', async () => {
    const staff = await createStaff(t.prisma, { role: 'admin' });
    const inactive = await createStaff(t.prisma, { role: 'admin', active: false });
    const answers = [
      await login(t.app, 'nobody@consular.test'),
      await login(t.app, staff.email, 'wrong password here'),
      await login(t.app, inactive.email),
    ];
    const bodies = answers.map((res) => {
      const body = expectProblem(res, 401);
      return { ...body, instance: undefined };
    });
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('locks the account for 15 minutes after 5 failures in a row, in the database', async () => {
    const staff = await createStaff(t.prisma, { role: 'admin' });
    for (let i = 0; i < 5; i++) expectProblem(await login(t.app, staff.email, `wrong-${i}`), 401);
    // The right password no longer works while locked.
    expectProblem(await login(t.app, staff.email, DEFAULT_PASSWORD), 401);
    const row = await t.prisma.staffMember.findUniqueOrThrow({ where: { id: staff.id } });
    expect(row.failedLoginCount).toBe(5);
    const minutes = (row.lockedUntil!.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);
    const events = await t.prisma.auditEvent.findMany({
      where: { entityId: staff.id },
      orderBy: { occurredAt: 'asc' },
    });
    expect(events.map((e) => e.action)).toEqual([
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_failed',
      'auth.locked',
    ]);

    // When the lock has run out, the right password works and resets the counter.
    await t.prisma.staffMember.update({ where: { id: staff.id }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    expect((await login(t.app, staff.email)).statusCode).toBe(200);
    const after = await t.prisma.staffMember.findUniqueOrThrow({ where: { id: staff.id } });
    expect(after).toMatchObject({ failedLoginCount: 0, lockedUntil: null });
  });

  it('a success resets the failure count', async () => {
    const staff = await createStaff(t.prisma, { role: 'admin' });
    for (let i = 0; i < 4; i++) await login(t.app, staff.email, 'wrong password');
    expect((await login(t.app, staff.email)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) await login(t.app, staff.email, 'wrong password');
    expect((await login(t.app, staff.email)).statusCode).toBe(200);
  });

  it('validates the body', async () => {
    const body = expectProblem(
      await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'x@y.z' } }),
      400,
    );
    expect(body.errors).toEqual([{ path: 'body.password', message: expect.any(String) }]);
  });
});

describe('POST /v1/auth/refresh', () => {
  it('rotates: the new pair works, the spent token does not, and reusing it revokes the whole session', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const first = await refresh(admin.refreshToken);
    expect(first.statusCode).toBe(200);
    const pair = first.json();
    expect(pair.refreshToken).not.toBe(admin.refreshToken);
    expect((await me(pair.accessToken)).statusCode).toBe(200);

    // Reuse of the spent token: refused, and the family is revoked.
    expectProblem(await refresh(admin.refreshToken), 401);
    expectProblem(await refresh(pair.refreshToken), 401);
    expectProblem(await me(pair.accessToken), 401);
    expectProblem(await me(admin.token), 401);
    const events = await t.prisma.auditEvent.findMany({
      where: { action: 'auth.refresh_reuse_detected', actorId: admin.staff.id },
    });
    expect(events).toHaveLength(1);
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const results = await Promise.all([refresh(admin.refreshToken), refresh(admin.refreshToken)]);
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes[0]).toBe(200);
    // The loser is a reuse: the session ends for both.
    expect(codes[1]).toBe(401);
  });

  it('refuses unknown tokens and tokens of deactivated accounts', async () => {
    expectProblem(await refresh('x'.repeat(43)), 401);
    const consulate = await createConsulate(t.prisma);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    await t.prisma.staffMember.update({ where: { id: officer.staff.id }, data: { active: false } });
    expectProblem(await refresh(officer.refreshToken), 401);
  });

  it('refuses an expired refresh token', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    await t.prisma.refreshToken.updateMany({
      where: { session: { staffId: admin.staff.id } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expectProblem(await refresh(admin.refreshToken), 401);
  });
});

describe('POST /v1/auth/logout', () => {
  it('ends the session: access and refresh tokens stop working at once', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: admin.headers, payload: {} });
    expect(res.statusCode).toBe(204);
    expectProblem(await me(admin.token), 401);
    expectProblem(await refresh(admin.refreshToken), 401);
  });

  it('leaves the account’s other sessions alone', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const other = (await login(t.app, admin.staff.email)).json();
    await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: admin.headers });
    expect((await me(other.accessToken)).statusCode).toBe(200);
  });

  it('needs authentication', async () => {
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/logout' }), 401);
  });
});

describe('access tokens', () => {
  it('stop working at once when the account is deactivated', async () => {
    const consulate = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const officer = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
    expect((await me(officer.token)).statusCode).toBe(200);
    const off = await t.app.inject({
      method: 'POST',
      url: `/v1/staff/${officer.staff.id}/deactivate`,
      headers: admin.headers,
    });
    expect(off.statusCode, off.body).toBe(200);
    // On the replica that made the change: at its next request, nothing to wait for.
    expectProblem(await me(officer.token), 401);
  });

  it('stop working on this replica when another one deactivates the account, as soon as PostgreSQL says so', async () => {
    // The test's own client plays the other replica. This one learns of the change from
    // PostgreSQL's notification (delivered at commit); waiting for it keeps the test
    // deterministic on a busy machine — asserting before it arrives was this test's flake.
    const consulate = await createConsulate(t.prisma);
    const officer = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
    expect((await me(officer.token)).statusCode).toBe(200);
    const heard = new Promise<void>((resolve) =>
      t.app.changes.onChange((key) => key === `staff:${officer.staff.id}` && resolve()),
    );
    await t.prisma.staffMember.update({ where: { id: officer.staff.id }, data: { active: false } });
    await heard;
    expectProblem(await me(officer.token), 401);
  });

  it('refuses expired, tampered, foreign-signed and missing tokens with 401', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const claims = {
      kind: 'staff',
      sub: admin.staff.id,
      sid: JSON.parse(Buffer.from(admin.token.split('.')[1]!, 'base64url').toString()).sid,
      role: 'admin',
      cid: null,
      iss: 'consular-api',
    };
    const expired = createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS256' })({ ...claims, iat: 1, exp: 2 });
    const foreign = createSigner({ key: 'another-secret-another-secret-another', algorithm: 'HS256' })(claims);
    const [h, p, s] = admin.token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin', sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${s}`;
    for (const token of [expired, foreign, tampered, `${h}.${p}`]) expectProblem(await me(token), 401);
    expectProblem(await t.app.inject({ url: '/v1/auth/me' }), 401);
  });

  it('refuses kiosk tokens on staff endpoints with 403', async () => {
    const consulate = await createConsulate(t.prisma);
    const kioskToken = t.app.jwt.sign(
      { kind: 'kiosk', sub: crypto.randomUUID(), cid: consulate.id, sv: 1 },
      { aud: KIOSK_AUDIENCE },
    );
    expectProblem(await me(kioskToken), 403);
    expectProblem(
      await t.app.inject({ url: '/v1/consulates', headers: { authorization: `Bearer ${kioskToken}` } }),
      403,
    );
  });
});

describe('login rate limits', () => {
  it('limits attempts per account and address, and more generously per address', async () => {
    const limited = await buildTestApp({
      env: { LOGIN_RATE_LIMIT_PER_ACCOUNT: '3', LOGIN_RATE_LIMIT_PER_ADDRESS: '5', LOGIN_MAX_FAILURES: '100' },
    });
    try {
      const attempt = (email: string) =>
        limited.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'wrong password' } });
      for (let i = 0; i < 3; i++) expect((await attempt('one@consular.test')).statusCode).toBe(401);
      const limitedAccount = await attempt('one@consular.test');
      const body = expectProblem(limitedAccount, 429);
      expect(body.detail).toMatch(/retry in \d+ seconds/);
      expect(Number(limitedAccount.headers['retry-after'])).toBeGreaterThan(0);
      // Another account from the same address still gets through, until the address limit.
      expect((await attempt('two@consular.test')).statusCode).toBe(401);
      expectProblem(await attempt('three@consular.test'), 429);
    } finally {
      await limited.close();
    }
  });
});

/** Whether a Redis answers on this machine (CI machines run one; a bare laptop may not). */
async function redisAvailable(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await redisAvailable(REDIS_URL);

describe.runIf(redisUp)('login rate limits with REDIS_URL', () => {
  it('two replicas share the counters', async () => {
    const env = {
      REDIS_URL,
      LOGIN_RATE_LIMIT_PER_ACCOUNT: '4',
      LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
      LOGIN_MAX_FAILURES: '100',
    };
    const one = await buildTestApp({ env });
    const two = await buildTestApp({ env, database: one.db });
    try {
      const email = `shared.${crypto.randomUUID()}@consular.test`;
      const attempt = (app: typeof one.app) =>
        app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'wrong password' } });
      expect((await attempt(one.app)).statusCode).toBe(401);
      expect((await attempt(two.app)).statusCode).toBe(401);
      expect((await attempt(one.app)).statusCode).toBe(401);
      expect((await attempt(two.app)).statusCode).toBe(401);
      expectProblem(await attempt(one.app), 429);
      expectProblem(await attempt(two.app), 429);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
