import { describe, expect, it } from 'vitest';
import { book, moveTo, putSchedule } from './helpers/appointments.ts';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

const clock = testClock('2026-11-02T08:00:00-08:00');
const t = useTestApp({ clock });

/** A consulate whose office takes `capacity` passport appointments per 30-minute slot on weekdays. */
async function officeWithCapacity(capacity: number) {
  const consulate = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
  const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  await putSchedule(t.app, supervisor.headers, consulate.id, {
    slotMinutes: 30,
    weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '12:00' })),
    services: [{ service: 'passport', capacityPerSlot: capacity }],
  });
  return { consulate, supervisor };
}

const persons = (consulateId: string, n: number) =>
  Promise.all(Array.from({ length: n }, () => createPerson(t.prisma, consulateId)));

describe('capacity under concurrency', () => {
  it('of 100 concurrent bookings of a 5-place slot through two API instances, exactly 5 succeed', async () => {
    const { consulate } = await officeWithCapacity(5);
    // A second API process on the same database: its own connection pool, nothing shared in memory.
    const second = await buildTestApp({ database: t.db, clock });
    try {
      const officerA = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
      const officerB = await loginAs(second.app, second.prisma, 'documentation_officer', consulate.id);
      const people = await persons(consulate.id, 100);
      const startsAt = '2026-11-04T10:00:00-08:00';
      const results = await Promise.all(
        people.map((p, i) =>
          book(i % 2 ? second.app : t.app, i % 2 ? officerB.headers : officerA.headers, {
            personId: p.id,
            service: 'passport',
            startsAt,
          }),
        ),
      );
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 409)).toHaveLength(95);
      for (const r of results.filter((x) => x.statusCode === 409)) {
        expect(r.json().type).toBe('urn:problem-type:consular:slot-full');
      }
      // Each instance answered its 50, and each refused at least 45: neither could over-book on its own.
      for (const instance of [0, 1]) {
        const mine = results.filter((_, i) => i % 2 === instance).map((r) => r.statusCode);
        expect(mine.filter((s) => s === 201 || s === 409)).toHaveLength(50);
        expect(mine.filter((s) => s === 409).length).toBeGreaterThanOrEqual(45);
      }

      // Counted from the database, not from the answers.
      const instant = new Date(startsAt);
      expect(await t.prisma.appointment.count({ where: { consulateId: consulate.id, startsAt: instant } })).toBe(5);
      const counter = await t.prisma.appointmentSlot.findMany({
        where: { consulateId: consulate.id, mobileVisitId: null, service: 'passport', startsAt: instant },
      });
      expect(counter.map((c) => c.booked)).toEqual([5]);
      expect(
        await t.prisma.auditEvent.count({ where: { action: 'appointment.create', consulateId: consulate.id } }),
      ).toBe(5);
      const winners = results.filter((r) => r.statusCode === 201).map((r) => r.json().personId);
      expect(new Set(winners).size).toBe(5);
    } finally {
      await second.close();
    }
  });

  it('bookings racing cancellations never exceed capacity, and the counter equals the appointments that hold a place', async () => {
    const { consulate, supervisor } = await officeWithCapacity(5);
    const second = await buildTestApp({ database: t.db, clock });
    try {
      const officerB = await loginAs(second.app, second.prisma, 'documentation_officer', consulate.id);
      const startsAt = '2026-11-05T09:30:00-08:00';
      const first = await persons(consulate.id, 5);
      const held = [];
      for (const p of first) {
        const res = await book(t.app, supervisor.headers, { personId: p.id, service: 'passport', startsAt });
        expect(res.statusCode).toBe(201);
        held.push(res.json());
      }
      const newcomers = await persons(consulate.id, 30);
      const results = await Promise.all([
        ...held
          .slice(0, 3)
          .map((a) => moveTo(t.app, supervisor.headers, 'appointments', a.id, 'cancelled', 'Moved away')),
        ...newcomers.map((p, i) =>
          book(i % 2 ? second.app : t.app, i % 2 ? officerB.headers : supervisor.headers, {
            personId: p.id,
            service: 'passport',
            startsAt,
          }),
        ),
      ]);
      expect(results.slice(0, 3).map((r) => r.statusCode)).toEqual([200, 200, 200]);
      const bookedNow = results.slice(3).filter((r) => r.statusCode === 201).length;
      expect(bookedNow).toBeLessThanOrEqual(3);
      const holding = await t.prisma.appointment.count({
        where: { consulateId: consulate.id, startsAt: new Date(startsAt), state: { not: 'cancelled' } },
      });
      expect(holding).toBe(2 + bookedNow);
      expect(holding).toBeLessThanOrEqual(5);
      const [counter] = await t.prisma.appointmentSlot.findMany({
        where: { consulateId: consulate.id, startsAt: new Date(startsAt) },
      });
      expect(counter!.booked).toBe(holding);
    } finally {
      await second.close();
    }
  });
});
