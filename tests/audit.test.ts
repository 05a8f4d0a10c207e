import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';

const t = useTestApp();

describe('audit events', () => {
  it('every write records one event in the same transaction, with field names but no personal values', async () => {
    const consulate = await createConsulate(t.prisma);
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
    const payload = {
      email: 'maria.lopez@consular.test',
      fullName: 'María López Hernández',
      role: 'documentation_officer',
      password: 'secret password 1234',
    };
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/staff',
      headers: { ...supervisor.headers, 'x-request-id': 'req-audit-1' },
      payload,
    });
    expect(res.statusCode).toBe(201);
    const events = await t.prisma.auditEvent.findMany({ where: { entityId: res.json().id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: 'staff',
      actorId: supervisor.staff.id,
      actorRole: 'supervisor',
      consulateId: consulate.id,
      action: 'staff.create',
      entityType: 'staff',
      requestId: 'req-audit-1',
    });
    expect(events[0]!.changedFields).toEqual(expect.arrayContaining(['email', 'fullName', 'password']));
    const stored = JSON.stringify(events[0]);
    for (const value of [payload.email, payload.fullName, payload.password, 'María'])
      expect(stored).not.toContain(value);

    // PATCH records the names of the fields it changed.
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/consulates/${consulate.id}`,
      headers: { ...supervisor.headers, 'if-match': '"1"' },
      payload: { phone: '+1 555 0100' },
    });
    expect(patch.statusCode).toBe(200);
    const [update] = await t.prisma.auditEvent.findMany({
      where: { entityId: consulate.id, action: 'consulate.update' },
    });
    expect(update).toMatchObject({ changedFields: ['phone'], requestId: patch.headers['x-request-id'] });
    expect(JSON.stringify(update)).not.toContain('555 0100');
  });

  it('a refused write leaves no event and no row', async () => {
    const consulate = await createConsulate(t.prisma);
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
    const before = await t.prisma.auditEvent.count();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/staff',
      headers: supervisor.headers,
      payload: { email: 'x@consular.test', fullName: 'X', role: 'admin', password: 'long enough password' },
    });
    expectProblem(res, 403);
    expect(await t.prisma.auditEvent.count()).toBe(before);
    expect(await t.prisma.staffMember.count({ where: { email: 'x@consular.test' } })).toBe(0);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE on the audit log', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: admin.headers });
    const count = await t.prisma.auditEvent.count();
    expect(count).toBeGreaterThan(0);
    await expect(t.prisma.$executeRaw`UPDATE audit_events SET action = 'forged'`).rejects.toThrow(/append-only/);
    await expect(t.prisma.$executeRaw`DELETE FROM audit_events`).rejects.toThrow(/append-only/);
    await expect(t.prisma.$executeRaw`TRUNCATE audit_events`).rejects.toThrow(/append-only/);
    await expect(t.prisma.auditEvent.deleteMany({})).rejects.toThrow();
    expect(await t.prisma.auditEvent.count()).toBe(count);
    expect(await t.prisma.auditEvent.count({ where: { action: 'forged' } })).toBe(0);
  });

  it('lists with filters; supervisors see their consulate only; admins and auditors everything', async () => {
    const a = await createConsulate(t.prisma);
    const b = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const since = new Date().toISOString();
    for (const c of [a, b]) {
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/consulates/${c.id}`,
        headers: { ...admin.headers, 'if-match': '"1"' },
        payload: { phone: '+1 555 0101' },
      });
    }
    const supervisorA = await loginAs(t.app, t.prisma, 'supervisor', a.id);
    const own = await t.app.inject({
      url: `/v1/audit-events?action=consulate.update&from=${since}`,
      headers: supervisorA.headers,
    });
    expect(own.statusCode).toBe(200);
    expect(own.json().data.map((e: { entityId: string }) => e.entityId)).toEqual([a.id]);
    expect(own.json().data.every((e: { consulateId: string }) => e.consulateId === a.id)).toBe(true);
    expectProblem(
      await t.app.inject({ url: `/v1/audit-events?consulateId=${b.id}`, headers: supervisorA.headers }),
      404,
    );

    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    const all = await t.app.inject({
      url: `/v1/audit-events?action=consulate.update&from=${since}&actorId=${admin.staff.id}`,
      headers: auditor.headers,
    });
    expect(
      all
        .json()
        .data.map((e: { entityId: string }) => e.entityId)
        .sort(),
    ).toEqual([a.id, b.id].sort());
    const one = await t.app.inject({
      url: `/v1/audit-events?entityType=consulate&entityId=${b.id}`,
      headers: auditor.headers,
    });
    expect(one.json().data).toHaveLength(1);
    const page = await t.app.inject({
      url: `/v1/audit-events?action=consulate.update&from=${since}&limit=1`,
      headers: auditor.headers,
    });
    expect(page.json().data).toHaveLength(1);
    const next = await t.app.inject({
      url: `/v1/audit-events?action=consulate.update&from=${since}&limit=1&cursor=${page.json().nextCursor}`,
      headers: auditor.headers,
    });
    expect(next.json().data).toHaveLength(1);
    expect(next.json().data[0].id).not.toBe(page.json().data[0].id);
    expect(next.json().nextCursor).toBeNull();
    const future = await t.app.inject({
      url: `/v1/audit-events?from=${new Date(Date.now() + 60_000).toISOString()}`,
      headers: auditor.headers,
    });
    expect(future.json().data).toEqual([]);
  });

  it('officers cannot read the audit log', async () => {
    const a = await createConsulate(t.prisma);
    for (const role of ['documentation_officer', 'protection_officer'] as const) {
      const officer = await loginAs(t.app, t.prisma, role, a.id);
      expectProblem(await t.app.inject({ url: '/v1/audit-events', headers: officer.headers }), 403);
    }
  });
});
