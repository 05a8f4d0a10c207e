import { beforeAll, describe, expect, it } from 'vitest';
import {
  MOBILE_VISIT_STATES,
  findVisitTransition,
  VISIT_TRANSITIONS,
} from '../src/modules/mobile-visits/mobile-visits.states.ts';
import { expectProblem } from './helpers/assertions.ts';
import { availability, book, booked, createVisit, moveTo, putSchedule, visitPayload } from './helpers/appointments.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

// Monday 26 October 2026 in Los Angeles; the weekend visits are on 7–8 November (after DST ends).
const MONDAY = '2026-10-26T10:00:00-07:00';
const clock = testClock(MONDAY);
const t = useTestApp({ clock });

let la: { id: string };
let other: { id: string };
let supervisor: LoggedIn;
let officer: LoggedIn;
let otherSupervisor: LoggedIn;
let otherOfficer: LoggedIn;
let admin: LoggedIn;

beforeAll(async () => {
  la = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
  other = await createConsulate(t.prisma, { timeZone: 'America/Chicago', state: 'IL', city: 'Chicago' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  otherSupervisor = await loginAs(t.app, t.prisma, 'supervisor', other.id);
  otherOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', other.id);
  admin = await loginAs(t.app, t.prisma, 'admin');
});

const post = (who: LoggedIn, payload: object) =>
  t.app.inject({ method: 'POST', url: '/v1/mobile-visits', headers: who.headers, payload });

describe('planning a mobile visit', () => {
  it('a supervisor plans a weekend visit: 201, planned, days in local time and UTC, ETag, Location, audit', async () => {
    clock.set(MONDAY);
    const res = await post(supervisor, visitPayload());
    expect(res.statusCode, res.body).toBe(201);
    const visit = res.json();
    expect(visit).toMatchObject({
      consulateId: la.id,
      hostCity: 'Santa Ana',
      hostState: 'CA',
      timeZone: 'America/Los_Angeles',
      state: 'planned',
      services: ['passport', 'consular_id'],
      slotMinutes: 60,
      capacityPerSlot: 2,
      firstDay: '2026-11-07',
      lastDay: '2026-11-08',
      // Pacific Standard Time (UTC−8) by then.
      days: [
        {
          date: '2026-11-07',
          opens: '09:00',
          closes: '13:00',
          opensAt: '2026-11-07T17:00:00.000Z',
          closesAt: '2026-11-07T21:00:00.000Z',
        },
        {
          date: '2026-11-08',
          opens: '09:00',
          closes: '13:00',
          opensAt: '2026-11-08T17:00:00.000Z',
          closesAt: '2026-11-08T21:00:00.000Z',
        },
      ],
      allowedTransitions: ['confirmed', 'cancelled'],
      attendance: [],
      totalPeopleServed: 0,
      version: 1,
    });
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe(`/v1/mobile-visits/${visit.id}`);
    const read = await t.app.inject({ url: `/v1/mobile-visits/${visit.id}`, headers: officer.headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(visit);
    const audit = await t.prisma.auditEvent.findMany({ where: { entityId: visit.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'mobile_visit.create', actorId: supervisor.staff.id, consulateId: la.id });
    expect(audit[0]!.changedFields).toEqual(expect.arrayContaining(['venue', 'days', 'services']));
  });

  it('takes the host city’s time zone when it differs from the consulate’s', async () => {
    clock.set(MONDAY);
    // Phoenix keeps MST (UTC−7) all year.
    const visit = await createVisit(t.app, supervisor.headers, {
      hostCity: 'Phoenix',
      hostState: 'AZ',
      timeZone: 'America/Phoenix',
    });
    expect(visit.timeZone).toBe('America/Phoenix');
    expect(visit.days[0]).toMatchObject({ opensAt: '2026-11-07T16:00:00.000Z', closesAt: '2026-11-07T20:00:00.000Z' });
  });

  it('validates the visit and names the field', async () => {
    clock.set(MONDAY);
    const day = { date: '2026-11-07', opens: '09:00', closes: '13:00' };
    const cases: [Record<string, unknown>, string][] = [
      [{ days: [] }, 'body.days'],
      [{ days: [day, day] }, 'body.days.1.date'],
      [{ days: [{ ...day, date: '2026-11-31' }] }, 'body.days.0.date'],
      [{ days: [{ ...day, opens: '13:00', closes: '09:00' }] }, 'body.days.0.closes'],
      [{ days: [{ ...day, opens: '7am' }] }, 'body.days.0.opens'],
      [{ days: [{ ...day, closes: '09:30' }] }, 'body.days.0.closes'], // shorter than one 60-minute slot
      [{ days: [{ ...day, date: '2026-10-25' }] }, 'body.days.0.date'], // yesterday
      [{ hostState: 'ZZ' }, 'body.hostState'],
      [{ hostCity: '' }, 'body.hostCity'],
      [{ services: [] }, 'body.services'],
      [{ services: ['passport', 'passport'] }, 'body.services.1'],
      [{ services: ['notarization'] }, 'body.services.0'], // not offered by the consulate
      [{ capacityPerSlot: 0 }, 'body.capacityPerSlot'],
      [{ slotMinutes: 1 }, 'body.slotMinutes'],
      [{ timeZone: 'Mars/Olympus_Mons' }, 'body.timeZone'],
    ];
    for (const [overrides, path] of cases) {
      const body = expectProblem(await post(supervisor, visitPayload(overrides)), 400);
      expect(
        body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(overrides),
      ).toContain(path);
    }
    const admins = expectProblem(await post(admin, visitPayload()), 400);
    expect(admins.errors[0].path).toBe('body.consulateId');
  });
});

describe('who may see and change visits', () => {
  it('officers read their consulate’s visits but cannot plan or change them; other consulates get 404', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers);
    expectProblem(await post(officer, visitPayload()), 403);
    expectProblem(await moveTo(t.app, officer.headers, 'mobile-visits', visit.id, 'confirmed'), 403);
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/mobile-visits/${visit.id}`,
        headers: { ...officer.headers, 'if-match': '"1"' },
        payload: { venue: 'X' },
      }),
      403,
    );

    for (const who of [otherSupervisor, otherOfficer]) {
      expectProblem(await t.app.inject({ url: `/v1/mobile-visits/${visit.id}`, headers: who.headers }), 404);
      const list = await t.app.inject({ url: '/v1/mobile-visits?limit=200', headers: who.headers });
      expect(list.json().data.map((v: { id: string }) => v.id)).not.toContain(visit.id);
      const filtered = await t.app.inject({ url: `/v1/mobile-visits?consulateId=${la.id}`, headers: who.headers });
      expect(filtered.json()).toEqual({ data: [], nextCursor: null });
    }
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/mobile-visits/${visit.id}/transitions`,
        headers: { ...otherSupervisor.headers, 'if-match': '"1"' },
        payload: { to: 'confirmed' },
      }),
      404,
    );
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/mobile-visits/${visit.id}/attendance`,
        headers: otherSupervisor.headers,
        payload: { date: '2026-11-07', served: [{ service: 'passport', peopleServed: 1 }] },
      }),
      404,
    );
    // A supervisor plans only for their own consulate.
    expectProblem(await post(otherSupervisor, visitPayload({ consulateId: la.id })), 404);

    // Admins plan for any consulate they name, and read every visit.
    const byAdmin = await post(
      admin,
      visitPayload({ consulateId: other.id, hostState: 'IN', hostCity: 'Indianapolis' }),
    );
    expect(byAdmin.statusCode, byAdmin.body).toBe(201);
    expect(byAdmin.json().timeZone).toBe('America/Chicago');
    expect((await t.app.inject({ url: `/v1/mobile-visits/${visit.id}`, headers: admin.headers })).statusCode).toBe(200);

    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    expectProblem(await t.app.inject({ url: '/v1/mobile-visits', headers: auditor.headers }), 403);
  });

  it('lists by first day with filters (state, host state, date range) and keyset pagination', async () => {
    clock.set(MONDAY);
    const fresh = await createConsulate(t.prisma);
    const boss = await loginAs(t.app, t.prisma, 'supervisor', fresh.id);
    const mk = (date: string, extra: Record<string, unknown> = {}) =>
      createVisit(t.app, boss.headers, { days: [{ date, opens: '09:00', closes: '13:00' }], ...extra });
    const dec = await mk('2026-12-05', { hostState: 'NV', hostCity: 'Las Vegas' });
    const nov = await mk('2026-11-14');
    const jan = await mk('2027-01-09', { hostState: 'NV', hostCity: 'Reno' });
    const two = await mk('2026-11-21', {
      days: [
        { date: '2026-11-21', opens: '09:00', closes: '13:00' },
        { date: '2026-11-22', opens: '09:00', closes: '13:00' },
      ],
    });
    expect((await moveTo(t.app, boss.headers, 'mobile-visits', dec.id, 'confirmed')).statusCode).toBe(200);

    const ids = async (query: string) => {
      const res = await t.app.inject({ url: `/v1/mobile-visits?${query}`, headers: boss.headers });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.map((v: { id: string }) => v.id);
    };
    expect(await ids('')).toEqual([nov.id, two.id, dec.id, jan.id]);
    expect(await ids('state=confirmed')).toEqual([dec.id]);
    expect(await ids('state=planned&hostState=NV')).toEqual([jan.id]);
    // Any day in the range: the two-day visit overlaps 22 November.
    expect(await ids('from=2026-11-22&to=2026-12-05')).toEqual([two.id, dec.id]);
    expect(await ids('to=2026-11-14')).toEqual([nov.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { json(): { data: { id: string }[]; nextCursor: string | null } } = await t.app.inject({
        url: `/v1/mobile-visits?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        headers: boss.headers,
      });
      const page = res.json();
      seen.push(...page.data.map((v: { id: string }) => v.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([nov.id, two.id, dec.id, jan.id]);
    expectProblem(await t.app.inject({ url: '/v1/mobile-visits?cursor=bogus', headers: boss.headers }), 400);
    const bad = expectProblem(
      await t.app.inject({ url: '/v1/mobile-visits?state=held&hostState=nv', headers: boss.headers }),
      400,
    );
    expect(bad.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'querystring.hostState',
      'querystring.state',
    ]);
  });
});

