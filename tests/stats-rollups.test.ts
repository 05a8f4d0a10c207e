import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { booked, createVisit, moveTo, putSchedule, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { fileRequest, move, walk } from './helpers/documentation.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { follow, rollupDrift, statsOf } from './helpers/stats.ts';
import { percentilesCont } from '../src/modules/stats/stats.figures.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

/**
 * The lists' local-date and multi-valued filters, and the rollups the
 * statistics read: kept by triggers in the transaction of each change, so a
 * figure is right at once, whatever wrote the change (the API, a holiday
 * change, a transfer, a bulk import, an anonymising update).
 */
const clock = testClock('2026-11-02T18:00:00Z');
const t = useTestApp({ clock });

let la: { id: string; code: string };
let ny: { id: string; code: string };
let admin: LoggedIn;
let laSupervisor: LoggedIn;
let laDocs: LoggedIn;
let nySupervisor: LoggedIn;
let nyProtection: LoggedIn;

const ids = async (path: string, who: LoggedIn = admin) => {
  const res = await t.app.inject({ url: `${path}&limit=200`, headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as { id: string }[]).map((r) => r.id).sort();
};
const consulateStats = (id: string, from = '2026-11-01', to = '2026-11-30') =>
  statsOf(t.app, admin, `/v1/stats/consulates/${id}?from=${from}&to=${to}`);
const networkStats = (from = '2026-11-01', to = '2026-11-30') =>
  statsOf(t.app, admin, `/v1/stats/network?from=${from}&to=${to}`);
const file = async (who: LoggedIn, consulateId: string, type: Parameters<typeof fileRequest>[3], at: string) => {
  clock.set(at);
  return fileRequest(t.app, who.headers, (await createPerson(t.prisma, consulateId)).id, type);
};
const caseHeaders = async (who: LoggedIn, id: string) => ({
  ...who.headers,
  'if-match': (await t.app.inject({ url: `/v1/protection-cases/${id}`, headers: who.headers })).headers.etag as string,
});

beforeAll(async () => {
  la = await createConsulate(t.prisma, { code: 'RLAX', timeZone: 'America/Los_Angeles' });
  ny = await createConsulate(t.prisma, { code: 'RNYC', timeZone: 'America/New_York', state: 'NY', city: 'New York' });
  admin = await loginAs(t.app, t.prisma, 'admin');
  laSupervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  laDocs = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  nySupervisor = await loginAs(t.app, t.prisma, 'supervisor', ny.id);
  nyProtection = await loginAs(t.app, t.prisma, 'protection_officer', ny.id);
});

describe('local-date filters', () => {
  it('mean each consulate’s own calendar days; the instant filters still work', async () => {
    const nyDocs = await loginAs(t.app, t.prisma, 'documentation_officer', ny.id);
    // 07:30 UTC on 1 December, but 30 November in Los Angeles; 05:30 UTC, but 1 December in New York.
    const west = await file(laDocs, la.id, 'passport', '2026-11-30T23:30:00-08:00');
    const east = await file(nyDocs, ny.id, 'passport', '2026-12-01T00:30:00-05:00');
    expect(await ids('/v1/documentation-requests?submittedDateFrom=2026-11-30&submittedDateTo=2026-11-30')).toEqual([
      west.id,
    ]);
    expect(await ids('/v1/documentation-requests?submittedDateFrom=2026-12-01&submittedDateTo=2026-12-01')).toEqual([
      east.id,
    ]);
    expect(
      await ids(
        `/v1/documentation-requests?consulateId=${ny.id}&submittedDateFrom=2026-11-30&submittedDateTo=2026-11-30`,
      ),
    ).toEqual([]);
    expect(
      await ids('/v1/documentation-requests?submittedFrom=2026-12-01T05:00:00Z&submittedTo=2026-12-01T08:00:00Z'),
    ).toEqual([west.id, east.id].sort());
    // The network's November holds Los Angeles' 30 November, not New York's 1 December.
    const november = await networkStats();
    const received = november.totals.documentation.received.passport;
    expect(received.drillDown).toBe(
      '/v1/documentation-requests?submittedDateFrom=2026-11-01&submittedDateTo=2026-11-30&type=passport',
    );
    expect(await ids(received.drillDown)).toContain(west.id);
    expect(await ids(received.drillDown)).not.toContain(east.id);
    expect(await follow(t.app, admin, received.drillDown)).toBe(received.value);
    expectProblem(
      await t.app.inject({ url: '/v1/documentation-requests?submittedDateFrom=2026-02-30', headers: admin.headers }),
      400,
    );
  });
});

describe('multi-valued filters', () => {
  it('take several values comma-separated or repeated, on every list a figure drills down to', async () => {
    const birth = await file(laDocs, la.id, 'birth_registration', '2026-11-03T10:00:00-08:00');
    const identity = await file(laDocs, la.id, 'gender_identity_recognition', '2026-11-03T11:00:00-08:00');
    await file(laDocs, la.id, 'consular_id', '2026-11-03T12:00:00-08:00');
    const both = [birth.id, identity.id].sort();
    const base = `/v1/documentation-requests?consulateId=${la.id}&submittedDateFrom=2026-11-03&submittedDateTo=2026-11-03`;
    expect(await ids(`${base}&type=birth_registration,gender_identity_recognition`)).toEqual(both);
    expect(await ids(`${base}&type=birth_registration&type=gender_identity_recognition`)).toEqual(both);
    expect(await ids(`${base}&type=birth_registration`)).toEqual([birth.id]);
    expect(await ids(`${base}&state=submitted,under_review&type=consular_id`)).toHaveLength(1);
    const bad = expectProblem(
      await t.app.inject({ url: `${base}&type=birth_registration,visa`, headers: admin.headers }),
      400,
    );
    expect(bad.errors.map((e: { path: string }) => e.path)).toEqual(['querystring.type']);

    // Protection cases by several categories.
    clock.set('2026-11-04T10:00:00-05:00');
    const opened = [];
    for (const category of ['detention', 'labor_rights', 'legal_guidance']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/protection-cases',
        headers: nyProtection.headers,
        payload: {
          category,
          priority: 'normal',
          summary: 'multi-valued',
          consent: { given: true, recordedAt: clock.now().toISOString(), channel: 'phone' },
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      opened.push(res.json().id as string);
    }
    expect(
      await ids(
        `/v1/protection-cases?consulateId=${ny.id}&openedDateFrom=2026-11-04&openedDateTo=2026-11-04&category=detention,labor_rights`,
      ),
    ).toEqual(opened.slice(0, 2).sort());
    expect(
      await ids(
        `/v1/protection-cases?consulateId=${ny.id}&openedDateFrom=2026-11-04&openedDateTo=2026-11-04&priority=normal&priority=urgent`,
      ),
    ).toEqual([...opened].sort());

    // Appointments by several states, walk-in and appointment tickets, visits by several states.
    clock.set('2026-11-06T08:00:00-08:00');
    await putSchedule(t.app, laSupervisor.headers, la.id, WEEKDAY_SCHEDULE);
    const first = await booked(t.app, laDocs.headers, {
      personId: (await createPerson(t.prisma, la.id)).id,
      service: 'passport',
      consulateId: la.id,
      startsAt: '2026-11-09T17:00:00.000Z',
    });
    const second = await booked(t.app, laDocs.headers, {
      personId: (await createPerson(t.prisma, la.id)).id,
      service: 'passport',
      consulateId: la.id,
      startsAt: '2026-11-09T17:30:00.000Z',
    });
    await moveTo(t.app, laDocs.headers, 'appointments', second.id, 'cancelled', 'changed plans');
    const day = `consulateId=${la.id}&dateFrom=2026-11-09&dateTo=2026-11-09`;
    expect(await ids(`/v1/appointments?${day}&state=booked,cancelled`)).toEqual([first.id, second.id].sort());
    expect(await ids(`/v1/appointments?${day}&state=cancelled&service=passport,consular_id`)).toEqual([second.id]);
    const kiosk = await registerKiosk(t.app, laSupervisor);
    const ticket = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers: kiosk.headers,
      payload: { service: 'consular_id' },
    });
    expect(ticket.statusCode, ticket.body).toBe(201);
    expect(
      await ids(
        `/v1/queue/tickets?consulateId=${la.id}&date=2026-11-06&source=walk_in,appointment&service=consular_id`,
      ),
    ).toEqual([ticket.json().id]);
    const visit = await createVisit(t.app, laSupervisor.headers);
    expect(await ids(`/v1/mobile-visits?consulateId=${la.id}&state=planned,confirmed`)).toEqual([visit.id]);
    expect(await ids(`/v1/mobile-visits?consulateId=${la.id}&state=completed,cancelled`)).toEqual([]);
  });
});

describe('the network’s default period', () => {
  it('is the current month of the consulate furthest behind, the same days for all', async () => {
    // 1 December in New York, still 30 November in Los Angeles.
    clock.set('2026-12-01T06:00:00Z');
    const network = await statsOf(t.app, admin, '/v1/stats/network');
    expect(network.period).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(network.totals.documentation.received.total.drillDown).toBe(
      '/v1/documentation-requests?submittedDateFrom=2026-11-01&submittedDateTo=2026-11-30',
    );
    const east = await statsOf(t.app, admin, `/v1/stats/consulates/${ny.id}`);
    expect(east.period).toMatchObject({ from: '2026-12-01', to: '2026-12-31' });
  });
});

describe('backlog by age', () => {
  it('counts days to each consulate’s own today; the network total opens as one list', async () => {
    const nyDocs = await loginAs(t.app, t.prisma, 'documentation_officer', ny.id);
    const west = await file(laDocs, la.id, 'passport', '2026-11-28T10:00:00-08:00');
    const east = await file(nyDocs, ny.id, 'passport', '2026-11-28T10:00:00-05:00');
    // 06:00 UTC on 2 December: still 1 December in Los Angeles (3 days on), 2 December in New York (4 days on).
    clock.set('2026-12-02T06:00:00Z');
    const network = await networkStats();
    const byAge = network.totals.documentation.backlog.byAge;
    expect(byAge['0-3'].drillDown).toBe('/v1/documentation-requests?open=true&ageDaysMax=3');
    expect(await ids(byAge['0-3'].drillDown)).toContain(west.id);
    expect(await ids(byAge['0-3'].drillDown)).not.toContain(east.id);
    expect(await ids(byAge['4-10'].drillDown)).toContain(east.id);
    for (const bucket of ['0-3', '4-10', '11-30', 'over30'] as const) {
      expect(await follow(t.app, admin, byAge[bucket].drillDown), bucket).toBe(byAge[bucket].value);
    }
    const mine = await consulateStats(la.id);
    expect(await ids(mine.figures.documentation.backlog.byAge['0-3'].drillDown)).toContain(west.id);
  });
});

describe('rollups', () => {
  it('follow holiday changes, priority changes, first actions, transfers and reopening at once', async () => {
    // A matrícula filed on Monday 2 November and issued on Monday 9 November: 7 days, 5 business days.
    const request = await file(laDocs, la.id, 'consular_id', '2026-11-02T09:00:00-08:00');
    clock.set('2026-11-09T12:00:00-08:00');
    await walk(t.app, laDocs.headers, request.id, ['under_review', 'approved', 'issued']);
    let figures = (await consulateStats(la.id)).figures;
    expect(figures.documentation.turnaround.consular_id).toMatchObject({ medianDays: 7, medianBusinessDays: 5 });
    expect(await rollupDrift(t.prisma)).toEqual([]);
    // A holiday on Wednesday 4 November, declared afterwards: 4 business days.
    const holidays = await t.app.inject({
      method: 'PUT',
      url: `/v1/consulates/${la.id}/holidays`,
      headers: laSupervisor.headers,
      payload: [{ date: '2026-11-04', name: 'Día de la consulta' }],
    });
    expect(holidays.statusCode, holidays.body).toBe(200);
    figures = (await consulateStats(la.id)).figures;
    expect(figures.documentation.turnaround.consular_id).toMatchObject({ medianDays: 7, medianBusinessDays: 4 });
    expect(await rollupDrift(t.prisma)).toEqual([]);

    // An urgent case (24 h) whose priority becomes low (30 days) before its first action, taken two days later.
    clock.set('2026-11-10T10:00:00-05:00');
    const opened = await t.app.inject({
      method: 'POST',
      url: '/v1/protection-cases',
      headers: nyProtection.headers,
      payload: {
        category: 'civil_family',
        priority: 'urgent',
        summary: 'rollup',
        consent: { given: true, recordedAt: clock.now().toISOString(), channel: 'phone' },
      },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const id = opened.json().id as string;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/protection-cases/${id}`,
      headers: await caseHeaders(nyProtection, id),
      payload: { priority: 'low' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    clock.set('2026-11-12T10:00:00-05:00');
    const note = await t.app.inject({
      method: 'POST',
      url: `/v1/protection-cases/${id}/notes`,
      headers: nyProtection.headers,
      payload: { kind: 'contact', body: 'Called the family.' },
    });
    expect(note.statusCode, note.body).toBe(201);
    const onTime = `/v1/protection-cases?openedDateFrom=2026-11-01&openedDateTo=2026-11-30&firstActionOnTime=true`;
    figures = (await consulateStats(ny.id)).figures;
    expect(figures.protection.opened.byCategory.civil_family.value).toBe(1);
    expect(figures.protection.opened.byPriority.low.value).toBe(1);
    expect(await ids(figures.protection.firstActionCompliance.numerator.drillDown)).toContain(id);
    expect(await ids(onTime)).toContain(id);
    expect(await rollupDrift(t.prisma)).toEqual([]);

    // Transferred to Los Angeles: its opening now counts there.
    const transferred = await t.app.inject({
      method: 'POST',
      url: `/v1/protection-cases/${id}/transfer`,
      headers: await caseHeaders(nySupervisor, id),
      payload: { consulateId: la.id, reason: 'The family moved' },
    });
    expect(transferred.statusCode, transferred.body).toBe(200);
    expect((await consulateStats(ny.id)).figures.protection.opened.byCategory.civil_family.value).toBe(0);
    const inLa = (await consulateStats(la.id)).figures.protection.opened.byCategory.civil_family;
    expect(inLa.value).toBe(1);
    expect(await ids(inLa.drillDown)).toEqual([id]);
    expect(await rollupDrift(t.prisma)).toEqual([]);

    // Closed on 20 November, then reopened: no longer closed in November.
    for (const [to, at] of [
      ['in_progress', '2026-11-18T10:00:00-08:00'],
      ['resolved', '2026-11-19T10:00:00-08:00'],
      ['closed', '2026-11-20T10:00:00-08:00'],
    ] as const) {
      clock.set(at);
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/protection-cases/${id}/transitions`,
        headers: await caseHeaders(laSupervisor, id),
        payload: { to, reason: 'rollup' },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await consulateStats(la.id)).figures.protection.closed.byCategory.civil_family.value).toBe(1);
    clock.set('2026-11-25T10:00:00-08:00');
    const reopened = await t.app.inject({
      method: 'POST',
      url: `/v1/protection-cases/${id}/transitions`,
      headers: await caseHeaders(laSupervisor, id),
      payload: { to: 'reopened', reason: 'New facts' },
    });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect((await consulateStats(la.id)).figures.protection.closed.byCategory.civil_family.value).toBe(0);
    expect(await rollupDrift(t.prisma)).toEqual([]);
  });

  it('follow bulk imports into past days and deletions; ignore anonymisation; local dates are always derived', async () => {
    const person = await createPerson(t.prisma, la.id);
    // Three requests of March 2025 imported in one statement, as a batch import would; one at 23:30 on 31 March locally.
    await t.prisma.$executeRaw`
      INSERT INTO documentation_requests (reference, consulate_id, person_id, type, details, state, submitted_at,
        resolved_at, issued_at, turnaround_days, turnaround_business_days, due_at, deadline_days, info_deadline_days)
      SELECT 'IMP-' || g, ${la.id}::uuid, ${person.id}::uuid, 'birth_registration', '{}', 'delivered',
        timestamptz '2025-03-31T23:30:00-07:00' - g * interval '1 day',
        timestamptz '2025-04-10T10:00:00-07:00', timestamptz '2025-04-11T10:00:00-07:00', 11 + g, 8 + g,
        timestamptz '2025-04-20T10:00:00-07:00', 10, 3
      FROM generate_series(0, 2) g`;
    const imported = await t.prisma.documentationRequest.findFirstOrThrow({
      where: { reference: 'IMP-0' },
      select: { id: true, submittedDate: true },
    });
    expect(imported.submittedDate?.toISOString().slice(0, 10)).toBe('2025-03-31');
    const march = (await consulateStats(la.id, '2025-03-01', '2025-03-31')).figures.documentation;
    expect(march.received.birth_registration.value).toBe(3);
    const april = (await consulateStats(la.id, '2025-04-01', '2025-04-30')).figures.documentation;
    expect(april.issued.birth_registration.value).toBe(3);
    expect(april.turnaround.birth_registration).toMatchObject({ medianDays: 12, medianBusinessDays: 9 });
    expect(april.deadlineCompliance).toMatchObject({ numerator: { value: 3 }, denominator: { value: 3 } });
    expect(await follow(t.app, admin, april.civilRegistration.total.drillDown)).toBe(3);
    expect(await rollupDrift(t.prisma)).toEqual([]);

    // Anonymising personal fields leaves every rollup row as it was.
    const rollups = () =>
      t.prisma.$queryRaw`SELECT 'd' AS t, id, n FROM documentation_monthly_counts
        UNION ALL SELECT 't', id, n FROM documentation_turnaround_counts
        UNION ALL SELECT 'p', id, n FROM protection_monthly_counts ORDER BY 1, 2`;
    const before = await rollups();
    await t.prisma.$executeRaw`UPDATE persons SET given_names = 'Anonimizado', first_surname = 'Anonimizado',
      second_surname = NULL, name_search = 'anonimizado', email = NULL, phone = NULL WHERE consulate_id = ${la.id}::uuid`;
    await t.prisma.$executeRaw`UPDATE documentation_requests SET details = '{}' WHERE consulate_id = ${la.id}::uuid`;
    await t.prisma.$executeRaw`UPDATE protection_cases SET summary = 'anonimizado' WHERE consulate_id = ${la.id}::uuid`;
    expect(await rollups()).toEqual(before);

    // A local date written directly is derived again from the instant.
    await t.prisma
      .$executeRaw`UPDATE documentation_requests SET submitted_date = '2000-01-01' WHERE id = ${imported.id}::uuid`;
    expect(
      (
        await t.prisma.documentationRequest.findUniqueOrThrow({
          where: { id: imported.id },
          select: { submittedDate: true },
        })
      ).submittedDate?.toISOString(),
    ).toBe('2025-03-31T00:00:00.000Z');

    // Deleted (they have no timeline yet): the counts go with them.
    await t.prisma.$executeRaw`DELETE FROM documentation_requests WHERE reference LIKE 'IMP-%'`;
    expect((await consulateStats(la.id, '2025-03-01', '2025-03-31')).figures.documentation.received.total.value).toBe(
      0,
    );
    expect((await consulateStats(la.id, '2025-04-01', '2025-04-30')).figures.documentation.issued.total.value).toBe(0);
    expect(await rollupDrift(t.prisma)).toEqual([]);
  });

  it('stay exact under concurrent creates and transitions from two app instances', async () => {
    const busy = await createConsulate(t.prisma, { code: 'RBUSY', timeZone: 'America/Chicago' });
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', busy.id);
    const second = await buildTestApp({ database: t.db, clock });
    try {
      clock.set('2026-11-16T10:00:00-06:00');
      const persons = await Promise.all(Array.from({ length: 24 }, () => createPerson(t.prisma, busy.id)));
      const created = await Promise.all(
        persons.map((p, i) =>
          (i % 2 ? second.app : t.app).inject({
            method: 'POST',
            url: '/v1/documentation-requests',
            headers: clerk.headers,
            payload: { personId: p.id, type: 'passport', details: { application: 'first', validityYears: 6 } },
          }),
        ),
      );
      expect(created.map((r) => r.statusCode)).toEqual(Array(24).fill(201));
      await Promise.all(
        created.map(async (r, i) => {
          for (const to of ['under_review', 'approved', 'issued']) {
            const res = await move(i % 2 ? second.app : t.app, clerk.headers, r.json().id, to);
            expect(res.statusCode, res.body).toBe(200);
          }
        }),
      );
      const figures = (await consulateStats(busy.id)).figures.documentation;
      expect(figures.received.passport.value).toBe(24);
      expect(figures.issued.passport.value).toBe(24);
      expect(figures.turnaround.passport).toMatchObject({ population: { value: 24 }, medianDays: 0 });
      expect(await follow(t.app, admin, figures.received.passport.drillDown)).toBe(24);
      expect(await follow(t.app, admin, figures.issued.passport.drillDown)).toBe(24);
      expect(await rollupDrift(t.prisma)).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describe('percentiles from histograms', () => {
  it('equal PostgreSQL’s percentile_cont over the same values', async () => {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    for (let i = 0; i < 40; i++) {
      const values = Array.from({ length: 1 + next(30) }, () => next(45));
      const histogram = new Map<number, number>();
      for (const v of values) histogram.set(v, (histogram.get(v) ?? 0) + 1);
      const [expected] = await t.prisma.$queryRaw<{ p50: number; p90: number; p25: number }[]>`
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY v) AS p90,
               percentile_cont(0.25) WITHIN GROUP (ORDER BY v) AS p25
        FROM unnest(${values}::int[]) AS v`;
      expect(percentilesCont(histogram, [0.5, 0.9, 0.25]), values.join(',')).toEqual([
        Number(expected!.p50),
        Number(expected!.p90),
        Number(expected!.p25),
      ]);
    }
    expect(percentilesCont(new Map(), [0.5])).toEqual([null]);
  });
});
