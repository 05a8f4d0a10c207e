import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { availability, book, booked, createVisit, putSchedule } from './helpers/appointments.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

/**
 * Daylight saving time in 2026 (US): clocks go forward on Sunday 8 March at
 * 02:00 (02:00–02:59 does not exist) and back on Sunday 1 November at 02:00
 * (01:00–01:59 happens twice). Every instant and offset below is worked out
 * by hand: Los Angeles is UTC−8 (PST) / UTC−7 (PDT), Chicago UTC−6 (CST) / UTC−5 (CDT).
 */
const clock = testClock('2026-03-01T12:00:00-08:00');
const t = useTestApp({ clock });

type Slot = { startsAt: string; endsAt: string; localTime: string; localStartsAt: string; utcOffset: string };
const summary = (slots: Slot[]) => slots.map((s) => [s.startsAt, s.localStartsAt]);

async function office(timeZone: string, weeklyHours: object[], slotMinutes: number, capacityPerSlot: number) {
  const consulate = await createConsulate(t.prisma, { timeZone, state: 'IL', city: 'Chicago' });
  const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  await putSchedule(t.app, supervisor.headers, consulate.id, {
    slotMinutes,
    weeklyHours,
    services: [{ service: 'passport', capacityPerSlot }],
  });
  return { consulate, supervisor };
}

