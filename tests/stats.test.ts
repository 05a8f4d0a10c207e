import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { fileRequest, move } from './helpers/documentation.ts';
import { booked, createVisit, moveTo, putSchedule, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { counts, follow } from './helpers/stats.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

const clock = testClock('2026-11-02T18:00:00Z');
const t = useTestApp({ clock });

/** Sets the clock to a Los Angeles wall-clock time (PDT before Nov 1, PST after). */
const at = (local: string) => clock.set(local);

let la: { id: string; code: string };
let supervisor: LoggedIn;
let docs: LoggedIn;
let protection: LoggedIn;
let admin: LoggedIn;

const STATS = () => `/v1/stats/consulates/${la.id}?from=2026-11-01&to=2026-11-30`;

async function person(dateOfBirth = '1980-01-01') {
  return createPerson(t.prisma, la.id, { dateOfBirth: new Date(`${dateOfBirth}T00:00:00Z`) });
}

async function request(
  type: 'passport' | 'consular_id' | 'birth_registration' | 'gender_identity_recognition',
  submittedAt: string,
) {
  at(submittedAt);
  return fileRequest(t.app, docs.headers, (await person()).id, type);
}

async function step(id: string, when: string, to: string, reason?: string, who: LoggedIn = docs) {
  at(when);
  const res = await move(t.app, who.headers, id, to, reason);
  expect(res.statusCode, `${to}: ${res.body}`).toBe(200);
}

async function openCase(when: string, category: string, priority: string) {
  at(when);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/protection-cases',
    headers: protection.headers,
    payload: {
      category,
      priority,
      summary: `${category} case`,
      consent: { given: true, recordedAt: new Date(when).toISOString(), channel: 'in_person' },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function caseStep(id: string, when: string, to: string, reason?: string) {
  at(when);
  const etag = (await t.app.inject({ url: `/v1/protection-cases/${id}`, headers: protection.headers })).headers
    .etag as string;
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/protection-cases/${id}/transitions`,
    headers: { ...protection.headers, 'if-match': etag },
    payload: { to, ...(reason ? { reason } : {}) },
  });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  la = await createConsulate(t.prisma, { code: 'STLAX', timeZone: 'America/Los_Angeles' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  docs = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  protection = await loginAs(t.app, t.prisma, 'protection_officer', la.id);
  admin = await loginAs(t.app, t.prisma, 'admin');

  // --- documentation requests (times are Los Angeles local) ---
  const a = await request('passport', '2026-11-02T10:00:00-08:00');
  await step(a.id, '2026-11-09T09:00:00-08:00', 'under_review');
  await step(a.id, '2026-11-09T10:00:00-08:00', 'approved');
  await step(a.id, '2026-11-09T11:00:00-08:00', 'issued');
  const b = await request('passport', '2026-11-03T10:00:00-08:00'); // due end of Nov 17
  await step(b.id, '2026-11-04T09:00:00-08:00', 'under_review');
  await step(b.id, '2026-11-18T09:00:00-08:00', 'approved'); // late
  await step(b.id, '2026-11-18T10:00:00-08:00', 'issued');
  await request('consular_id', '2026-11-30T23:30:00-08:00'); // still November locally (07:30 UTC on Dec 1)
  const d = await request('birth_registration', '2026-10-31T23:30:00-07:00'); // October locally (06:30 UTC on Nov 1)
  await step(d.id, '2026-11-02T09:00:00-08:00', 'under_review');
  await step(d.id, '2026-11-05T09:00:00-08:00', 'rejected', 'Parents not Mexican nationals', supervisor);
  const e = await request('gender_identity_recognition', '2026-11-04T10:00:00-08:00');
  await step(e.id, '2026-11-05T09:00:00-08:00', 'under_review');
  await step(e.id, '2026-11-06T09:00:00-08:00', 'approved');
  await step(e.id, '2026-11-10T09:00:00-08:00', 'issued');
  const f = await request('passport', '2026-11-05T10:00:00-08:00');
  await step(f.id, '2026-11-06T09:00:00-08:00', 'cancelled', 'Applicant withdrew');
  await request('consular_id', '2026-12-01T00:30:00-08:00'); // December
  await request('passport', '2026-10-01T10:00:00-07:00'); // old backlog

  // --- protection cases ---
  const p1 = await openCase('2026-11-02T10:00:00-08:00', 'detention', 'urgent');
  at('2026-11-02T12:00:00-08:00');
  await t.app.inject({
    method: 'POST',
    url: `/v1/protection-cases/${p1.id}/notes`,
    headers: protection.headers,
    payload: { kind: 'action', body: 'Called ICE.' },
  });
  await caseStep(p1.id, '2026-11-05T10:00:00-08:00', 'in_progress');
  await caseStep(p1.id, '2026-11-19T10:00:00-08:00', 'resolved', 'Released');
  await caseStep(p1.id, '2026-11-20T10:00:00-08:00', 'closed', 'Home');
  const p2 = await openCase('2026-11-10T10:00:00-08:00', 'gender_based_violence', 'high'); // due Nov 13 10:00
  await caseStep(p2.id, '2026-11-14T10:00:00-08:00', 'in_progress'); // late first action
  await openCase('2026-11-25T10:00:00-08:00', 'labor_rights', 'normal'); // due Dec 5
  await openCase('2026-11-30T20:00:00-08:00', 'legal_guidance', 'urgent'); // due Dec 1 20:00: overdue on Dec 2
  const p5 = await openCase('2026-10-15T10:00:00-07:00', 'detention', 'low');
  await caseStep(p5.id, '2026-10-16T10:00:00-07:00', 'in_progress');
  await caseStep(p5.id, '2026-11-02T10:00:00-08:00', 'resolved', 'Deported; family informed');
  await caseStep(p5.id, '2026-11-03T10:00:00-08:00', 'closed', 'Closed');

  // --- walk-in tickets ---
  const kiosk = await registerKiosk(t.app, supervisor);
  for (const when of [
    '2026-11-12T09:00:00-08:00',
    '2026-11-12T09:05:00-08:00',
    '2026-11-12T09:10:00-08:00',
    '2026-12-01T09:00:00-08:00',
  ]) {
    at(when);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers: kiosk.headers,
      payload: { service: 'passport' },
    });
    expect(res.statusCode).toBe(201);
  }

  // --- appointments at the office (weekdays 09:00–12:00, 30-minute slots) ---
  at('2026-11-10T08:00:00-08:00');
  await putSchedule(t.app, supervisor.headers, la.id, WEEKDAY_SCHEDULE);
  const book = async (startsAt: string, service = 'passport') =>
    booked(t.app, docs.headers, { personId: (await person()).id, service, consulateId: la.id, startsAt });
  const a1 = await book('2026-11-16T17:00:00.000Z'); // Mon 09:00 local: served
  const a2 = await book('2026-11-16T17:30:00.000Z'); // no-show
  const a3 = await book('2026-11-17T18:00:00.000Z', 'consular_id'); // cancelled
  await book('2026-11-30T19:30:00.000Z'); // Mon 11:30 local: still booked (slot over by Dec 2)
  await book('2026-12-01T17:00:00.000Z'); // December
  expect((await moveTo(t.app, docs.headers, 'appointments', a3.id, 'cancelled', 'Changed plans')).statusCode).toBe(200);
  at('2026-11-16T09:05:00-08:00');
  expect((await moveTo(t.app, docs.headers, 'appointments', a1.id, 'checked_in')).statusCode).toBe(200);
  expect((await moveTo(t.app, docs.headers, 'appointments', a1.id, 'served')).statusCode).toBe(200);
  at('2026-11-16T12:00:00-08:00');
  expect((await moveTo(t.app, docs.headers, 'appointments', a2.id, 'no_show')).statusCode).toBe(200);

  // --- a weekend mobile consulate: Sat 14 and Sun 15 November ---
  at('2026-11-10T08:00:00-08:00');
  const visit = await createVisit(t.app, supervisor.headers, {
    days: [
      { date: '2026-11-14', opens: '09:00', closes: '13:00' },
      { date: '2026-11-15', opens: '09:00', closes: '13:00' },
    ],
  });
  expect((await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'confirmed')).statusCode).toBe(200);
  at('2026-11-14T08:30:00-08:00');
  expect((await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'in_progress')).statusCode).toBe(200);
  const attend = (date: string, served: object[]) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/mobile-visits/${visit.id}/attendance`,
      headers: supervisor.headers,
      payload: { date, served },
    });
  expect(
    (
      await attend('2026-11-14', [
        { service: 'passport', peopleServed: 12 },
        { service: 'consular_id', peopleServed: 5 },
      ])
    ).statusCode,
  ).toBeLessThan(300);
  at('2026-11-15T14:00:00-08:00');
  expect((await attend('2026-11-15', [{ service: 'passport', peopleServed: 8 }])).statusCode).toBeLessThan(300);
  expect((await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'completed')).statusCode).toBe(200);

  at('2026-12-02T10:00:00-08:00'); // "now" for backlog and overdue figures
});

