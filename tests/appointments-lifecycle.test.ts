import { beforeAll, describe, expect, it } from 'vitest';
import {
  APPOINTMENT_STATES,
  APPOINTMENT_TRANSITIONS,
  findAppointmentTransition,
} from '../src/modules/appointments/appointments.states.ts';
import { expectProblem } from './helpers/assertions.ts';
import { availability, book, booked, createVisit, moveTo, putSchedule } from './helpers/appointments.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

const MONDAY = '2026-11-02T08:00:00-08:00';
const clock = testClock(MONDAY);
const t = useTestApp({ clock });
const at = (local: string) => `${local}-08:00`;

let la: { id: string };
let supervisor: LoggedIn;
let officer: LoggedIn;

const schedule = (capacityPerSlot: number) => ({
  slotMinutes: 30,
  weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '12:00' })),
  services: [
    { service: 'passport', capacityPerSlot },
    { service: 'consular_id', capacityPerSlot },
  ],
});

beforeAll(async () => {
  la = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  await putSchedule(t.app, supervisor.headers, la.id, schedule(200));
});

/** The shortest legal path from booked to each state. */
const PATH_TO: Record<string, string[]> = {
  booked: [],
  checked_in: ['checked_in'],
  served: ['checked_in', 'served'],
  no_show: ['no_show'],
  cancelled: ['cancelled'],
};

/** A 09:00–09:30 appointment booked at 08:00, moved along at 09:45 (on the day, slot over: every guard met). */
async function appointmentIn(from: string) {
  clock.set(MONDAY);
  const person = await createPerson(t.prisma, la.id);
  const appt = await booked(t.app, officer.headers, {
    personId: person.id,
    service: 'passport',
    startsAt: at('2026-11-02T09:00:00'),
  });
  clock.set(at('2026-11-02T09:45:00'));
  for (const to of PATH_TO[from]!) {
    const res = await moveTo(t.app, officer.headers, 'appointments', appt.id, to, 'reason given');
    expect(res.statusCode, `→ ${to}: ${res.body}`).toBe(200);
  }
  return appt;
}

