import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import {
  availability,
  book,
  booked,
  createVisit,
  moveTo,
  putSchedule,
  WEEKDAY_SCHEDULE,
} from './helpers/appointments.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

// Monday 2 November 2026, 08:00 in Los Angeles (Pacific Standard Time since the 1st).
const MONDAY = '2026-11-02T08:00:00-08:00';
const clock = testClock(MONDAY);
const t = useTestApp({ clock });

let la: { id: string };
let other: { id: string };
let supervisor: LoggedIn;
let officer: LoggedIn;
let otherOfficer: LoggedIn;
let admin: LoggedIn;

const newPerson = (consulateId = la.id) => createPerson(t.prisma, consulateId);
const at = (local: string) => `${local}-08:00`;

beforeAll(async () => {
  la = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
  other = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  otherOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', other.id);
  admin = await loginAs(t.app, t.prisma, 'admin');
  await putSchedule(t.app, supervisor.headers, la.id, WEEKDAY_SCHEDULE);
  const holidays = await t.app.inject({
    method: 'PUT',
    url: `/v1/consulates/${la.id}/holidays`,
    headers: supervisor.headers,
    payload: [{ date: '2026-11-11', name: 'Veterans Day' }],
  });
  expect(holidays.statusCode).toBe(200);
});

describe('availability', () => {
  it('lists the office’s slots per service in local time (with offset) and UTC, weekdays only', async () => {
    clock.set(MONDAY);
    const week = await availability(t.app, officer.headers, {
      service: 'passport',
      from: '2026-11-02',
      to: '2026-11-08',
    });
    expect(week).toMatchObject({
      consulateId: la.id,
      mobileVisitId: null,
      timeZone: 'America/Los_Angeles',
      slotMinutes: 30,
      bookable: true,
    });
    // Monday to Friday, 09:00–12:00 in 30-minute slots: 5 × 6.
    expect(week.data).toHaveLength(30);
    expect(week.data[0]).toEqual({
      service: 'passport',
      startsAt: '2026-11-02T17:00:00.000Z',
      endsAt: '2026-11-02T17:30:00.000Z',
      localDate: '2026-11-02',
      localTime: '09:00',
      localStartsAt: '2026-11-02T09:00:00-08:00',
      utcOffset: '-08:00',
      capacity: 2,
      booked: 0,
      remaining: 2,
    });
    expect(week.data.at(-1)).toMatchObject({
      localStartsAt: '2026-11-06T11:30:00-08:00',
      endsAt: '2026-11-06T20:00:00.000Z',
    });
    expect(new Set(week.data.map((s: { localDate: string }) => s.localDate))).toEqual(
      new Set(['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06']),
    );
    // Every service the office offers when none is named, each with its own capacity.
    const both = await availability(t.app, officer.headers, { from: '2026-11-03', to: '2026-11-03' });
    expect(both.data).toHaveLength(12);
    expect(both.data.slice(0, 2).map((s: { service: string; capacity: number }) => [s.service, s.capacity])).toEqual([
      ['passport', 2],
      ['consular_id', 3],
    ]);
    // The default range is a week from today.
    const byDefault = await availability(t.app, officer.headers, { service: 'consular_id' });
    expect(byDefault).toMatchObject({ from: '2026-11-02', to: '2026-11-08' });
    expect(byDefault.data).toHaveLength(30);
  });

  it('leaves out holidays and slots that have started, and counts what bookings took', async () => {
    clock.set(MONDAY);
    const withHoliday = await availability(t.app, officer.headers, {
      service: 'passport',
      from: '2026-11-09',
      to: '2026-11-13',
    });
    expect(withHoliday.data).toHaveLength(24);
    expect(withHoliday.data.some((s: { localDate: string }) => s.localDate === '2026-11-11')).toBe(false);

    const fresh = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', fresh.id);
    await putSchedule(t.app, boss.headers, fresh.id, WEEKDAY_SCHEDULE);
    const [p1, p2, p3] = await Promise.all([1, 2, 3].map(() => newPerson(fresh.id)));
    await booked(t.app, boss.headers, { personId: p1!.id, service: 'passport', startsAt: at('2026-11-02T11:00:00') });
    await booked(t.app, boss.headers, { personId: p2!.id, service: 'passport', startsAt: at('2026-11-02T11:30:00') });
    await booked(t.app, boss.headers, { personId: p3!.id, service: 'passport', startsAt: at('2026-11-02T11:30:00') });

    clock.set(at('2026-11-02T10:10:00')); // 09:00, 09:30 and 10:00 have started
    const today = await availability(t.app, boss.headers, {
      service: 'passport',
      from: '2026-11-02',
      to: '2026-11-02',
    });
    expect(today.data.map((s: any) => [s.localTime, s.booked, s.remaining])).toEqual([
      ['10:30', 0, 2],
      ['11:00', 1, 1],
      // 11:30 is full.
    ]);
    const past = await availability(t.app, boss.headers, { service: 'passport', from: '2026-10-26', to: '2026-10-30' });
    expect(past.data).toEqual([]);
  });

  it('answers for a mobile visit over its own days (weekends included)', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers);
    const slots = await availability(t.app, officer.headers, { mobileVisitId: visit.id, service: 'consular_id' });
    expect(slots).toMatchObject({ mobileVisitId: visit.id, from: '2026-11-07', to: '2026-11-08', bookable: true });
    expect(slots.data.map((s: { localStartsAt: string }) => s.localStartsAt)).toEqual([
      '2026-11-07T09:00:00-08:00',
      '2026-11-07T10:00:00-08:00',
      '2026-11-07T11:00:00-08:00',
      '2026-11-07T12:00:00-08:00',
      '2026-11-08T09:00:00-08:00',
      '2026-11-08T10:00:00-08:00',
      '2026-11-08T11:00:00-08:00',
      '2026-11-08T12:00:00-08:00',
    ]);
    expect(slots.data.every((s: { capacity: number }) => s.capacity === 2)).toBe(true);
  });

  it('says so when nothing can be booked: no schedule yet, a consulate not open', async () => {
    const unscheduled = await createConsulate(t.prisma);
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', unscheduled.id);
    const none = await availability(t.app, clerk.headers, {});
    expect(none).toMatchObject({ bookable: false, data: [] });
    expect(none.notBookableReason).toContain('no appointment schedule');
    const refused = expectProblem(
      await book(t.app, clerk.headers, {
        personId: (await newPerson(unscheduled.id)).id,
        service: 'passport',
        startsAt: at('2026-11-03T09:00:00'),
      }),
      409,
    );
    expect(refused.type).toBe('urn:problem-type:consular:no-schedule');

    const planned = await createConsulate(t.prisma, { status: 'planned' });
    await putSchedule(t.app, admin.headers, planned.id, WEEKDAY_SCHEDULE);
    expect((await availability(t.app, admin.headers, { consulateId: planned.id })).bookable).toBe(false);
  });

  it('validates the question and names the field', async () => {
    const ask = (q: string) => t.app.inject({ url: `/v1/appointments/availability?${q}`, headers: officer.headers });
    const cases: [string, string][] = [
      ['from=2026-11-10&to=2026-11-09', 'querystring.to'],
      ['from=2026-11-01&to=2026-12-15', 'querystring.to'],
      ['from=2026-02-30', 'querystring.from'],
      ['service=tourism', 'querystring.service'],
      [`consulateId=${la.id}&mobileVisitId=${la.id}`, 'querystring.mobileVisitId'],
      ['consulateId=nope', 'querystring.consulateId'],
    ];
    for (const [q, path] of cases) {
      const body = expectProblem(await ask(q), 400);
      expect(
        body.errors.map((e: { path: string }) => e.path),
        q,
      ).toContain(path);
    }
    expectProblem(await t.app.inject({ url: '/v1/appointments/availability', headers: admin.headers }), 400);
  });
});

