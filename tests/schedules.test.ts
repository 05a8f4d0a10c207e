import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';

const t = useTestApp();

let consulate: { id: string };
let other: { id: string };
let supervisor: LoggedIn;
let officer: LoggedIn;
let otherSupervisor: LoggedIn;
let admin: LoggedIn;
let auditor: LoggedIn;

const schedule = {
  slotMinutes: 20,
  weeklyHours: [
    { weekday: 3, opens: '14:00', closes: '16:00' },
    { weekday: 1, opens: '08:00', closes: '13:00' },
    { weekday: 3, opens: '08:00', closes: '12:00' },
    { weekday: 6, opens: '09:00', closes: '13:00' },
  ],
  services: [
    { service: 'consular_id', capacityPerSlot: 4 },
    { service: 'passport', capacityPerSlot: 3 },
  ],
};

const url = (id: string) => `/v1/consulates/${id}/schedule`;
const put = (who: LoggedIn, id: string, payload: unknown, ifMatch?: string) =>
  t.app.inject({
    method: 'PUT',
    url: url(id),
    headers: { ...who.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
    payload: payload as object,
  });

beforeAll(async () => {
  consulate = await createConsulate(t.prisma, { timeZone: 'America/Chicago', city: 'Dallas', state: 'TX' });
  other = await createConsulate(t.prisma);
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  otherSupervisor = await loginAs(t.app, t.prisma, 'supervisor', other.id);
  admin = await loginAs(t.app, t.prisma, 'admin');
  auditor = await loginAs(t.app, t.prisma, 'auditor');
});

describe('consulate schedule', () => {
  it('is empty and unconfigured (ETag "0") until first set', async () => {
    const res = await t.app.inject({ url: url(consulate.id), headers: officer.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"0"');
    expect(res.json()).toEqual({
      consulateId: consulate.id,
      timeZone: 'America/Chicago',
      configured: false,
      slotMinutes: null,
      weeklyHours: [],
      services: [],
      version: 0,
      updatedAt: null,
    });
  });

  it('a supervisor replaces it; reads show it in order with a new ETag; a stale If-Match is 412; audit names the fields', async () => {
    const res = await put(supervisor, consulate.id, schedule, '"0"');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const expected = {
      consulateId: consulate.id,
      timeZone: 'America/Chicago',
      configured: true,
      slotMinutes: 20,
      weeklyHours: [
        { weekday: 1, opens: '08:00', closes: '13:00' },
        { weekday: 3, opens: '08:00', closes: '12:00' },
        { weekday: 3, opens: '14:00', closes: '16:00' },
        { weekday: 6, opens: '09:00', closes: '13:00' },
      ],
      services: [
        { service: 'passport', capacityPerSlot: 3 },
        { service: 'consular_id', capacityPerSlot: 4 },
      ],
      version: 1,
    };
    expect(res.json()).toMatchObject(expected);
    const read = await t.app.inject({ url: url(consulate.id), headers: officer.headers });
    expect(read.json()).toMatchObject(expected);
    expect(read.headers.etag).toBe('"1"');

    expectProblem(await put(supervisor, consulate.id, schedule, '"0"'), 412);
    const changed = await put(
      supervisor,
      consulate.id,
      { ...schedule, services: [{ service: 'passport', capacityPerSlot: 5 }] },
      '"1"',
    );
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ version: 2, services: [{ service: 'passport', capacityPerSlot: 5 }] });

    const audit = await t.prisma.auditEvent.findMany({
      where: { entityId: consulate.id, action: 'consulate.schedule_replace' },
      orderBy: { occurredAt: 'asc' },
    });
    expect(audit.map((a) => a.changedFields)).toEqual([['slotMinutes', 'weeklyHours', 'services'], ['services']]);
    expect(audit[1]).toMatchObject({ actorId: supervisor.staff.id, consulateId: consulate.id });
  });

  it('replaces without If-Match too (as holidays do), and two first edits never both win', async () => {
    const fresh = await createConsulate(t.prisma);
    const boss = await loginAs(t.app, t.prisma, 'supervisor', fresh.id);
    const [a, b] = await Promise.all([put(boss, fresh.id, schedule, '"0"'), put(boss, fresh.id, schedule, '"0"')]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 412]);
    expect((await put(boss, fresh.id, schedule)).json().version).toBe(2);
  });

  it('validates the schedule and names the field', async () => {
    const hours = (h: object[]) => ({ ...schedule, weeklyHours: h });
    const cases: [unknown, string][] = [
      [hours([{ weekday: 8, opens: '09:00', closes: '12:00' }]), 'body.weeklyHours.0.weekday'],
      [hours([{ weekday: 0, opens: '09:00', closes: '12:00' }]), 'body.weeklyHours.0.weekday'],
      [hours([{ weekday: 1, opens: '9:00', closes: '12:00' }]), 'body.weeklyHours.0.opens'],
      [hours([{ weekday: 1, opens: '09:00', closes: '24:00' }]), 'body.weeklyHours.0.closes'],
      [hours([{ weekday: 1, opens: '12:00', closes: '09:00' }]), 'body.weeklyHours.0.closes'],
      [hours([{ weekday: 1, opens: '09:00', closes: '09:15' }]), 'body.weeklyHours.0.closes'],
      [
        hours([
          { weekday: 2, opens: '09:00', closes: '12:00' },
          { weekday: 2, opens: '11:00', closes: '13:00' },
        ]),
        'body.weeklyHours.1',
      ],
      [{ ...schedule, slotMinutes: 3 }, 'body.slotMinutes'],
      [{ ...schedule, slotMinutes: 500 }, 'body.slotMinutes'],
      [{ ...schedule, services: [{ service: 'passport', capacityPerSlot: 0 }] }, 'body.services.0.capacityPerSlot'],
      [{ ...schedule, services: [{ service: 'tourism', capacityPerSlot: 1 }] }, 'body.services.0.service'],
      [
        {
          ...schedule,
          services: [
            { service: 'passport', capacityPerSlot: 1 },
            { service: 'passport', capacityPerSlot: 2 },
          ],
        },
        'body.services.1.service',
      ],
      // Not among the consulate's services (the factory's offer no notarizations).
      [{ ...schedule, services: [{ service: 'notarization', capacityPerSlot: 1 }] }, 'body.services.0.service'],
      [{ slotMinutes: 20, weeklyHours: [] }, 'body.services'],
    ];
    for (const [payload, path] of cases) {
      const body = expectProblem(await put(supervisor, consulate.id, payload), 400);
      expect(
        body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(payload),
      ).toContain(path);
    }
    expectProblem(await put(supervisor, consulate.id, { ...schedule, lunch: true }), 400);
    expect((await t.app.inject({ url: url(consulate.id), headers: officer.headers })).json().version).toBe(2);
  });

  it('officers and auditors read it but may not change it; another consulate’s supervisor gets 404; admins change any', async () => {
    expect((await t.app.inject({ url: url(consulate.id), headers: auditor.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ url: url(consulate.id), headers: otherSupervisor.headers })).statusCode).toBe(200);
    expectProblem(await put(officer, consulate.id, schedule), 403);
    expectProblem(await put(auditor, consulate.id, schedule), 403);
    expectProblem(await put(otherSupervisor, consulate.id, schedule), 404);
    expect((await put(admin, other.id, schedule)).statusCode).toBe(200);
    expectProblem(await put(admin, '00000000-0000-4000-8000-000000000000', schedule), 404);
    expectProblem(await t.app.inject({ url: url(consulate.id) }), 401);
  });
});