describe('Los Angeles, a mobile consulate open through the night of the change', () => {
  it('spring forward (8 March): no slot in the skipped hour; each slot is 30 real minutes', async () => {
    clock.set('2026-03-01T12:00:00-08:00');
    const consulate = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
    const visit = await createVisit(t.app, supervisor.headers, {
      days: [{ date: '2026-03-08', opens: '00:00', closes: '04:00' }],
      services: ['passport'],
      slotMinutes: 30,
      capacityPerSlot: 1,
    });
    // 00:00 PST = 08:00Z; 04:00 PDT = 11:00Z: three real hours.
    expect(visit.days[0]).toMatchObject({ opensAt: '2026-03-08T08:00:00.000Z', closesAt: '2026-03-08T11:00:00.000Z' });
    const free = await availability(t.app, supervisor.headers, { mobileVisitId: visit.id });
    expect(summary(free.data)).toEqual([
      ['2026-03-08T08:00:00.000Z', '2026-03-08T00:00:00-08:00'],
      ['2026-03-08T08:30:00.000Z', '2026-03-08T00:30:00-08:00'],
      ['2026-03-08T09:00:00.000Z', '2026-03-08T01:00:00-08:00'],
      ['2026-03-08T09:30:00.000Z', '2026-03-08T01:30:00-08:00'],
      ['2026-03-08T10:00:00.000Z', '2026-03-08T03:00:00-07:00'],
      ['2026-03-08T10:30:00.000Z', '2026-03-08T03:30:00-07:00'],
    ]);
    expect(free.data.map((s: Slot) => s.localTime)).not.toContain('02:00');
    expect(free.data.map((s: Slot) => s.localTime)).not.toContain('02:30');
    // The 01:30 slot ends at 03:00 PDT, thirty minutes later.
    expect(free.data[3]).toMatchObject({ endsAt: '2026-03-08T10:00:00.000Z', utcOffset: '-08:00' });

    const [ana, beto] = await Promise.all([1, 2].map(() => createPerson(t.prisma, consulate.id)));
    const threeAm = await booked(t.app, supervisor.headers, {
      personId: ana!.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-03-08T03:00:00-07:00',
    });
    expect(threeAm).toMatchObject({
      startsAt: '2026-03-08T10:00:00.000Z',
      endsAt: '2026-03-08T10:30:00.000Z',
      localDate: '2026-03-08',
      localTime: '03:00',
      utcOffset: '-07:00',
    });
    // "02:30 −07:00" names 09:30Z, which is 01:30 PST: instants count, and it is shown as it really reads.
    const named = await booked(t.app, supervisor.headers, {
      personId: beto!.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-03-08T02:30:00-07:00',
    });
    expect(named).toMatchObject({ startsAt: '2026-03-08T09:30:00.000Z', localStartsAt: '2026-03-08T01:30:00-08:00' });
    const offGrid = expectProblem(
      await book(t.app, supervisor.headers, {
        personId: (await createPerson(t.prisma, consulate.id)).id,
        service: 'passport',
        mobileVisitId: visit.id,
        startsAt: '2026-03-08T10:15:00Z',
      }),
      409,
    );
    expect(offGrid.type).toBe('urn:problem-type:consular:not-a-slot-start');
  });

  it('fall back (1 November): the repeated hour has its slots twice, at different instants and offsets; none listed twice', async () => {
    clock.set('2026-10-25T12:00:00-07:00');
    const consulate = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
    const visit = await createVisit(t.app, supervisor.headers, {
      days: [{ date: '2026-11-01', opens: '00:00', closes: '03:00' }],
      services: ['passport'],
      slotMinutes: 30,
      capacityPerSlot: 1,
    });
    // 00:00 PDT = 07:00Z; 03:00 PST = 11:00Z: four real hours, eight slots.
    const free = await availability(t.app, supervisor.headers, { mobileVisitId: visit.id });
    expect(summary(free.data)).toEqual([
      ['2026-11-01T07:00:00.000Z', '2026-11-01T00:00:00-07:00'],
      ['2026-11-01T07:30:00.000Z', '2026-11-01T00:30:00-07:00'],
      ['2026-11-01T08:00:00.000Z', '2026-11-01T01:00:00-07:00'],
      ['2026-11-01T08:30:00.000Z', '2026-11-01T01:30:00-07:00'],
      ['2026-11-01T09:00:00.000Z', '2026-11-01T01:00:00-08:00'],
      ['2026-11-01T09:30:00.000Z', '2026-11-01T01:30:00-08:00'],
      ['2026-11-01T10:00:00.000Z', '2026-11-01T02:00:00-08:00'],
      ['2026-11-01T10:30:00.000Z', '2026-11-01T02:30:00-08:00'],
    ]);
    expect(new Set(free.data.map((s: Slot) => s.startsAt)).size).toBe(8);

    const [ana, beto, carla] = await Promise.all([1, 2, 3].map(() => createPerson(t.prisma, consulate.id)));
    const first = await booked(t.app, supervisor.headers, {
      personId: ana!.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-11-01T01:30:00-07:00',
    });
    const second = await booked(t.app, supervisor.headers, {
      personId: beto!.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-11-01T01:30:00-08:00',
    });
    expect([first.startsAt, first.localTime, first.utcOffset]).toEqual(['2026-11-01T08:30:00.000Z', '01:30', '-07:00']);
    expect([second.startsAt, second.localTime, second.utcOffset]).toEqual([
      '2026-11-01T09:30:00.000Z',
      '01:30',
      '-08:00',
    ]);
    // Each is its own slot with its own capacity (1): the first 01:30 is now full.
    const full = expectProblem(
      await book(t.app, supervisor.headers, {
        personId: carla!.id,
        service: 'passport',
        mobileVisitId: visit.id,
        startsAt: '2026-11-01T08:30:00Z',
      }),
      409,
    );
    expect(full.type).toBe('urn:problem-type:consular:slot-full');
    const after = await availability(t.app, supervisor.headers, { mobileVisitId: visit.id });
    expect(after.data.map((s: Slot) => s.startsAt)).not.toContain('2026-11-01T08:30:00.000Z');
    expect(after.data.map((s: Slot) => s.startsAt)).not.toContain('2026-11-01T09:30:00.000Z');

    const queue = await t.app.inject({
      url: `/v1/appointments?date=2026-11-01&mobileVisitId=${visit.id}`,
      headers: supervisor.headers,
    });
    expect(queue.json().data.map((a: Slot) => a.localStartsAt)).toEqual([
      '2026-11-01T01:30:00-07:00',
      '2026-11-01T01:30:00-08:00',
    ]);

    // At 01:45 PST the first 01:30 (PDT) is long over; the second is still running.
    clock.set('2026-11-01T01:45:00-08:00');
    const closed = await t.app.inject({
      method: 'POST',
      url: '/v1/appointments/mark-no-shows',
      headers: supervisor.headers,
      payload: { date: '2026-11-01', mobileVisitId: visit.id },
    });
    expect(closed.json()).toMatchObject({ marked: 1, stillBooked: 1 });
    expect(closed.json().appointments.map((a: { id: string }) => a.id)).toEqual([first.id]);
  });
});