describe('appointment transitions', () => {
  for (const from of APPOINTMENT_STATES) {
    it(`from ${from}: exactly the table's transitions succeed, every other is 409 naming the allowed ones`, async () => {
      for (const to of APPOINTMENT_STATES) {
        const appt = await appointmentIn(from);
        const res = await moveTo(t.app, officer.headers, 'appointments', appt.id, to, 'a reason');
        if (findAppointmentTransition(from, to)) {
          expect(res.statusCode, `${from} → ${to}: ${res.body}`).toBe(200);
          expect(res.json().state).toBe(to);
        } else {
          const body = expectProblem(res, 409);
          expect(body).toMatchObject({
            type: 'urn:problem-type:consular:illegal-transition',
            currentState: from,
            allowedTransitions: APPOINTMENT_TRANSITIONS.filter((x) => x.from === from).map((x) => x.to),
          });
          expect(body.detail).toContain(`state ${from} cannot move to ${to}`);
        }
      }
    });
  }

  it('refuses, by an independent hand-written list, moves that must never happen', async () => {
    const mustRefuse: [string, string][] = [
      ['booked', 'served'],
      ['booked', 'booked'],
      ['checked_in', 'booked'],
      ['checked_in', 'no_show'],
      ['served', 'cancelled'],
      ['served', 'no_show'],
      ['served', 'checked_in'],
      ['no_show', 'checked_in'],
      ['no_show', 'booked'],
      ['no_show', 'cancelled'],
      ['cancelled', 'booked'],
      ['cancelled', 'checked_in'],
    ];
    for (const [from, to] of mustRefuse) {
      const appt = await appointmentIn(from);
      expectProblem(await moveTo(t.app, officer.headers, 'appointments', appt.id, to, 'a reason'), 409);
    }
  });

  it('records when each step happened, and audits from/to without the reason text', async () => {
    const appt = await appointmentIn('booked');
    clock.set(at('2026-11-02T09:50:00'));
    const inside = (await moveTo(t.app, officer.headers, 'appointments', appt.id, 'checked_in')).json();
    expect(inside).toMatchObject({ state: 'checked_in', checkedInAt: '2026-11-02T17:50:00.000Z', version: 2 });
    clock.set(at('2026-11-02T10:05:00'));
    const done = (await moveTo(t.app, officer.headers, 'appointments', appt.id, 'served')).json();
    expect(done).toMatchObject({ state: 'served', servedAt: '2026-11-02T18:05:00.000Z', allowedTransitions: [] });

    const other = await appointmentIn('booked');
    const gone = (
      await moveTo(t.app, officer.headers, 'appointments', other.id, 'cancelled', 'Llamó Juan: enfermo')
    ).json();
    expect(gone).toMatchObject({
      state: 'cancelled',
      cancelledReason: 'Llamó Juan: enfermo',
      cancelledAt: '2026-11-02T17:45:00.000Z',
    });
    const audit = await t.prisma.auditEvent.findMany({
      where: { entityId: { in: [appt.id, other.id] }, action: 'appointment.transition' },
      orderBy: { occurredAt: 'asc' },
    });
    expect(audit.map((a) => a.details)).toEqual([
      { from: 'booked', to: 'checked_in' },
      { from: 'checked_in', to: 'served' },
      { from: 'booked', to: 'cancelled' },
    ]);
    expect(JSON.stringify(audit)).not.toContain('enfermo');
  });

  it('checks in only on the day, marks a no-show only after the slot ends, needs a reason to cancel, and If-Match', async () => {
    clock.set(MONDAY);
    const person = await createPerson(t.prisma, la.id);
    const appt = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'consular_id',
      startsAt: at('2026-11-03T10:00:00'),
    });
    const early = expectProblem(await moveTo(t.app, officer.headers, 'appointments', appt.id, 'checked_in'), 409);
    expect(early.type).toBe('urn:problem-type:consular:not-appointment-day');
    clock.set(at('2026-11-03T10:15:00'));
    const running = expectProblem(await moveTo(t.app, officer.headers, 'appointments', appt.id, 'no_show'), 409);
    expect(running.type).toBe('urn:problem-type:consular:slot-not-ended');
    expect(running.detail).toContain('2026-11-03T10:30:00-08:00');
    const noReason = expectProblem(await moveTo(t.app, officer.headers, 'appointments', appt.id, 'cancelled'), 400);
    expect(noReason.errors).toEqual([{ path: 'body.reason', message: 'is required for cancelled' }]);

    const url = `/v1/appointments/${appt.id}/transitions`;
    expectProblem(
      await t.app.inject({ method: 'POST', url, headers: officer.headers, payload: { to: 'no_show' } }),
      428,
    );
    clock.set(at('2026-11-03T10:30:00'));
    const ok = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { to: 'no_show' },
    });
    expect(ok.json()).toMatchObject({ state: 'no_show', noShowAt: '2026-11-03T18:30:00.000Z' });
    expect(ok.headers.etag).toBe('"2"');
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url,
        headers: { ...officer.headers, 'if-match': '"1"' },
        payload: { to: 'cancelled', reason: 'x' },
      }),
      412,
    );
    const bad = expectProblem(
      await t.app.inject({
        method: 'POST',
        url,
        headers: { ...officer.headers, 'if-match': '"2"' },
        payload: { to: 'rescheduled' },
      }),
      400,
    );
    expect(bad.errors[0].path).toBe('body.to');
  });

  it('cancelling frees the place for someone else; the counter always equals the places held', async () => {
    clock.set(MONDAY);
    const small = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', small.id);
    await putSchedule(t.app, boss.headers, small.id, schedule(2));
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => createPerson(t.prisma, small.id)));
    const startsAt = at('2026-11-04T11:00:00');
    const first = await booked(t.app, boss.headers, { personId: a!.id, service: 'passport', startsAt });
    await booked(t.app, boss.headers, { personId: b!.id, service: 'passport', startsAt });
    expect(
      expectProblem(await book(t.app, boss.headers, { personId: c!.id, service: 'passport', startsAt }), 409).type,
    ).toBe('urn:problem-type:consular:slot-full');
    expect(
      (await moveTo(t.app, boss.headers, 'appointments', first.id, 'cancelled', 'Moved to Texas')).statusCode,
    ).toBe(200);
    const free = await availability(t.app, boss.headers, { service: 'passport', from: '2026-11-04', to: '2026-11-04' });
    expect(free.data.find((s: { localTime: string }) => s.localTime === '11:00')).toMatchObject({
      booked: 1,
      remaining: 1,
    });
    await booked(t.app, boss.headers, { personId: c!.id, service: 'passport', startsAt });
    const [counter] = await t.prisma.appointmentSlot.findMany({
      where: { consulateId: small.id, startsAt: new Date(startsAt) },
    });
    expect(counter!.booked).toBe(2);
    expect(await t.prisma.appointment.count({ where: { consulateId: small.id, state: { not: 'cancelled' } } })).toBe(2);
  });
});