/** The shortest legal path from planned to each state. */
const PATH_TO: Record<string, string[]> = {
  planned: [],
  confirmed: ['confirmed'],
  in_progress: ['confirmed', 'in_progress'],
  completed: ['confirmed', 'in_progress', 'completed'],
  cancelled: ['cancelled'],
};

/** A one-day visit on Tuesday 27 October; the clock then stands on that day, so every guard is met. */
async function visitOnTheDay(from: string) {
  clock.set(MONDAY);
  const visit = await createVisit(t.app, supervisor.headers, {
    days: [{ date: '2026-10-27', opens: '09:00', closes: '13:00' }],
  });
  clock.set('2026-10-27T12:00:00-07:00');
  for (const to of PATH_TO[from]!) {
    const res = await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, to, 'reason given');
    expect(res.statusCode, `→ ${to}: ${res.body}`).toBe(200);
  }
  return visit;
}

describe('visit transitions', () => {
  for (const from of MOBILE_VISIT_STATES) {
    it(`from ${from}: exactly the table's transitions succeed, every other is 409 naming the allowed ones`, async () => {
      for (const to of MOBILE_VISIT_STATES) {
        const visit = await visitOnTheDay(from);
        const res = await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, to, 'a reason');
        if (findVisitTransition(from, to)) {
          expect(res.statusCode, `${from} → ${to}: ${res.body}`).toBe(200);
          expect(res.json().state).toBe(to);
        } else {
          const body = expectProblem(res, 409);
          expect(body).toMatchObject({
            type: 'urn:problem-type:consular:illegal-transition',
            currentState: from,
            allowedTransitions: VISIT_TRANSITIONS.filter((x) => x.from === from).map((x) => x.to),
          });
        }
      }
    });
  }

  it('refuses, by an independent hand-written list, moves that must never happen', async () => {
    const mustRefuse: [string, string][] = [
      ['planned', 'in_progress'],
      ['planned', 'completed'],
      ['confirmed', 'completed'],
      ['confirmed', 'planned'],
      ['in_progress', 'planned'],
      ['in_progress', 'confirmed'],
      ['completed', 'cancelled'],
      ['completed', 'in_progress'],
      ['cancelled', 'planned'],
      ['cancelled', 'confirmed'],
      ['cancelled', 'in_progress'],
    ];
    for (const [from, to] of mustRefuse) {
      const visit = await visitOnTheDay(from);
      expectProblem(await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, to, 'a reason'), 409);
    }
  });

  it('starts only from its first day, completes only from its last; cancelling needs a reason; If-Match 428/412', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers);
    const url = `/v1/mobile-visits/${visit.id}/transitions`;
    expectProblem(
      await t.app.inject({ method: 'POST', url, headers: supervisor.headers, payload: { to: 'confirmed' } }),
      428,
    );
    expect((await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'confirmed')).statusCode).toBe(200);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url,
        headers: { ...supervisor.headers, 'if-match': '"1"' },
        payload: { to: 'in_progress' },
      }),
      412,
    );
    clock.set('2026-11-06T23:59:00-08:00');
    const early = expectProblem(await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'in_progress'), 409);
    expect(early.type).toBe('urn:problem-type:consular:visit-not-started');
    clock.set('2026-11-07T08:00:00-08:00');
    expect((await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'in_progress')).statusCode).toBe(200);
    const notOver = expectProblem(await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'completed'), 409);
    expect(notOver.type).toBe('urn:problem-type:consular:visit-days-not-over');
    const noReason = expectProblem(
      await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'cancelled'),
      400,
    );
    expect(noReason.errors).toEqual([{ path: 'body.reason', message: 'is required for cancelled' }]);
    clock.set('2026-11-08T14:00:00-08:00');
    const done = await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'completed');
    expect(done.json()).toMatchObject({
      state: 'completed',
      allowedTransitions: [],
      completedAt: '2026-11-08T22:00:00.000Z',
    });
    const audit = await t.prisma.auditEvent.findMany({
      where: { entityId: visit.id, action: 'mobile_visit.transition' },
      orderBy: { occurredAt: 'asc' },
    });
    expect(audit.map((a) => a.details)).toEqual([
      { from: 'planned', to: 'confirmed', appointmentsCancelled: 0 },
      { from: 'confirmed', to: 'in_progress', appointmentsCancelled: 0 },
      { from: 'in_progress', to: 'completed', appointmentsCancelled: 0 },
    ]);
  });
});