describe('booking', () => {
  it('answers 201 with an unambiguous 8-character confirmation code, ETag and Location; audit has no personal values', async () => {
    clock.set(MONDAY);
    const person = await newPerson();
    const res = await book(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      startsAt: '2026-11-03T17:30:00Z',
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      consulateId: la.id,
      mobileVisitId: null,
      personId: person.id,
      person: { id: person.id, givenNames: 'Juan Carlos', firstSurname: 'Pérez' },
      service: 'passport',
      startsAt: '2026-11-03T17:30:00.000Z',
      endsAt: '2026-11-03T18:00:00.000Z',
      localDate: '2026-11-03',
      localTime: '09:30',
      localStartsAt: '2026-11-03T09:30:00-08:00',
      utcOffset: '-08:00',
      timeZone: 'America/Los_Angeles',
      state: 'booked',
      allowedTransitions: ['checked_in', 'no_show', 'cancelled'],
      version: 1,
    });
    expect(body.confirmationCode).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe(`/v1/appointments/${body.id}`);
    const read = await t.app.inject({ url: `/v1/appointments/${body.id}`, headers: officer.headers });
    expect(read.json()).toEqual(body);
    expect(read.headers.etag).toBe('"1"');

    const audit = await t.prisma.auditEvent.findMany({ where: { entityId: body.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'appointment.create', actorId: officer.staff.id, consulateId: la.id });
    expect(JSON.stringify(audit)).not.toContain(body.confirmationCode);
    expect(JSON.stringify(audit)).not.toContain('Juan');
  });

  it('draws confirmation codes at random from 31 unambiguous characters, unique per appointment', async () => {
    clock.set(MONDAY);
    const persons = await Promise.all(Array.from({ length: 30 }, () => newPerson()));
    const codes: string[] = [];
    for (const [i, p] of persons.entries()) {
      const day = ['2026-11-16', '2026-11-17', '2026-11-18'][i % 3]!;
      const time = ['09:00', '09:30', '10:00', '10:30', '11:00'][Math.floor(i / 3) % 5]!;
      codes.push(
        (
          await booked(t.app, officer.headers, {
            personId: p.id,
            service: 'consular_id',
            startsAt: at(`${day}T${time}:00`),
          })
        ).confirmationCode,
      );
    }
    expect(new Set(codes).size).toBe(30);
    const used = new Set(codes.join(''));
    for (const ambiguous of ['0', 'O', '1', 'I', 'L']) expect(used.has(ambiguous)).toBe(false);
  });

  it('refuses with 409 and a stable problem type: full, outside hours, not a slot start, holiday, started, not offered', async () => {
    clock.set(MONDAY);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => newPerson()));
    const slot = at('2026-11-04T10:00:00');
    await booked(t.app, officer.headers, { personId: a!.id, service: 'passport', startsAt: slot });
    await booked(t.app, officer.headers, { personId: b!.id, service: 'passport', startsAt: slot });
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ startsAt: slot }, 'slot-full', 'full (capacity 2)'],
      [{ startsAt: at('2026-11-04T12:00:00') }, 'outside-opening-hours'], // closing time
      [{ startsAt: at('2026-11-04T08:30:00') }, 'outside-opening-hours'],
      [{ startsAt: at('2026-11-07T10:00:00') }, 'outside-opening-hours'], // Saturday
      [{ startsAt: at('2026-11-04T10:10:00') }, 'not-a-slot-start', 'e.g. 2026-11-04T10:00:00-08:00'],
      [{ startsAt: at('2026-11-11T10:00:00') }, 'holiday', 'holiday'],
      [{ startsAt: at('2026-11-02T08:00:00') }, 'outside-opening-hours'],
      [{ startsAt: at('2026-11-02T09:00:00') }, 'slot-started', undefined],
      [{ service: 'visa', startsAt: slot }, 'service-not-offered', 'offered: passport, consular_id'],
    ];
    clock.set(at('2026-11-02T09:00:00'));
    for (const [overrides, code, detail] of cases) {
      const body = expectProblem(
        await book(t.app, officer.headers, { personId: c!.id, service: 'passport', ...overrides }),
        409,
      );
      expect(body.type, JSON.stringify(overrides)).toBe(`urn:problem-type:consular:${code}`);
      if (detail) expect(body.detail).toContain(detail);
    }
    expect(await t.prisma.appointment.count({ where: { personId: c!.id } })).toBe(0);
  });

  it('one active appointment per person, service and local day — also when requests race', async () => {
    clock.set(MONDAY);
    const person = await newPerson();
    const first = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      startsAt: at('2026-11-05T09:00:00'),
    });
    const twice = expectProblem(
      await book(t.app, officer.headers, {
        personId: person.id,
        service: 'passport',
        startsAt: at('2026-11-05T11:00:00'),
      }),
      409,
    );
    expect(twice.type).toBe('urn:problem-type:consular:already-booked-that-day');
    expect(twice.detail).toContain('2026-11-05');
    // Another service the same day, and the same service another day, are fine.
    await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'consular_id',
      startsAt: at('2026-11-05T11:00:00'),
    });
    await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      startsAt: at('2026-11-06T09:00:00'),
    });
    // Cancelling gives the day back.
    expect(
      (await moveTo(t.app, officer.headers, 'appointments', first.id, 'cancelled', 'Rescheduling')).statusCode,
    ).toBe(200);
    await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      startsAt: at('2026-11-05T11:30:00'),
    });

    // Ten simultaneous attempts for one person on one day, at different times: one wins.
    const racer = await newPerson();
    const times = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30'];
    const results = await Promise.all(
      [...times, ...times.slice(0, 4)].map((time, i) =>
        book(t.app, i % 2 ? officer.headers : supervisor.headers, {
          personId: racer.id,
          service: 'consular_id',
          startsAt: at(`2026-11-09T${time}:00`),
        }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) {
      expect(r.json().type).toBe('urn:problem-type:consular:already-booked-that-day');
    }
    expect(await t.prisma.appointment.count({ where: { personId: racer.id } })).toBe(1);
  });

  it('takes the day in the office’s time zone: a 23:00 slot is that day, though 07:00 UTC the next', async () => {
    clock.set(MONDAY);
    const visit = await createVisit(t.app, supervisor.headers, {
      days: [{ date: '2026-11-14', opens: '20:00', closes: '23:30' }],
      services: ['passport'],
      slotMinutes: 30,
    });
    const person = await newPerson();
    const late = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-11-15T07:00:00Z',
    });
    expect(late).toMatchObject({ localDate: '2026-11-14', localStartsAt: '2026-11-14T23:00:00-08:00' });
    const sameEvening = expectProblem(
      await book(t.app, officer.headers, {
        personId: person.id,
        service: 'passport',
        mobileVisitId: visit.id,
        startsAt: at('2026-11-14T20:00:00'),
      }),
      409,
    );
    expect(sameEvening.type).toBe('urn:problem-type:consular:already-booked-that-day');
  });

  it('books only persons and visits of the consulate (404), and names invalid fields (400)', async () => {
    clock.set(MONDAY);
    const stranger = await newPerson(other.id);
    expectProblem(
      await book(t.app, officer.headers, {
        personId: stranger.id,
        service: 'passport',
        startsAt: at('2026-11-04T09:00:00'),
      }),
      404,
    );
    const boss = await loginAs(t.app, t.prisma, 'supervisor', other.id);
    const theirs = await createVisit(t.app, boss.headers);
    const mine = await newPerson();
    expectProblem(
      await book(t.app, officer.headers, {
        personId: mine.id,
        service: 'passport',
        mobileVisitId: theirs.id,
        startsAt: at('2026-11-07T09:00:00'),
      }),
      404,
    );
    expectProblem(
      await book(t.app, officer.headers, {
        personId: mine.id,
        service: 'passport',
        consulateId: other.id,
        startsAt: at('2026-11-04T09:00:00'),
      }),
      404,
    );
    const cases: [Record<string, unknown>, string][] = [
      [{ startsAt: undefined }, 'body.startsAt'],
      [{ startsAt: '2026-11-04T09:00:00' }, 'body.startsAt'], // no offset: ambiguous
      [{ startsAt: 'tomorrow' }, 'body.startsAt'],
      [{ service: 'tourism' }, 'body.service'],
      [{ personId: 'x' }, 'body.personId'],
      [{ consulateId: la.id, mobileVisitId: theirs.id }, 'body.mobileVisitId'],
      [{ note: 'VIP' }, 'body'],
    ];
    for (const [overrides, path] of cases) {
      const body = expectProblem(
        await book(t.app, officer.headers, {
          personId: mine.id,
          service: 'passport',
          startsAt: at('2026-11-04T09:00:00'),
          ...overrides,
        }),
        400,
      );
      expect(
        body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(overrides),
      ).toContain(path);
    }
    const admins = expectProblem(
      await book(t.app, admin.headers, { personId: mine.id, service: 'passport', startsAt: at('2026-11-04T09:00:00') }),
      400,
    );
    expect(admins.errors[0].path).toBe('body.consulateId');
    expect(
      (
        await book(t.app, admin.headers, {
          personId: mine.id,
          service: 'passport',
          consulateId: la.id,
          startsAt: at('2026-11-04T09:00:00'),
        })
      ).statusCode,
    ).toBe(201);
  });

  it('replays a retried booking with the same Idempotency-Key instead of booking twice', async () => {
    clock.set(MONDAY);
    const person = await newPerson();
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/appointments',
        headers: { ...officer.headers, 'idempotency-key': `kiosk-retry-${person.id}` },
        payload: { personId: person.id, service: 'consular_id', startsAt: at('2026-11-10T09:00:00') },
      });
    const first = await send();
    const retry = await send();
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().confirmationCode).toBe(first.json().confirmationCode);
    expect(await t.prisma.appointment.count({ where: { personId: person.id } })).toBe(1);
  });

  it('roles: officers of both kinds book; auditors may not; other consulates see 404', async () => {
    clock.set(MONDAY);
    const protection = await loginAs(t.app, t.prisma, 'protection_officer', la.id);
    const person = await newPerson();
    const appt = await booked(t.app, protection.headers, {
      personId: person.id,
      service: 'consular_id',
      startsAt: at('2026-11-12T09:00:00'),
    });
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    expectProblem(
      await book(t.app, auditor.headers, {
        personId: person.id,
        service: 'passport',
        consulateId: la.id,
        startsAt: at('2026-11-12T09:00:00'),
      }),
      403,
    );
    expectProblem(await t.app.inject({ url: '/v1/appointments', headers: auditor.headers }), 403);
    expectProblem(await t.app.inject({ url: '/v1/appointments/availability', headers: auditor.headers }), 403);
    expectProblem(await t.app.inject({ url: `/v1/appointments/${appt.id}`, headers: otherOfficer.headers }), 404);
    expectProblem(await moveTo(t.app, otherOfficer.headers, 'appointments', appt.id, 'cancelled', 'x'), 404);
    expectProblem(
      await t.app.inject({ url: `/v1/appointments/availability?consulateId=${la.id}`, headers: otherOfficer.headers }),
      404,
    );
    expectProblem(await t.app.inject({ url: '/v1/appointments' }), 401);
  });
});