describe('marking the day’s no-shows', () => {
  it('marks booked appointments whose slot has ended; a second call changes nothing and says so', async () => {
    clock.set('2026-11-01T12:00:00-08:00');
    const office = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', office.id);
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', office.id);
    await putSchedule(t.app, boss.headers, office.id, schedule(5));
    const visit = await createVisit(t.app, boss.headers, {
      days: [{ date: '2026-11-02', opens: '13:00', closes: '17:00' }],
      services: ['passport'],
    });
    const people = await Promise.all(Array.from({ length: 8 }, () => createPerson(t.prisma, office.id)));
    const mk = (i: number, startsAt: string, extra: object = {}) =>
      booked(t.app, clerk.headers, { personId: people[i]!.id, service: 'passport', startsAt, ...extra });
    const p9 = await mk(0, at('2026-11-02T09:00:00'));
    const p10 = await mk(1, at('2026-11-02T10:00:00'));
    const p1130 = await mk(2, at('2026-11-02T11:30:00'));
    const arrived = await mk(3, at('2026-11-02T09:30:00'));
    const called = await mk(4, at('2026-11-02T10:30:00'));
    const v13 = await mk(5, at('2026-11-02T13:00:00'), { mobileVisitId: visit.id });
    const v16 = await mk(6, at('2026-11-02T16:00:00'), { mobileVisitId: visit.id });
    const tomorrow = await mk(7, at('2026-11-03T09:00:00'));
    await moveTo(t.app, clerk.headers, 'appointments', called.id, 'cancelled', 'Called to cancel');
    clock.set(at('2026-11-02T09:35:00'));
    await moveTo(t.app, clerk.headers, 'appointments', arrived.id, 'checked_in');

    const close = (payload: object, who: LoggedIn = boss) =>
      t.app.inject({ method: 'POST', url: '/v1/appointments/mark-no-shows', headers: who.headers, payload });

    clock.set(at('2026-11-02T11:00:00'));
    const first = await close({ date: '2026-11-02' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      date: '2026-11-02',
      consulateId: office.id,
      mobileVisitId: null,
      changed: true,
      marked: 2,
      stillBooked: 3, // 11:30 at the office, 13:00 and 16:00 at the visit
    });
    expect(first.json().appointments).toEqual([
      {
        id: p9.id,
        personId: people[0]!.id,
        mobileVisitId: null,
        service: 'passport',
        startsAt: '2026-11-02T17:00:00.000Z',
        localStartsAt: '2026-11-02T09:00:00-08:00',
      },
      {
        id: p10.id,
        personId: people[1]!.id,
        mobileVisitId: null,
        service: 'passport',
        startsAt: '2026-11-02T18:00:00.000Z',
        localStartsAt: '2026-11-02T10:00:00-08:00',
      },
    ]);
    const auditBefore = await t.prisma.auditEvent.count();
    const versionsBefore = await t.prisma.appointment.findMany({
      where: { consulateId: office.id },
      select: { id: true, version: true, updatedAt: true },
      orderBy: { id: 'asc' },
    });

    const again = await close({ date: '2026-11-02' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ changed: false, marked: 0, stillBooked: 3, appointments: [] });
    expect(again.json().detail).toContain('Nothing to mark');
    expect(await t.prisma.auditEvent.count()).toBe(auditBefore);
    expect(
      await t.prisma.appointment.findMany({
        where: { consulateId: office.id },
        select: { id: true, version: true, updatedAt: true },
        orderBy: { id: 'asc' },
      }),
    ).toEqual(versionsBefore);

    // One visit only: its 13:00 slot has ended; the office's 11:30 is not its business.
    clock.set(at('2026-11-02T14:05:00'));
    const atVisit = await close({ date: '2026-11-02', mobileVisitId: visit.id });
    expect(atVisit.json()).toMatchObject({ mobileVisitId: visit.id, marked: 1, stillBooked: 1 });
    expect(atVisit.json().appointments.map((a: { id: string }) => a.id)).toEqual([v13.id]);

    clock.set(at('2026-11-02T18:00:00'));
    const evening = await close({ date: '2026-11-02' });
    expect(
      evening
        .json()
        .appointments.map((a: { id: string }) => a.id)
        .sort(),
    ).toEqual([p1130.id, v16.id].sort());
    expect(evening.json().stillBooked).toBe(0);

    const states = Object.fromEntries(
      (
        await t.prisma.appointment.findMany({ where: { consulateId: office.id }, select: { id: true, state: true } })
      ).map((r) => [r.id, r.state]),
    );
    expect(states).toEqual({
      [p9.id]: 'no_show',
      [p10.id]: 'no_show',
      [p1130.id]: 'no_show',
      [arrived.id]: 'checked_in',
      [called.id]: 'cancelled',
      [v13.id]: 'no_show',
      [v16.id]: 'no_show',
      [tomorrow.id]: 'booked',
    });
    const audit = await t.prisma.auditEvent.findMany({ where: { entityId: p9.id, action: 'appointment.transition' } });
    expect(audit.map((a) => a.details)).toEqual([{ from: 'booked', to: 'no_show', batch: true }]);

    // A no-show does not hold the day: the person may book again later that day.
    const rebooked = await book(t.app, clerk.headers, {
      personId: people[0]!.id,
      service: 'passport',
      startsAt: at('2026-11-04T09:00:00'),
    });
    expect(rebooked.statusCode).toBe(201);
  });

  it('two simultaneous calls mark each appointment once', async () => {
    clock.set(MONDAY);
    const office = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', office.id);
    await putSchedule(t.app, boss.headers, office.id, schedule(10));
    const people = await Promise.all(Array.from({ length: 12 }, () => createPerson(t.prisma, office.id)));
    for (const [i, p] of people.entries()) {
      await booked(t.app, boss.headers, {
        personId: p.id,
        service: 'passport',
        startsAt: at(`2026-11-02T${i % 2 ? '09:00' : '09:30'}:00`),
      });
    }
    clock.set(at('2026-11-02T12:30:00'));
    const calls = await Promise.all(
      [1, 2].map(() =>
        t.app.inject({
          method: 'POST',
          url: '/v1/appointments/mark-no-shows',
          headers: boss.headers,
          payload: { date: '2026-11-02' },
        }),
      ),
    );
    expect(calls.map((c) => c.json().marked).reduce((x, y) => x + y, 0)).toBe(12);
    expect(
      await t.prisma.auditEvent.count({ where: { consulateId: office.id, action: 'appointment.transition' } }),
    ).toBe(12);
  });

  it('is for supervisors and admins of the consulate; validates its input', async () => {
    const boss = await loginAs(t.app, t.prisma, 'supervisor', la.id);
    const elsewhere = await createConsulate(t.prisma);
    const otherBoss = await loginAs(t.app, t.prisma, 'supervisor', elsewhere.id);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    clock.set(MONDAY);
    const visit = await createVisit(t.app, boss.headers);
    const close = (who: LoggedIn, payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/appointments/mark-no-shows', headers: who.headers, payload });
    expectProblem(await close(officer, { date: '2026-11-02' }), 403);
    expectProblem(await close(otherBoss, { date: '2026-11-02', consulateId: la.id }), 404);
    expectProblem(await close(otherBoss, { date: '2026-11-07', mobileVisitId: visit.id }), 404);
    expect(expectProblem(await close(admin, { date: '2026-11-02' }), 400).errors[0].path).toBe('body.consulateId');
    expect((await close(admin, { date: '2026-11-02', consulateId: la.id })).statusCode).toBe(200);
    expect(expectProblem(await close(boss, { date: '02/11/2026' }), 400).errors[0].path).toBe('body.date');
    expect(
      expectProblem(await close(boss, { date: '2026-11-07', consulateId: la.id, mobileVisitId: visit.id }), 400)
        .errors[0].path,
    ).toBe('body.mobileVisitId');
  });
});
