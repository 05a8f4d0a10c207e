import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { login, loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createStaff } from './factories/staff.ts';

const t = useTestApp();

let n = 0;
const newStaff = (role: string, consulateId?: string | null) => ({
  email: `New.Person${++n}.${Date.now()}@Consular.test`,
  fullName: 'Ana Pérez',
  role,
  ...(consulateId !== undefined ? { consulateId } : {}),
  password: 'a perfectly fine password',
});

describe('creating staff', () => {
  it('an admin creates any role; network roles have no consulate; emails are stored lower-case', async () => {
    const consulate = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    for (const [role, consulateId] of [
      ['admin', null],
      ['auditor', undefined],
      ['supervisor', consulate.id],
      ['documentation_officer', consulate.id],
      ['protection_officer', consulate.id],
    ] as const) {
      const payload = newStaff(role, consulateId);
      const res = await t.app.inject({ method: 'POST', url: '/v1/staff', headers: admin.headers, payload });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        email: payload.email.toLowerCase(),
        fullName: 'Ana Pérez',
        role,
        consulateId: consulateId ?? null,
        active: true,
        version: 1,
      });
      expect(res.json()).not.toHaveProperty('password');
      expect(res.headers.etag).toBe('"1"');
      // The new account can log in with its password.
      expect((await login(t.app, payload.email, payload.password)).statusCode).toBe(200);
    }
  });

  it('refuses inconsistent role and consulate, weak passwords and duplicate emails', async () => {
    const consulate = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const post = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/staff', headers: admin.headers, payload });
    expect(expectProblem(await post(newStaff('auditor', consulate.id)), 400).errors[0].path).toBe('body.consulateId');
    expect(expectProblem(await post(newStaff('supervisor')), 400).errors[0].path).toBe('body.consulateId');
    expectProblem(await post(newStaff('supervisor', crypto.randomUUID())), 404);
    expect(expectProblem(await post({ ...newStaff('admin', null), password: 'short' }), 400).errors[0].path).toBe(
      'body.password',
    );
    const payload = newStaff('admin', null);
    expect((await post(payload)).statusCode).toBe(201);
    const dup = expectProblem(await post({ ...payload, email: payload.email.toUpperCase() }), 409);
    expect(dup.detail).toBe('A staff account with this email already exists.');
  });

  it('a supervisor creates officers of its own consulate only, never admins, auditors or supervisors', async () => {
    const own = await createConsulate(t.prisma);
    const other = await createConsulate(t.prisma);
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', own.id);
    const post = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/staff', headers: supervisor.headers, payload });
    const ok = await post(newStaff('documentation_officer'));
    expect(ok.statusCode).toBe(201);
    expect(ok.json().consulateId).toBe(own.id);
    expect((await post(newStaff('protection_officer', own.id))).statusCode).toBe(201);
    expectProblem(await post(newStaff('protection_officer', other.id)), 404);
    for (const role of ['admin', 'auditor', 'supervisor']) expectProblem(await post(newStaff(role)), 403);
  });

  it('officers and auditors cannot create staff', async () => {
    const consulate = await createConsulate(t.prisma);
    for (const [role, cid] of [
      ['documentation_officer', consulate.id],
      ['protection_officer', consulate.id],
      ['auditor', null],
    ] as const) {
      const user = await loginAs(t.app, t.prisma, role, cid);
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/v1/staff',
          headers: user.headers,
          payload: newStaff('documentation_officer', consulate.id),
        }),
        403,
      );
    }
  });
});

describe('reading staff', () => {
  it('scoped roles see only their consulate’s staff; another consulate’s is 404 and never listed', async () => {
    const a = await createConsulate(t.prisma);
    const b = await createConsulate(t.prisma);
    const inA = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: a.id });
    const inB = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: b.id });
    const officerA = await loginAs(t.app, t.prisma, 'protection_officer', a.id);
    expect((await t.app.inject({ url: `/v1/staff/${inA.id}`, headers: officerA.headers })).statusCode).toBe(200);
    expectProblem(await t.app.inject({ url: `/v1/staff/${inB.id}`, headers: officerA.headers }), 404);
    const list = await t.app.inject({ url: '/v1/staff?limit=200', headers: officerA.headers });
    const ids = list.json().data.map((s: { id: string }) => s.id);
    expect(ids).toContain(inA.id);
    expect(ids).not.toContain(inB.id);
    expect(list.json().data.every((s: { consulateId: string }) => s.consulateId === a.id)).toBe(true);
    // Asking for the other consulate explicitly returns nothing.
    expect(
      (await t.app.inject({ url: `/v1/staff?consulateId=${b.id}`, headers: officerA.headers })).json().data,
    ).toEqual([]);
  });

  it('admins list the whole network and filter by consulate, role, active and text', async () => {
    const a = await createConsulate(t.prisma);
    const target = await createStaff(t.prisma, {
      role: 'protection_officer',
      consulateId: a.id,
      fullName: 'Lucía Hernández',
    });
    await createStaff(t.prisma, { role: 'protection_officer', consulateId: a.id, active: false });
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const res = await t.app.inject({
      url: `/v1/staff?consulateId=${a.id}&role=protection_officer&active=true&q=hernández`,
      headers: admin.headers,
    });
    expect(res.json().data.map((s: { id: string }) => s.id)).toEqual([target.id]);
  });

  it('pages through staff newest first with a cursor', async () => {
    const a = await createConsulate(t.prisma);
    // Rows inserted back to back often share a millisecond (the precision of createdAt), and
    // equal instants are ordered by id, at random: give each account its own minute.
    const made = [];
    const start = Date.now() - 10 * 60_000;
    for (let i = 0; i < 5; i++)
      made.push(
        await createStaff(t.prisma, {
          role: 'documentation_officer',
          consulateId: a.id,
          createdAt: new Date(start + i * 60_000),
        }),
      );
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', a.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/staff?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({
        url,
        headers: supervisor.headers,
      });
      seen.push(...res.json().data.map((s: { id: string }) => s.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual([supervisor.staff.id, ...made.map((s) => s.id).reverse()]);
  });

  it('auditors do not read staff records', async () => {
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    expectProblem(await t.app.inject({ url: '/v1/staff', headers: auditor.headers }), 403);
  });
});