describe('the day’s queue', () => {
  it('lists a day’s appointments in time order, in local time; filters by place and state; pages by keyset', async () => {
    clock.set(MONDAY);
    const fresh = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', fresh.id);
    await putSchedule(t.app, boss.headers, fresh.id, WEEKDAY_SCHEDULE);
    const visit = await createVisit(t.app, boss.headers, {
      days: [{ date: '2026-11-03', opens: '13:00', closes: '17:00' }],
    });
    const persons = await Promise.all(Array.from({ length: 5 }, () => newPerson(fresh.id)));
    const make = (i: number, startsAt: string, extra: object = {}) =>
      booked(t.app, boss.headers, { personId: persons[i]!.id, service: 'passport', startsAt, ...extra });
    const at11 = await make(0, at('2026-11-03T11:00:00'));
    const at9 = await make(1, at('2026-11-03T09:00:00'));
    const visit14 = await make(2, at('2026-11-03T14:00:00'), { mobileVisitId: visit.id });
    const at930 = await make(3, at('2026-11-03T09:30:00'));
    await make(4, at('2026-11-04T09:00:00'));
    await moveTo(t.app, boss.headers, 'appointments', at930.id, 'cancelled', 'Sick');

    const queue = async (q: string) => {
      const res = await t.app.inject({ url: `/v1/appointments?${q}`, headers: boss.headers });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const day = await queue('date=2026-11-03');
    expect(day.data.map((a: any) => [a.localTime, a.utcOffset, a.state, a.mobileVisitId])).toEqual([
      ['09:00', '-08:00', 'booked', null],
      ['09:30', '-08:00', 'cancelled', null],
      ['11:00', '-08:00', 'booked', null],
      ['14:00', '-08:00', 'booked', visit.id],
    ]);
    expect(day.data[0]).toMatchObject({
      id: at9.id,
      localStartsAt: '2026-11-03T09:00:00-08:00',
      person: { firstSurname: 'Pérez' },
    });
    expect((await queue('date=2026-11-03&state=booked')).data.map((a: any) => a.id)).toEqual([
      at9.id,
      at11.id,
      visit14.id,
    ]);
    expect((await queue('date=2026-11-03&mobileVisitId=none&state=booked')).data.map((a: any) => a.id)).toEqual([
      at9.id,
      at11.id,
    ]);
    expect((await queue(`mobileVisitId=${visit.id}`)).data.map((a: any) => a.id)).toEqual([visit14.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await queue(`date=2026-11-03&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((a: any) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(day.data.map((a: any) => a.id));

    // Another consulate's staff see none of it.
    const theirs = await t.app.inject({
      url: `/v1/appointments?date=2026-11-03&consulateId=${fresh.id}`,
      headers: otherOfficer.headers,
    });
    expect(theirs.json()).toEqual({ data: [], nextCursor: null });
    const all = await t.app.inject({
      url: '/v1/appointments?date=2026-11-03&limit=200',
      headers: otherOfficer.headers,
    });
    expect(all.json().data).toEqual([]);
    expectProblem(await t.app.inject({ url: '/v1/appointments?cursor=zzz', headers: boss.headers }), 400);
  });
});
