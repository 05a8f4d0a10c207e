import { describe, expect, it } from 'vitest';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { booked, createVisit, moveTo, putSchedule, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { fileRequest, move } from './helpers/documentation.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { counts, follow, followSum, rollupDrift, statsOf, sums, turnaroundBySql } from './helpers/stats.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

/**
 * Drill-down equality on generated data, at network scale: a seeded random
 * history (so a failure can be replayed), made through the API on a moving
 * clock, in 56 consulates over six time zones — two with a rich history
 * (requests, cases, appointments, tickets, a mobile visit, a holiday change),
 * the others a few requests and cases each. Then every count of the network
 * totals, and of the two rich consulates, must equal the number of records its
 * one drill-down list returns; every sum, the attendance of the visits it
 * lists; every percentile, PostgreSQL's percentile_cont over the requests; and
 * every rollup, the same rollup counted afresh from the source tables.
 * With 56 consulates × 2 civil-registration types the old drill-down (one list
 * per consulate and type, cut at 100) could not reach them all.
 */
const SEED = 20261201;
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

const clock = testClock('2026-10-20T16:00:00Z');
const t = useTestApp({ clock });

const ZONES = [
  'America/Los_Angeles',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'Pacific/Honolulu',
];
const TYPES = ['passport', 'consular_id', 'birth_registration', 'gender_identity_recognition'] as const;
const PATHS = [
  [],
  ['under_review'],
  ['under_review', 'needs_information'],
  ['under_review', 'approved'],
  ['under_review', 'approved', 'issued'],
  ['under_review', 'approved', 'issued', 'delivered'],
  ['under_review', 'rejected'],
  ['cancelled'],
];
const CASE_PATHS = [
  [],
  ['in_progress'],
  ['in_progress', 'referred'],
  ['in_progress', 'resolved'],
  ['in_progress', 'resolved', 'closed'],
];
const BASE = Date.parse('2026-10-25T00:00:00Z');
/** Hourly, 25 October – 9 December. */
const instant = () => new Date(BASE + Math.floor(rnd() * 45 * 24) * 3_600_000);
const later = (days: number) => new Date(clock.now().getTime() + Math.floor(rnd() * days * 24) * 3_600_000);

async function request(who: LoggedIn, consulateId: string, type: (typeof TYPES)[number], path: readonly string[]) {
  const boss = who.staff.role === 'admin' ? who : null;
  const person = await createPerson(t.prisma, consulateId);
  const filed = await fileRequest(t.app, who.headers, person.id, type, boss ? { consulateId } : {});
  for (const to of path) {
    clock.set(later(6));
    const res = await move(t.app, who.headers, filed.id, to, 'generated');
    expect(res.statusCode, res.body).toBe(200);
  }
  return filed;
}

async function openCase(who: LoggedIn, consulateId: string, path: readonly string[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/protection-cases',
    headers: who.headers,
    payload: {
      ...(who.staff.role === 'admin' ? { consulateId } : {}),
      category: pick(['detention', 'gender_based_violence', 'labor_rights', 'minor_unaccompanied', 'legal_guidance']),
      priority: pick(['urgent', 'high', 'normal', 'low']),
      summary: 'generated',
      consent: { given: true, recordedAt: clock.now().toISOString(), channel: 'phone' },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  for (const to of path) {
    clock.set(later(5));
    const etag = (await t.app.inject({ url: `/v1/protection-cases/${res.json().id}`, headers: who.headers })).headers
      .etag as string;
    const moved = await t.app.inject({
      method: 'POST',
      url: `/v1/protection-cases/${res.json().id}/transitions`,
      headers: { ...who.headers, 'if-match': etag },
      payload: { to, reason: 'generated' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
  }
  return res.json();
}

/** A consulate's rich history, made by its own staff. */
async function generateRich(consulateId: string) {
  const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulateId);
  const docs = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId);
  const protection = await loginAs(t.app, t.prisma, 'protection_officer', consulateId);
  for (let i = 0; i < 30; i++) {
    clock.set(instant());
    const path = pick(PATHS);
    // Rejections are the supervisor's; everything else the officer's.
    await request(path.includes('rejected') ? supervisor : docs, consulateId, pick(TYPES), path);
  }
  for (let i = 0; i < 12; i++) {
    clock.set(instant());
    await openCase(protection, consulateId, pick(CASE_PATHS));
  }
  clock.set('2026-10-26T08:00:00Z');
  await putSchedule(t.app, supervisor.headers, consulateId, WEEKDAY_SCHEDULE);
  const slots = await t.app.inject({
    url: `/v1/appointments/availability?consulateId=${consulateId}&service=passport&from=2026-11-02&to=2026-11-27`,
    headers: docs.headers,
  });
  const free = slots.json().data as { startsAt: string }[];
  for (let i = 0; i < 10; i++) {
    const slot = pick(free);
    clock.set('2026-10-26T08:00:00Z');
    const appointment = await booked(t.app, docs.headers, {
      personId: (await createPerson(t.prisma, consulateId)).id,
      service: 'passport',
      consulateId,
      startsAt: slot.startsAt,
    });
    const fate = pick(['booked', 'served', 'no_show', 'cancelled']);
    if (fate === 'cancelled')
      await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'cancelled', 'generated');
    if (fate === 'served') {
      clock.set(new Date(Date.parse(slot.startsAt) - 600_000));
      await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'checked_in');
      await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'served');
    }
    if (fate === 'no_show') {
      clock.set(new Date(Date.parse(slot.startsAt) + 3_600_000));
      await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'no_show');
    }
  }
  const kiosk = await registerKiosk(t.app, supervisor);
  for (let i = 0; i < 8; i++) {
    clock.set(instant());
    await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers: kiosk.headers,
      payload: { service: 'passport' },
    });
  }
  // A weekend mobile visit across the end of November, with attendance on both days.
  clock.set('2026-11-20T08:00:00Z');
  const visit = await createVisit(t.app, supervisor.headers, {
    days: [
      { date: '2026-11-28', opens: '09:00', closes: '13:00' },
      { date: '2026-11-29', opens: '09:00', closes: '13:00' },
    ],
  });
  await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'confirmed');
  clock.set('2026-11-29T23:00:00Z');
  await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'in_progress');
  for (const date of ['2026-11-28', '2026-11-29']) {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/mobile-visits/${visit.id}/attendance`,
      headers: supervisor.headers,
      payload: { date, served: [{ service: 'passport', peopleServed: 1 + Math.floor(rnd() * 20) }] },
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  }
  await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'completed');
  // A holiday declared afterwards: deadlines and business-day turnarounds are recomputed, and the rollups follow.
  clock.set('2026-12-03T18:00:00Z');
  const holidays = await t.app.inject({
    method: 'PUT',
    url: `/v1/consulates/${consulateId}/holidays`,
    headers: supervisor.headers,
    payload: [
      { date: '2026-11-11', name: 'Veterans Day' },
      { date: '2026-11-26', name: 'Thanksgiving' },
    ],
  });
  expect(holidays.statusCode, holidays.body).toBe(200);
}

/** A few requests and cases, filed and moved by headquarters for the consulate. */
async function generateSmall(admin: LoggedIn, consulateId: string) {
  clock.set(instant());
  await request(
    admin,
    consulateId,
    pick(['birth_registration', 'gender_identity_recognition'] as const),
    pick(PATHS.slice(4, 6)),
  );
  clock.set(instant());
  await request(admin, consulateId, pick(TYPES), pick(PATHS));
  if (rnd() < 0.5) {
    clock.set(instant());
    await openCase(admin, consulateId, pick(CASE_PATHS));
  }
}

describe('drill-down equality on generated data', () => {
  it('every figure of the network and of its consulates equals what its one drill-down lists', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const consulates = [];
    for (let i = 0; i < 56; i++) {
      consulates.push(
        await createConsulate(t.prisma, { code: `G${String(i).padStart(2, '0')}`, timeZone: ZONES[i % ZONES.length] }),
      );
    }
    const [la, ny] = [consulates[0]!, consulates[1]!];
    await generateRich(la.id);
    await generateRich(ny.id);
    for (const c of consulates.slice(2)) await generateSmall(admin, c.id);
    clock.set('2026-12-03T20:00:00Z');

    let checked = 0;
    let nonZero = 0;
    for (const period of [
      { from: '2026-11-01', to: '2026-11-30' },
      { from: '2026-10-25', to: '2026-12-10' },
    ]) {
      const query = `from=${period.from}&to=${period.to}`;
      const network = await statsOf(t.app, admin, `/v1/stats/network?${query}`);
      expect(network.consulates).toHaveLength(56);
      const rows = new Map<string, any>(network.consulates.map((c: any) => [c.consulate.id, c.figures]));

      // Totals: one list each, returning exactly the records counted.
      for (const [name, count] of counts(network.totals)) {
        expect(count.drillDown, name).not.toContain('consulateId=');
        expect(await follow(t.app, admin, count.drillDown), `network ${query} ${name}`).toBe(count.value);
        const parts = [...rows.values()].map((f) => counts(f).find(([n]) => n === name)![1].value);
        expect(count.value, `network ${name} = the consulates' sum`).toBe(parts.reduce((a, b) => a + b, 0));
        checked++;
        if (count.value > 0) nonZero++;
      }
      for (const [name, sum] of sums(network.totals)) {
        const service = name.split('.').at(-1)!;
        expect(
          await followSum(t.app, admin, sum.drillDown, period, service === 'total' ? undefined : service),
          name,
        ).toBe(sum.sum);
      }
      // Records of consulates past the 50th (past the old cut at 100 lists) are behind the civil-registration total.
      const late = consulates
        .slice(50)
        .reduce((n, c) => n + rows.get(c.id).documentation.civilRegistration.total.value, 0);
      expect(late).toBeGreaterThan(0);

      // The rich consulates, figure by figure; their network rows are their own statistics.
      for (const c of [la, ny]) {
        const mine = await statsOf(t.app, admin, `/v1/stats/consulates/${c.id}?${query}`);
        expect(rows.get(c.id)).toEqual(mine.figures);
        for (const [name, count] of counts(mine.figures)) {
          expect(await follow(t.app, admin, count.drillDown), `${c.code} ${query} ${name}`).toBe(count.value);
          checked++;
          if (count.value > 0) nonZero++;
        }
        for (const [name, sum] of sums(mine.figures)) {
          const service = name.split('.').at(-1)!;
          expect(
            await followSum(t.app, admin, sum.drillDown, period, service === 'total' ? undefined : service),
            name,
          ).toBe(sum.sum);
        }
      }

      // Percentiles from the histograms are PostgreSQL's percentile_cont over the requests.
      const expected = await turnaroundBySql(t.prisma, period.from, period.to);
      const none = { medianDays: null, p90Days: null, medianBusinessDays: null, p90BusinessDays: null };
      for (const type of TYPES) {
        const { population: _p, ...totals } = network.totals.documentation.turnaround[type];
        expect(totals, `network ${type}`).toEqual(expected.get(`*:${type}`) ?? none);
        for (const c of consulates) {
          const { population: _q, ...figures } = rows.get(c.id).documentation.turnaround[type];
          expect(figures, `${c.code} ${type}`).toEqual(expected.get(`${c.id}:${type}`) ?? none);
        }
      }
    }
    // The generated history is rich enough that most figures are not zero.
    expect(checked).toBeGreaterThan(500);
    expect(nonZero).toBeGreaterThan(150);
    // And the rollups the triggers kept are the rollups counted afresh.
    expect(await rollupDrift(t.prisma)).toEqual([]);
  }, 180_000);
});