describe('consulate statistics on a hand-built data set', () => {
  it('gives the figures worked out by hand', async () => {
    const res = await t.app.inject({ url: STATS(), headers: supervisor.headers });
    expect(res.statusCode, res.body).toBe(200);
    const { figures, period } = res.json();
    expect(period).toEqual({
      from: '2026-11-01',
      to: '2026-11-30',
      start: '2026-11-01T07:00:00.000Z',
      end: '2026-12-01T08:00:00.000Z',
    });
    const v = (c: { value: number }) => c.value;
    const doc = figures.documentation;
    expect(
      [
        doc.received.passport,
        doc.received.consular_id,
        doc.received.birth_registration,
        doc.received.gender_identity_recognition,
        doc.received.total,
      ].map(v),
    ).toEqual([3, 1, 0, 1, 5]);
    expect([doc.issued.passport, doc.issued.gender_identity_recognition, doc.issued.total].map(v)).toEqual([2, 1, 3]);
    expect([doc.rejected.birth_registration, doc.rejected.total].map(v)).toEqual([1, 1]);
    expect([doc.cancelled.passport, doc.cancelled.total].map(v)).toEqual([1, 1]);
    expect(
      Object.fromEntries(Object.entries(doc.backlog.byState).map(([k, c]) => [k, v(c as { value: number })])),
    ).toEqual({
      submitted: 3,
      under_review: 0,
      needs_information: 0,
      approved: 0,
      issued: 3,
    });
    expect(
      Object.fromEntries(Object.entries(doc.backlog.byAge).map(([k, c]) => [k, v(c as { value: number })])),
    ).toEqual({
      '0-3': 2,
      '4-10': 0,
      '11-30': 3,
      over30: 1,
    });
    expect(doc.backlog.total.value).toBe(6);
    // Passports: 7 and 15 calendar days, 5 and 11 business days.
    expect(doc.turnaround.passport).toMatchObject({
      population: { value: 2 },
      medianDays: 11,
      p90Days: 14.2,
      medianBusinessDays: 8,
      p90BusinessDays: 10.4,
    });
    expect(doc.turnaround.gender_identity_recognition).toMatchObject({ medianDays: 6, medianBusinessDays: 4 });
    expect(doc.turnaround.consular_id).toMatchObject({ population: { value: 0 }, medianDays: null });
    // Resolved in November: A, B (late), D, E.
    expect(doc.deadlineCompliance).toMatchObject({ numerator: { value: 3 }, denominator: { value: 4 }, share: 0.75 });
    expect(
      [
        doc.civilRegistration.birthRegistrationsIssued,
        doc.civilRegistration.genderIdentityRecognitionsIssued,
        doc.civilRegistration.total,
      ].map(v),
    ).toEqual([0, 1, 1]);

    const pro = figures.protection;
    expect(v(pro.opened.total)).toBe(4);
    expect(
      [
        pro.opened.byCategory.detention,
        pro.opened.byCategory.gender_based_violence,
        pro.opened.byCategory.labor_rights,
        pro.opened.byCategory.legal_guidance,
      ].map(v),
    ).toEqual([1, 1, 1, 1]);
    expect(
      [
        pro.opened.byPriority.urgent,
        pro.opened.byPriority.high,
        pro.opened.byPriority.normal,
        pro.opened.byPriority.low,
      ].map(v),
    ).toEqual([2, 1, 1, 0]);
    expect(
      [pro.closed.total, pro.closed.byCategory.detention, pro.closed.byPriority.urgent, pro.closed.byPriority.low].map(
        v,
      ),
    ).toEqual([2, 2, 1, 1]);
    expect([pro.openNow, pro.overdueNow].map(v)).toEqual([3, 1]);
    expect(pro.firstActionCompliance).toMatchObject({ numerator: { value: 1 }, denominator: { value: 2 }, share: 0.5 });

    expect(figures.service.walkInTickets.value).toBe(3);
    const appointments = figures.service.appointments;
    expect([appointments.booked, appointments.served, appointments.noShow].map(v)).toEqual([3, 1, 1]);
    expect(appointments.noShowRate).toMatchObject({
      numerator: { value: 1 },
      denominator: { value: 3 },
      share: 0.3333,
    });
    const visits = figures.service.mobileVisits;
    expect(visits.held.value).toBe(1);
    expect([
      visits.peopleServed.passport.sum,
      visits.peopleServed.consular_id.sum,
      visits.peopleServed.total.sum,
    ]).toEqual([20, 5, 25]);
  });

  it('people-served sums equal the attendance of the visits their drill-down lists', async () => {
    const { figures } = (await t.app.inject({ url: STATS(), headers: supervisor.headers })).json();
    const served = figures.service.mobileVisits.peopleServed;
    const res = await t.app.inject({ url: `${served.total.drillDown}&limit=200`, headers: admin.headers });
    const attendance = res
      .json()
      .data.flatMap((visit: { attendance: { date: string; service: string; peopleServed: number }[] }) =>
        visit.attendance.filter((a) => a.date >= '2026-11-01' && a.date <= '2026-11-30'),
      );
    expect(attendance.reduce((n: number, a: { peopleServed: number }) => n + a.peopleServed, 0)).toBe(served.total.sum);
    expect(
      attendance
        .filter((a: { service: string }) => a.service === 'passport')
        .reduce((n: number, a: { peopleServed: number }) => n + a.peopleServed, 0),
    ).toBe(served.passport.sum);
  });

  it('every count equals the length of the list its drill-down points to', async () => {
    const { figures } = (await t.app.inject({ url: STATS(), headers: supervisor.headers })).json();
    const all = counts(figures);
    expect(all.length).toBeGreaterThan(60);
    for (const [name, count] of all) {
      expect(await follow(t.app, admin, count.drillDown), name).toBe(count.value);
    }
  });

  it('defaults to the current month in the consulate’s calendar', async () => {
    const res = await t.app.inject({ url: `/v1/stats/consulates/${la.id}`, headers: supervisor.headers });
    expect(res.json().period).toMatchObject({ from: '2026-12-01', to: '2026-12-31' });
    expect(res.json().figures.documentation.received.consular_id.value).toBe(1); // the Dec 1 00:30 request
  });

  it('refuses a backwards or over-long period (400)', async () => {
    expectProblem(
      await t.app.inject({
        url: `/v1/stats/consulates/${la.id}?from=2026-11-30&to=2026-11-01`,
        headers: supervisor.headers,
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        url: `/v1/stats/consulates/${la.id}?from=2024-01-01&to=2026-11-01`,
        headers: supervisor.headers,
      }),
      400,
    );
  });
});