describe('cancelling a visit', () => {
  it('cancels its booked and checked-in appointments, lists them, frees nothing to book, and leaves the office alone', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers);
    const [ana, beto, carla, dora] = await Promise.all([1, 2, 3, 4].map(() => createPerson(t.prisma, la.id)));
    const at9 = '2026-11-07T09:00:00-08:00';
    const a = await booked(t.app, officer.headers, {
      personId: ana!.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: at9,
    });
    const b = await booked(t.app, officer.headers, {
      personId: beto!.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: at9,
    });
    const c = await booked(t.app, officer.headers, {
      personId: carla!.id,
      service: 'consular_id',
      mobileVisitId: visit.id,
      startsAt: '2026-11-08T10:00:00-08:00',
    });
    const d = await booked(t.app, officer.headers, {
      personId: dora!.id,
      service: 'consular_id',
      mobileVisitId: visit.id,
      startsAt: at9,
    });
    expect((await moveTo(t.app, officer.headers, 'appointments', d.id, 'cancelled', 'Cannot come')).statusCode).toBe(
      200,
    );
    // Ana also has an appointment at the office that Saturday.
    await putSchedule(t.app, supervisor.headers, la.id, {
      slotMinutes: 30,
      weeklyHours: [{ weekday: 6, opens: '08:00', closes: '12:00' }],
      services: [{ service: 'consular_id', capacityPerSlot: 1 }],
    });
    const office = await booked(t.app, officer.headers, {
      personId: ana!.id,
      service: 'consular_id',
      startsAt: '2026-11-07T11:00:00-08:00',
    });
    expect((await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'confirmed')).statusCode).toBe(200);
    // On the morning of the first day one person has already checked in.
    clock.set('2026-11-07T08:40:00-08:00');
    expect((await moveTo(t.app, officer.headers, 'appointments', b.id, 'checked_in')).statusCode).toBe(200);

    const res = await moveTo(
      t.app,
      supervisor.headers,
      'mobile-visits',
      visit.id,
      'cancelled',
      'The parish hall flooded',
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ state: 'cancelled', cancelledReason: 'The parish hall flooded' });
    expect(body.cancelledAppointments.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id, c.id].sort());
    for (const x of body.cancelledAppointments) {
      expect(x).toMatchObject({
        state: 'cancelled',
        cancelledReason: 'Mobile visit cancelled: The parish hall flooded',
      });
    }

    const rows = await t.prisma.appointment.findMany({
      where: { mobileVisitId: visit.id },
      select: { id: true, state: true },
    });
    expect(rows.every((r) => r.state === 'cancelled')).toBe(true);
    const stillOffice = await t.app.inject({ url: `/v1/appointments/${office.id}`, headers: officer.headers });
    expect(stillOffice.json()).toMatchObject({ state: 'booked', mobileVisitId: null });
    const counters = await t.prisma.appointmentSlot.findMany({ where: { mobileVisitId: visit.id } });
    expect(counters.map((s) => s.booked)).toEqual(counters.map(() => 0));

    const again = expectProblem(
      await book(t.app, officer.headers, {
        personId: ana!.id,
        service: 'passport',
        mobileVisitId: visit.id,
        startsAt: '2026-11-08T09:00:00-08:00',
      }),
      409,
    );
    expect(again.type).toBe('urn:problem-type:consular:visit-not-bookable');
    const free = await availability(t.app, officer.headers, { mobileVisitId: visit.id });
    expect(free).toMatchObject({ bookable: false, data: [] });

    const audit = await t.prisma.auditEvent.findMany({
      where: { action: 'appointment.transition', entityId: { in: [a.id, b.id, c.id] } },
      orderBy: { entityId: 'asc' },
    });
    expect(audit.map((e) => e.details)).toEqual(
      expect.arrayContaining([
        { from: 'booked', to: 'cancelled', cause: 'mobile_visit_cancelled' },
        { from: 'checked_in', to: 'cancelled', cause: 'mobile_visit_cancelled' },
      ]),
    );
    expect(audit.filter((e) => (e.details as { cause?: string }).cause)).toHaveLength(3);
    expect(JSON.stringify(audit)).not.toContain('flooded');
  });

  it('a booking racing the cancellation either lands before it (and is cancelled with it) or is refused', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers, { capacityPerSlot: 50 });
    const persons = await Promise.all(Array.from({ length: 20 }, () => createPerson(t.prisma, la.id)));
    const bookings = persons.map((p) =>
      book(t.app, officer.headers, {
        personId: p.id,
        service: 'passport',
        mobileVisitId: visit.id,
        startsAt: '2026-11-07T10:00:00-08:00',
      }),
    );
    const cancel = moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'cancelled', 'Budget');
    const [cancelled, ...results] = await Promise.all([cancel, ...bookings]);
    expect(cancelled.statusCode).toBe(200);
    for (const r of results) expect([201, 409]).toContain(r.statusCode);
    const left = await t.prisma.appointment.count({ where: { mobileVisitId: visit.id, state: { not: 'cancelled' } } });
    expect(left).toBe(0);
  });
});