describe('Chicago, an office with Sunday night hours', () => {
  it('spring forward: 01:00–04:00 has two hourly slots on 8 March and three a week later', async () => {
    clock.set('2026-03-01T12:00:00-06:00');
    const { consulate, supervisor } = await office(
      'America/Chicago',
      [{ weekday: 7, opens: '01:00', closes: '04:00' }],
      60,
      1,
    );
    const free = await availability(t.app, supervisor.headers, { from: '2026-03-08', to: '2026-03-15' });
    expect(summary(free.data)).toEqual([
      // 01:00 CST = 07:00Z; 04:00 CDT = 09:00Z.
      ['2026-03-08T07:00:00.000Z', '2026-03-08T01:00:00-06:00'],
      ['2026-03-08T08:00:00.000Z', '2026-03-08T03:00:00-05:00'],
      ['2026-03-15T06:00:00.000Z', '2026-03-15T01:00:00-05:00'],
      ['2026-03-15T07:00:00.000Z', '2026-03-15T02:00:00-05:00'],
      ['2026-03-15T08:00:00.000Z', '2026-03-15T03:00:00-05:00'],
    ]);
    const person = await createPerson(t.prisma, consulate.id);
    const appt = await booked(t.app, supervisor.headers, {
      personId: person.id,
      service: 'passport',
      startsAt: '2026-03-08T03:00:00-05:00',
    });
    expect(appt).toMatchObject({
      startsAt: '2026-03-08T08:00:00.000Z',
      endsAt: '2026-03-08T09:00:00.000Z',
      utcOffset: '-05:00',
    });
    // "02:00 CST" on that day is 08:00Z, i.e. 03:00 CDT: the same slot, now full.
    const same = expectProblem(
      await book(t.app, supervisor.headers, {
        personId: (await createPerson(t.prisma, consulate.id)).id,
        service: 'passport',
        startsAt: '2026-03-08T02:00:00-06:00',
      }),
      409,
    );
    expect(same.type).toBe('urn:problem-type:consular:slot-full');
  });

  it('fall back: 00:00–02:00 has three hourly slots on 1 November (01:00 twice) and two a week later', async () => {
    clock.set('2026-10-25T12:00:00-05:00');
    const { consulate, supervisor } = await office(
      'America/Chicago',
      [{ weekday: 7, opens: '00:00', closes: '02:00' }],
      60,
      2,
    );
    const free = await availability(t.app, supervisor.headers, { from: '2026-11-01', to: '2026-11-08' });
    expect(summary(free.data)).toEqual([
      // 00:00 CDT = 05:00Z; 02:00 CST = 08:00Z.
      ['2026-11-01T05:00:00.000Z', '2026-11-01T00:00:00-05:00'],
      ['2026-11-01T06:00:00.000Z', '2026-11-01T01:00:00-05:00'],
      ['2026-11-01T07:00:00.000Z', '2026-11-01T01:00:00-06:00'],
      ['2026-11-08T06:00:00.000Z', '2026-11-08T00:00:00-06:00'],
      ['2026-11-08T07:00:00.000Z', '2026-11-08T01:00:00-06:00'],
    ]);
    expect(new Set(free.data.map((s: Slot) => s.startsAt)).size).toBe(free.data.length);
    const [a, b] = await Promise.all([1, 2].map(() => createPerson(t.prisma, consulate.id)));
    const cdt = await booked(t.app, supervisor.headers, {
      personId: a!.id,
      service: 'passport',
      startsAt: '2026-11-01T06:00:00Z',
    });
    const cst = await booked(t.app, supervisor.headers, {
      personId: b!.id,
      service: 'passport',
      startsAt: '2026-11-01T07:00:00Z',
    });
    expect([cdt.localStartsAt, cdt.endsAt]).toEqual(['2026-11-01T01:00:00-05:00', '2026-11-01T07:00:00.000Z']);
    expect([cst.localStartsAt, cst.endsAt]).toEqual(['2026-11-01T01:00:00-06:00', '2026-11-01T08:00:00.000Z']);
    expect(cdt.localDate).toBe('2026-11-01');
    expect(cst.localDate).toBe('2026-11-01');
    const rows = await t.prisma.appointment.findMany({
      where: { consulateId: consulate.id },
      orderBy: { startsAt: 'asc' },
      select: { startsAt: true, localDate: true },
    });
    expect(rows.map((r) => [r.startsAt.toISOString(), r.localDate.toISOString().slice(0, 10)])).toEqual([
      ['2026-11-01T06:00:00.000Z', '2026-11-01'],
      ['2026-11-01T07:00:00.000Z', '2026-11-01'],
    ]);
  });
});