describe('CSV', () => {
  it('returns the same figures as CSV, one row per figure, with a filename', async () => {
    const json = (await t.app.inject({ url: STATS(), headers: supervisor.headers })).json();
    const res = await t.app.inject({ url: STATS(), headers: { ...supervisor.headers, accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="stats-STLAX-2026-11-01-2026-11-30.csv"');
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe('consulate_code,consulate_id,period_from,period_to,figure,value,drill_down');
    const rows = new Map(
      lines.slice(1).map((l) => {
        const cells = l.split(',');
        return [cells[4]!, cells];
      }),
    );
    expect(rows.get('documentation.received.passport')!.slice(0, 6)).toEqual([
      'STLAX',
      la.id,
      '2026-11-01',
      '2026-11-30',
      'documentation.received.passport',
      '3',
    ]);
    expect(rows.get('documentation.received.passport')![6]).toBe(
      json.figures.documentation.received.passport.drillDown,
    );
    expect(rows.get('documentation.turnaround.passport.medianDays')![5]).toBe('11');
    expect(rows.get('protection.firstActionCompliance.share')![5]).toBe('0.5');
    for (const [name, count] of counts(json.figures)) expect(rows.get(name)?.[5], name).toBe(String(count.value));
  });
});

describe('access', () => {
  it('role matrix: supervisor (own), admins and auditors; officers 403; another consulate’s supervisor 404', async () => {
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    const other = await loginAs(t.app, t.prisma, 'supervisor', (await createConsulate(t.prisma)).id);
    const code = async (who: LoggedIn, url: string) => (await t.app.inject({ url, headers: who.headers })).statusCode;
    expect(await code(supervisor, STATS())).toBe(200);
    expect(await code(admin, STATS())).toBe(200);
    expect(await code(auditor, STATS())).toBe(200);
    expect(await code(docs, STATS())).toBe(403);
    expect(await code(protection, STATS())).toBe(403);
    expect(await code(other, STATS())).toBe(404);
    expect(await code(admin, '/v1/stats/network?from=2026-11-01&to=2026-11-30')).toBe(200);
    expect(await code(auditor, '/v1/stats/network?from=2026-11-01&to=2026-11-30')).toBe(200);
    expect(await code(supervisor, '/v1/stats/network')).toBe(403);
    expect(await code(docs, '/v1/stats/network')).toBe(403);
  });

  it('auditors get counts only: no personal data, and the confidential cases behind a count are never listed to them', async () => {
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    const res = await t.app.inject({ url: STATS(), headers: auditor.headers });
    const body = res.body;
    for (const personal of ['Juan Carlos', 'Pérez', 'case"', '1980-01-01']) expect(body).not.toContain(personal);
    const gbv = res.json().figures.protection.opened.byCategory.gender_based_violence;
    expect(gbv.value).toBe(1);
    expectProblem(await t.app.inject({ url: `${gbv.drillDown}&limit=200`, headers: auditor.headers }), 403);
  });
});

describe('network statistics', () => {
  it('one row per consulate plus totals that sum the rows; CSV one row per consulate and figure', async () => {
    const res = await t.app.inject({ url: '/v1/stats/network?from=2026-11-01&to=2026-11-30', headers: admin.headers });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const consulates = await t.prisma.consulate.count();
    expect(body.consulates).toHaveLength(consulates);
    const mine = body.consulates.find((c: { consulate: { id: string } }) => c.consulate.id === la.id);
    const single = (await t.app.inject({ url: STATS(), headers: admin.headers })).json();
    expect(mine.figures).toEqual(single.figures);
    for (const [name, total] of counts(body.totals)) {
      const parts = body.consulates.map(
        (c: { figures: unknown }) => counts(c.figures).find(([n]) => n === name)![1].value,
      );
      expect(total.value, name).toBe(parts.reduce((a: number, b: number) => a + b, 0));
    }
    expect(await follow(t.app, admin, body.totals.documentation.received.total.drillDown)).toBe(
      body.totals.documentation.received.total.value,
    );
    expect(body.totals.documentation.turnaround.passport.medianDays).toBe(11);

    const csv = await t.app.inject({
      url: '/v1/stats/network?from=2026-11-01&to=2026-11-30',
      headers: { ...admin.headers, accept: 'text/csv, application/json;q=0.5' },
    });
    expect(csv.headers['content-disposition']).toBe('attachment; filename="stats-network-2026-11-01-2026-11-30.csv"');
    const lines = csv.body.trim().split('\r\n').slice(1);
    const figuresPerRow = counts(single.figures).length;
    expect(lines.filter((l) => l.startsWith('STLAX,')).length).toBeGreaterThanOrEqual(figuresPerRow);
    expect(lines.filter((l) => l.startsWith('NETWORK,')).length).toBe(
      lines.filter((l) => l.startsWith('STLAX,')).length,
    );
  });
});