describe('attendance', () => {
  it('is reported per day and service once the visit is under way; a new report of a day replaces it', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers);
    const url = `/v1/mobile-visits/${visit.id}/attendance`;
    const report = (who: LoggedIn, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: who.headers, payload });
    const day1 = {
      date: '2026-11-07',
      served: [
        { service: 'passport', peopleServed: 40 },
        { service: 'consular_id', peopleServed: 25 },
      ],
    };

    const early = expectProblem(await report(supervisor, day1), 409);
    expect(early.type).toBe('urn:problem-type:consular:attendance-not-open');
    await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'confirmed');
    clock.set('2026-11-07T15:00:00-08:00');
    await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'in_progress');

    expectProblem(await report(officer, day1), 403);
    const first = await report(supervisor, day1);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      attendance: [
        { date: '2026-11-07', service: 'passport', peopleServed: 40 },
        { date: '2026-11-07', service: 'consular_id', peopleServed: 25 },
      ],
      totalPeopleServed: 65,
    });
    const corrected = await report(supervisor, {
      date: '2026-11-07',
      served: [{ service: 'passport', peopleServed: 42 }],
    });
    expect(corrected.json().totalPeopleServed).toBe(67);
    expect(corrected.headers.etag).not.toBe(first.headers.etag);

    const tomorrow = expectProblem(await report(supervisor, { ...day1, date: '2026-11-08' }), 409);
    expect(tomorrow.type).toBe('urn:problem-type:consular:day-not-reached');
    const wrongDay = expectProblem(await report(supervisor, { ...day1, date: '2026-11-09' }), 400);
    expect(wrongDay.errors[0].path).toBe('body.date');
    const wrongService = expectProblem(
      await report(supervisor, { date: '2026-11-07', served: [{ service: 'birth_registration', peopleServed: 3 }] }),
      400,
    );
    expect(wrongService.errors[0].path).toBe('body.served.0.service');
    const twice = expectProblem(
      await report(supervisor, {
        date: '2026-11-07',
        served: [
          { service: 'passport', peopleServed: 1 },
          { service: 'passport', peopleServed: 2 },
        ],
      }),
      400,
    );
    expect(twice.errors[0].path).toBe('body.served.1.service');
    expectProblem(
      await report(supervisor, { date: '2026-11-07', served: [{ service: 'passport', peopleServed: -1 }] }),
      400,
    );

    clock.set('2026-11-08T16:00:00-08:00');
    await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'completed');
    const day2 = await report(supervisor, { date: '2026-11-08', served: [{ service: 'passport', peopleServed: 30 }] });
    expect(day2.statusCode).toBe(200);
    expect(day2.json()).toMatchObject({
      state: 'completed',
      peopleServed: [
        { service: 'passport', peopleServed: 72 },
        { service: 'consular_id', peopleServed: 25 },
      ],
      totalPeopleServed: 97,
    });
    const audit = await t.prisma.auditEvent.count({ where: { entityId: visit.id, action: 'mobile_visit.attendance' } });
    expect(audit).toBe(3);
  });
});