describe('updating and deactivating staff', () => {
  it('PATCH with If-Match updates name and role; stale ETag 412; nobody changes their own role', async () => {
    const a = await createConsulate(t.prisma);
    const officer = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: a.id });
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const url = `/v1/staff/${officer.id}`;
    const ok = await t.app.inject({
      method: 'PATCH',
      url,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { fullName: 'Renamed', role: 'supervisor' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ fullName: 'Renamed', role: 'supervisor', consulateId: a.id, version: 2 });
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...admin.headers, 'if-match': '"1"' },
        payload: { fullName: 'X' },
      }),
      412,
    );
    expectProblem(
      await t.app.inject({ method: 'PATCH', url, headers: admin.headers, payload: { fullName: 'X' } }),
      428,
    );
    const self = await t.app.inject({
      method: 'PATCH',
      url: `/v1/staff/${admin.staff.id}`,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { role: 'auditor' },
    });
    expectProblem(self, 403);
  });

  it('an admin moves an account between network and consulate roles consistently', async () => {
    const a = await createConsulate(t.prisma);
    const officer = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: a.id });
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/staff/${officer.id}`,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { role: 'auditor' },
    });
    expect(res.json()).toMatchObject({ role: 'auditor', consulateId: null });
  });

  it('a supervisor manages its officers, not other supervisors nor other consulates’ staff', async () => {
    const a = await createConsulate(t.prisma);
    const b = await createConsulate(t.prisma);
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', a.id);
    const officer = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: a.id });
    const peer = await createStaff(t.prisma, { role: 'supervisor', consulateId: a.id });
    const foreign = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: b.id });
    const patch = (id: string, payload: object) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/staff/${id}`,
        headers: { ...supervisor.headers, 'if-match': '"1"' },
        payload,
      });
    expect((await patch(officer.id, { role: 'protection_officer' })).statusCode).toBe(200);
    expectProblem(await patch(peer.id, { fullName: 'X' }), 403);
    expectProblem(await patch(foreign.id, { fullName: 'X' }), 404);
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/staff/${officer.id}`,
        headers: { ...supervisor.headers, 'if-match': '"2"' },
        payload: { role: 'supervisor' },
      }),
      403,
    );
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/staff/${officer.id}`,
        headers: { ...supervisor.headers, 'if-match': '"2"' },
        payload: { consulateId: b.id },
      }),
      403,
    );
  });

  it('deactivation stops the account’s tokens at once; reactivation lets it log in again', async () => {
    const a = await createConsulate(t.prisma);
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', a.id);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', a.id);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/staff/${officer.staff.id}/deactivate`,
      headers: supervisor.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().active).toBe(false);
    expectProblem(await t.app.inject({ url: '/v1/auth/me', headers: officer.headers }), 401);
    expectProblem(await login(t.app, officer.staff.email), 401);
    const back = await t.app.inject({
      method: 'POST',
      url: `/v1/staff/${officer.staff.id}/reactivate`,
      headers: supervisor.headers,
    });
    expect(back.json().active).toBe(true);
    expect((await login(t.app, officer.staff.email)).statusCode).toBe(200);
    // The old session stays ended.
    expectProblem(await t.app.inject({ url: '/v1/auth/me', headers: officer.headers }), 401);
  });

  it('nobody deactivates their own account', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    expectProblem(
      await t.app.inject({ method: 'POST', url: `/v1/staff/${admin.staff.id}/deactivate`, headers: admin.headers }),
      403,
    );
  });

  it('a password change ends the account’s sessions', async () => {
    const a = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', a.id);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/staff/${officer.staff.id}`,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { password: 'a brand new password' },
    });
    expect(res.statusCode).toBe(200);
    expectProblem(await t.app.inject({ url: '/v1/auth/me', headers: officer.headers }), 401);
    expect((await login(t.app, officer.staff.email, 'a brand new password')).statusCode).toBe(200);
  });
});
