import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';
import { createConsulate, uniqueCode } from './factories/consulates.ts';

const t = useTestApp();

const newConsulate = (overrides: Record<string, unknown> = {}) => ({
  code: uniqueCode('N'),
  name: 'Consulate of Mexico in Tulsa',
  kind: 'consulate',
  city: 'Tulsa',
  state: 'OK',
  timeZone: 'America/Chicago',
  ...overrides,
});

describe('consulates', () => {
  it('lists every consulate to every staff role, by code, with keyset pagination stable under inserts', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createConsulate(t.prisma, { code: `PG${i}AAA`, state: 'NM' }));
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', created[0]!.id);
    const page1 = await t.app.inject({ url: '/v1/consulates?state=NM&limit=2', headers: officer.headers });
    expect(page1.statusCode).toBe(200);
    const body1 = page1.json();
    expect(body1.data.map((c: { code: string }) => c.code)).toEqual(['PG0AAA', 'PG1AAA']);
    expect(body1.nextCursor).toEqual(expect.any(String));

    // A consulate inserted before the cursor does not shift the next page.
    await createConsulate(t.prisma, { code: 'PG0AAB', state: 'NM' });
    const page2 = await t.app.inject({
      url: `/v1/consulates?state=NM&limit=2&cursor=${body1.nextCursor}`,
      headers: officer.headers,
    });
    expect(page2.json().data.map((c: { code: string }) => c.code)).toEqual(['PG2AAA', 'PG3AAA']);
    const page3 = await t.app.inject({
      url: `/v1/consulates?state=NM&limit=2&cursor=${page2.json().nextCursor}`,
      headers: officer.headers,
    });
    expect(page3.json()).toEqual({ data: [expect.objectContaining({ code: 'PG4AAA' })], nextCursor: null });
  });

  it('filters by status, kind and text', async () => {
    const a = await createConsulate(t.prisma, {
      code: 'FLTAAA',
      city: 'Oklahoma City',
      status: 'planned',
      state: 'OK',
    });
    await createConsulate(t.prisma, { code: 'FLTAAB', city: 'Tulsa', status: 'active', state: 'OK' });
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const res = await t.app.inject({
      url: '/v1/consulates?state=OK&status=planned&q=oklahoma',
      headers: admin.headers,
    });
    expect(res.json().data.map((c: { id: string }) => c.id)).toEqual([a.id]);
  });

  it('refuses a malformed cursor with 400', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const body = expectProblem(
      await t.app.inject({ url: '/v1/consulates?cursor=not-a-cursor', headers: admin.headers }),
      400,
    );
    expect(body.errors[0].path).toBe('cursor');
  });

  it('an admin creates a consulate (201, ETag, Location); a duplicate code is 409', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const payload = newConsulate();
    const res = await t.app.inject({ method: 'POST', url: '/v1/consulates', headers: admin.headers, payload });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ ...payload, status: 'planned', services: [], version: 1, address: null });
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe(`/v1/consulates/${body.id}`);
    const again = expectProblem(
      await t.app.inject({ method: 'POST', url: '/v1/consulates', headers: admin.headers, payload }),
      409,
    );
    expect(again.detail).toMatch(/code/);
  });

  it('validates consulates: state, time zone, code format', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/consulates',
      headers: admin.headers,
      payload: newConsulate({ code: 'la', state: 'XX', timeZone: 'Mars/Olympus' }),
    });
    const body = expectProblem(res, 400);
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.code',
      'body.state',
      'body.timeZone',
    ]);
  });

  it('only admins create consulates', async () => {
    const consulate = await createConsulate(t.prisma);
    for (const role of ['supervisor', 'documentation_officer', 'protection_officer'] as const) {
      const user = await loginAs(t.app, t.prisma, role, consulate.id);
      expectProblem(
        await t.app.inject({ method: 'POST', url: '/v1/consulates', headers: user.headers, payload: newConsulate() }),
        403,
      );
    }
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/v1/consulates', headers: auditor.headers, payload: newConsulate() }),
      403,
    );
  });

  it('PATCH needs If-Match (428), refuses a stale ETag (412) and returns the new ETag', async () => {
    const consulate = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const url = `/v1/consulates/${consulate.id}`;
    const read = await t.app.inject({ url, headers: admin.headers });
    expect(read.headers.etag).toBe('"1"');
    expectProblem(
      await t.app.inject({ method: 'PATCH', url, headers: admin.headers, payload: { name: 'New name' } }),
      428,
    );
    const ok = await t.app.inject({
      method: 'PATCH',
      url,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { name: 'New name' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.json()).toMatchObject({ name: 'New name', version: 2 });
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...admin.headers, 'if-match': '"1"' },
        payload: { name: 'Lost update' },
      }),
      412,
    );
    expect((await t.prisma.consulate.findUniqueOrThrow({ where: { id: consulate.id } })).name).toBe('New name');
  });

  it('a supervisor changes the contact fields of its own consulate only', async () => {
    const own = await createConsulate(t.prisma);
    const other = await createConsulate(t.prisma);
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', own.id);
    const headers = { ...supervisor.headers, 'if-match': '"1"' };
    const contact = { phone: '+1 213 351 6800', email: 'info@consul.example', address: '2401 W 6th St, Los Angeles' };
    const ok = await t.app.inject({ method: 'PATCH', url: `/v1/consulates/${own.id}`, headers, payload: contact });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject(contact);
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/consulates/${own.id}`,
        headers: { ...headers, 'if-match': '"2"' },
        payload: { name: 'Renamed' },
      }),
      403,
    );
    expectProblem(
      await t.app.inject({ method: 'PATCH', url: `/v1/consulates/${other.id}`, headers, payload: contact }),
      404,
    );
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', own.id);
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/consulates/${own.id}`,
        headers: { ...officer.headers, 'if-match': '"2"' },
        payload: contact,
      }),
      403,
    );
  });

  it('reads one consulate, 404 for an unknown id and 400 for a malformed one', async () => {
    const consulate = await createConsulate(t.prisma);
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    const res = await t.app.inject({ url: `/v1/consulates/${consulate.id}`, headers: auditor.headers });
    expect(res.json()).toMatchObject({
      id: consulate.id,
      code: consulate.code,
      timeZone: 'America/Los_Angeles',
      status: 'active',
    });
    expectProblem(await t.app.inject({ url: `/v1/consulates/${crypto.randomUUID()}`, headers: auditor.headers }), 404);
    const bad = expectProblem(await t.app.inject({ url: '/v1/consulates/123', headers: auditor.headers }), 400);
    expect(bad.errors).toEqual([{ path: 'params.id', message: expect.any(String) }]);
  });
});