describe('changing a visit', () => {
  it('changes descriptive fields and capacity with If-Match; days only while nothing is booked; nothing once cancelled', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers);
    const patch = (payload: object, ifMatch?: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/mobile-visits/${visit.id}`,
        headers: { ...supervisor.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
        payload,
      });
    expectProblem(await patch({ venue: 'Centro Cultural' }), 428);
    const moved = await patch(
      { venue: 'Centro Cultural', days: [{ date: '2026-11-14', opens: '08:00', closes: '12:00' }] },
      '"1"',
    );
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({
      venue: 'Centro Cultural',
      firstDay: '2026-11-14',
      lastDay: '2026-11-14',
      version: 2,
    });
    expectProblem(await patch({ venue: 'Otro' }, '"1"'), 412);
    expectProblem(await patch({}, '"2"'), 400);

    const person = await createPerson(t.prisma, la.id);
    await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-11-14T08:00:00-08:00',
    });
    const blocked = expectProblem(await patch({ slotMinutes: 30 }, '"2"'), 409);
    expect(blocked.type).toBe('urn:problem-type:consular:visit-has-appointments');
    const raised = await patch({ capacityPerSlot: 10, address: '500 W 1st St' }, '"2"');
    expect(raised.statusCode).toBe(200);
    const audit = await t.prisma.auditEvent.findFirst({
      where: { entityId: visit.id, action: 'mobile_visit.update' },
      orderBy: { occurredAt: 'desc' },
    });
    expect(audit!.changedFields).toEqual(['address', 'capacityPerSlot']);

    await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'cancelled', 'Budget');
    const closed = expectProblem(await patch({ venue: 'X' }, '"4"'), 409);
    expect(closed.type).toBe('urn:problem-type:consular:visit-closed-for-changes');
  });
});
