import { describe, expect, it } from 'vitest';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { booked, moveTo, putSchedule, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { fileRequest, move } from './helpers/documentation.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { loginAs } from './helpers/login-as.ts';
import { counts, follow } from './helpers/stats.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

/**
 * Drill-down equality on generated data: a seeded random history (so a
 * failure can be replayed) of requests, cases, appointments and tickets in two
 * consulates of different time zones, made through the API on a moving clock;
 * then every count of the consulate and network statistics must equal the
 * number of records its drill-down list returns.
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

async function generate(consulateId: string, zone: string) {
  const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulateId);
  const docs = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId);
  const protection = await loginAs(t.app, t.prisma, 'protection_officer', consulateId);
  const base = Date.parse('2026-10-25T00:00:00Z');
  const instant = () => new Date(base + Math.floor(rnd() * 45 * 24) * 3_600_000); // hourly, Oct 25 – Dec 9
  for (let i = 0; i < 30; i++) {
    clock.set(instant());
    const type = pick(['passport', 'consular_id', 'birth_registration', 'gender_identity_recognition'] as const);
    const person = await createPerson(t.prisma, consulateId);
    const request = await fileRequest(t.app, docs.headers, person.id, type);
    for (const to of pick(PATHS)) {
      clock.set(new Date(clock.now().getTime() + Math.floor(rnd() * 6 * 24) * 3_600_000));
      const res = await move(t.app, to === 'rejected' ? supervisor.headers : docs.headers, request.id, to, 'generated');
      expect(res.statusCode, res.body).toBe(200);
    }
  }
  for (let i = 0; i < 12; i++) {
    clock.set(instant());
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/protection-cases',
      headers: protection.headers,
      payload: {
        category: pick(['detention', 'gender_based_violence', 'labor_rights', 'minor_unaccompanied', 'legal_guidance']),
        priority: pick(['urgent', 'high', 'normal', 'low']),
        summary: 'generated',
        consent: { given: true, recordedAt: clock.now().toISOString(), channel: 'phone' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    for (const to of pick(CASE_PATHS)) {
      clock.set(new Date(clock.now().getTime() + Math.floor(rnd() * 5 * 24) * 3_600_000));
      const etag = (await t.app.inject({ url: `/v1/protection-cases/${res.json().id}`, headers: protection.headers }))
        .headers.etag as string;
      const moved = await t.app.inject({
        method: 'POST',
        url: `/v1/protection-cases/${res.json().id}/transitions`,
        headers: { ...protection.headers, 'if-match': etag },
        payload: { to, reason: 'generated' },
      });
      expect(moved.statusCode, moved.body).toBe(200);
    }
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
  return { zone };
}

describe('drill-down equality on generated data', () => {
  it('every count of consulate and network statistics equals the length of its list', async () => {
    const la = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const ny = await createConsulate(t.prisma, { timeZone: 'America/New_York', state: 'NY', city: 'New York' });
    await generate(la.id, 'America/Los_Angeles');
    await generate(ny.id, 'America/New_York');
    clock.set('2026-12-03T20:00:00Z');
    const admin = await loginAs(t.app, t.prisma, 'admin');
    let checked = 0;
    let nonZero = 0;
    for (const [from, to] of [
      ['2026-11-01', '2026-11-30'],
      ['2026-10-25', '2026-12-10'],
    ]) {
      for (const id of [la.id, ny.id]) {
        const stats = await t.app.inject({
          url: `/v1/stats/consulates/${id}?from=${from}&to=${to}`,
          headers: admin.headers,
        });
        expect(stats.statusCode).toBe(200);
        for (const [name, count] of counts(stats.json().figures)) {
          expect(await follow(t.app, admin, count.drillDown), `${id} ${from}..${to} ${name}`).toBe(count.value);
          checked++;
          if (count.value > 0) nonZero++;
        }
      }
      const network = await t.app.inject({ url: `/v1/stats/network?from=${from}&to=${to}`, headers: admin.headers });
      for (const [name, count] of counts(network.json().totals)) {
        expect(await follow(t.app, admin, count.drillDown), `network ${from}..${to} ${name}`).toBe(count.value);
        checked++;
      }
    }
    // The generated history is rich enough that most figures are not zero.
    expect(checked).toBeGreaterThan(300);
    expect(nonZero).toBeGreaterThan(60);
  }, 120_000);
});
