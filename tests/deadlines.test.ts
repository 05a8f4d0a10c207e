import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { fileRequest, move } from './helpers/documentation.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';
import {
  computeDeadline,
  RecentDeadlines,
  type DeadlineInput,
} from '../src/modules/documentation-requests/documentation-requests.deadlines.ts';

// The app's clock stands where each test puts it: Thursday 29 October 2026,
// Los Angeles, three days before daylight saving time ends (1 November).
const clock = testClock('2026-10-29T10:00:00-07:00');
const t = useTestApp({ clock });

let la: { id: string };
let supervisor: LoggedIn;
let officer: LoggedIn;

const putHolidays = (who: LoggedIn, consulateId: string, holidays: object[], ifMatch?: string) =>
  t.app.inject({
    method: 'PUT',
    url: `/v1/consulates/${consulateId}/holidays`,
    headers: { ...who.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
    payload: holidays,
  });

const read = async (id: string) =>
  (await t.app.inject({ url: `/v1/documentation-requests/${id}`, headers: officer.headers })).json();
const storedDueAt = async (id: string) =>
  (
    await t.prisma.documentationRequest.findUniqueOrThrow({ where: { id }, select: { dueAt: true } })
  ).dueAt?.toISOString() ?? null;

beforeAll(async () => {
  la = await createConsulate(t.prisma, { code: 'DLLAX', timeZone: 'America/Los_Angeles' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  clock.set('2026-10-29T10:00:00-07:00');
  expect((await putHolidays(supervisor, la.id, [{ date: '2026-11-11', name: 'Veterans Day' }])).statusCode).toBe(200);
});

describe('statutory deadlines', () => {
  it('counts 10 business days after submission, skipping the weekend and a holiday, across the end of DST', async () => {
    clock.set('2026-10-29T10:00:00-07:00');
    const request = await fileRequest(t.app, officer.headers, (await createPerson(t.prisma, la.id)).id);
    // Oct 30, Nov 2, 3, 4, 5, 6, 9, 10, (11 is a holiday) 12, 13: due at the end of Friday 13 November, PST (UTC−8).
    expect(request.deadline).toMatchObject({
      dueDate: '2026-11-13',
      dueAt: '2026-11-14T07:59:59.999Z',
      daysRemaining: 10,
      businessDays: 10,
      pausedBusinessDays: 0,
      clockPaused: false,
      // Three business days to ask for missing information: Oct 30, Nov 2, Nov 3.
      informationRequestDueAt: '2026-11-04T07:59:59.999Z',
    });
    expect(await storedDueAt(request.id)).toBe('2026-11-14T07:59:59.999Z');

    // The same day at a consulate without the holiday: one business day earlier.
    const plain = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', plain.id);
    const other = await fileRequest(t.app, clerk.headers, (await createPerson(t.prisma, plain.id)).id);
    expect(other.dueAt).toBe('2026-11-13T07:59:59.999Z');
  });

  it('takes the submission day in the consulate’s time zone (23:30 Pacific is still that day)', async () => {
    clock.set('2026-11-03T23:30:00-08:00'); // 07:30 UTC on the 4th
    const request = await fileRequest(t.app, officer.headers, (await createPerson(t.prisma, la.id)).id);
    // Nov 4, 5, 6, 9, 10, 12, 13, 16, 17, 18.
    expect(request.deadline.dueDate).toBe('2026-11-18');
    expect(request.dueAt).toBe('2026-11-19T07:59:59.999Z');
  });

  it('pauses the clock while information is missing, then resumes; overdue and negative days after the due day', async () => {
    clock.set('2026-10-29T10:00:00-07:00');
    const request = await fileRequest(t.app, officer.headers, (await createPerson(t.prisma, la.id)).id);
    clock.set('2026-11-02T09:00:00-08:00');
    expect((await move(t.app, officer.headers, request.id, 'under_review')).statusCode).toBe(200);
    clock.set('2026-11-03T11:00:00-08:00');
    expect(
      (await move(t.app, officer.headers, request.id, 'needs_information', 'Missing proof of address')).statusCode,
    ).toBe(200);

    clock.set('2026-11-06T12:00:00-08:00');
    const paused = await read(request.id);
    // Nov 4, 5 and 6 do not count (yet): where the due day stands if the clock restarted now.
    expect(paused.deadline).toMatchObject({
      clockPaused: true,
      overdue: false,
      pausedBusinessDays: 3,
      dueDate: '2026-11-18',
    });
    expect(paused.daysRemaining).toBe(7);
    expect(await storedDueAt(request.id)).toBeNull();

    clock.set('2026-11-09T10:00:00-08:00');
    const resumed = (await move(t.app, officer.headers, request.id, 'under_review')).json();
    // Paused Nov 4, 5, 6 and 9: 14 business days after Oct 29 → Thursday 19 November.
    expect(resumed.deadline).toMatchObject({
      clockPaused: false,
      pausedBusinessDays: 4,
      dueDate: '2026-11-19',
      dueAt: '2026-11-20T07:59:59.999Z',
    });
    expect(await storedDueAt(request.id)).toBe('2026-11-20T07:59:59.999Z');

    clock.set('2026-11-23T09:00:00-08:00'); // Monday after the due Thursday
    const late = await read(request.id);
    expect(late.deadline.overdue).toBe(true);
    expect(late.daysRemaining).toBe(-2); // Friday 20 and Monday 23
    const overdue = await t.app.inject({
      url: '/v1/documentation-requests?overdue=true&limit=200',
      headers: officer.headers,
    });
    expect(overdue.json().data.map((r: { id: string }) => r.id)).toContain(request.id);

    // A holiday added later moves the deadline at once (stored and shown).
    const current = await t.app.inject({ url: `/v1/consulates/${la.id}/holidays`, headers: supervisor.headers });
    const res = await putHolidays(
      supervisor,
      la.id,
      [...current.json(), { date: '2026-11-16', name: 'Office closed' }],
      current.headers.etag,
    );
    expect(res.statusCode).toBe(200);
    expect(await storedDueAt(request.id)).toBe('2026-11-21T07:59:59.999Z');
    expect((await read(request.id)).deadline.dueDate).toBe('2026-11-20');
    const audit = await t.prisma.auditEvent.findFirst({
      where: { action: 'consulate.holidays_replace', entityId: la.id },
      orderBy: { occurredAt: 'desc' },
    });
    expect((audit!.details as { deadlinesRecomputed: number }).deadlinesRecomputed).toBeGreaterThanOrEqual(1);
    await putHolidays(supervisor, la.id, current.json());
    expect(await storedDueAt(request.id)).toBe('2026-11-20T07:59:59.999Z');
  });

  it('starts counting on Monday for a Saturday submission, across the start of DST in Chicago', async () => {
    const chicago = await createConsulate(t.prisma, { timeZone: 'America/Chicago', state: 'IL', city: 'Chicago' });
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', chicago.id);
    clock.set('2026-03-07T12:00:00-06:00'); // Saturday; DST starts Sunday 8 March
    const saturday = await fileRequest(t.app, clerk.headers, (await createPerson(t.prisma, chicago.id)).id);
    // Mar 9–13 and 16–20: due end of Friday 20 March, CDT (UTC−5).
    expect(saturday.dueAt).toBe('2026-03-21T04:59:59.999Z');
    clock.set('2026-03-02T09:00:00-06:00'); // Monday, CST
    const monday = await fileRequest(t.app, clerk.headers, (await createPerson(t.prisma, chicago.id)).id);
    // Mar 3–6, 9–13, 16: due end of Monday 16 March, now CDT.
    expect(monday.dueAt).toBe('2026-03-17T04:59:59.999Z');
  });

  it('numbers by the year in the consulate’s time zone', async () => {
    clock.set('2026-12-31T23:30:00-08:00'); // already 2027 in UTC
    const request = await fileRequest(t.app, officer.headers, (await createPerson(t.prisma, la.id)).id);
    expect(request.reference).toMatch(/^DLLAX-2026-\d{6}$/);
    clock.set('2027-01-01T00:30:00-08:00');
    const next = await fileRequest(t.app, officer.headers, (await createPerson(t.prisma, la.id)).id);
    expect(next.reference).toBe('DLLAX-2027-000001');
  });
});

describe('holidays', () => {
  it('lists with an ETag; only the consulate’s supervisor and admins replace them', async () => {
    const res = await t.app.inject({ url: `/v1/consulates/${la.id}/holidays`, headers: officer.headers });
    expect(res.json()).toEqual([{ date: '2026-11-11', name: 'Veterans Day' }]);
    expectProblem(await putHolidays(officer, la.id, []), 403);
    const elsewhere = await loginAs(t.app, t.prisma, 'supervisor', (await createConsulate(t.prisma)).id);
    expectProblem(await putHolidays(elsewhere, la.id, []), 404);
    expectProblem(await putHolidays(supervisor, la.id, [], '"stale"'), 412);
    const dup = expectProblem(
      await putHolidays(supervisor, la.id, [
        { date: '2026-12-25', name: 'Christmas' },
        { date: '2026-12-25', name: 'Again' },
      ]),
      400,
    );
    expect(dup.errors[0].path).toBe('body.1.date');
    expectProblem(await putHolidays(supervisor, la.id, [{ date: '2026-02-30', name: 'Nope' }]), 400);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const ok = await putHolidays(admin, la.id, [
      { date: '2026-12-25', name: 'Christmas Day' },
      { date: '2026-11-11', name: 'Veterans Day' },
    ]);
    expect(ok.json().map((h: { date: string }) => h.date)).toEqual(['2026-11-11', '2026-12-25']);
    await putHolidays(admin, la.id, [{ date: '2026-11-11', name: 'Veterans Day' }]);
  });
});

describe('a request moved on another replica', () => {
  it('is read with its new timeline: the pause and its end count at once, by id and in lists', async () => {
    const other = await buildTestApp({ database: t.db, clock });
    try {
      clock.set('2026-10-29T10:00:00-07:00');
      const request = await fileRequest(t.app, officer.headers, (await createPerson(t.prisma, la.id)).id);
      const listed = async () =>
        (
          await t.app.inject({
            url: `/v1/documentation-requests?consulateId=${la.id}&limit=100`,
            headers: officer.headers,
          })
        )
          .json()
          .data.find((r: { id: string }) => r.id === request.id);
      // This replica has read the request (and listed it) before the moves.
      expect((await read(request.id)).deadline).toMatchObject({ clockPaused: false, pausedBusinessDays: 0 });
      expect((await listed()).deadline).toMatchObject({ clockPaused: false, pausedBusinessDays: 0 });

      clock.set('2026-11-02T09:00:00-08:00');
      expect((await move(other.app, officer.headers, request.id, 'under_review')).statusCode).toBe(200);
      clock.set('2026-11-03T11:00:00-08:00');
      expect((await move(other.app, officer.headers, request.id, 'needs_information', 'Missing')).statusCode).toBe(200);
      clock.set('2026-11-06T12:00:00-08:00');
      const paused = { state: 'needs_information', deadline: { clockPaused: true, pausedBusinessDays: 3 } };
      expect(await read(request.id)).toMatchObject(paused);
      expect(await listed()).toMatchObject(paused);

      clock.set('2026-11-09T10:00:00-08:00');
      expect((await move(other.app, officer.headers, request.id, 'under_review')).statusCode).toBe(200);
      const resumed = {
        state: 'under_review',
        deadline: { clockPaused: false, pausedBusinessDays: 4, dueDate: '2026-11-19' },
      };
      expect(await read(request.id)).toMatchObject(resumed);
      expect(await listed()).toMatchObject(resumed);
    } finally {
      await other.close();
    }
  });
});

describe('deadlines reused across reads', () => {
  it('equal the deadline computed afresh, for requests read again and again as days pass, holidays change and requests move', () => {
    let s = 20_261_202;
    const next = () => {
      s = (s * 1_664_525 + 1_013_904_223) >>> 0;
      return s / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const calendars = [
      { timeZone: 'America/Los_Angeles', holidays: new Set(['2026-11-11', '2026-11-26']) },
      { timeZone: 'America/Los_Angeles', holidays: new Set(['2026-11-11', '2026-11-26', '2026-11-27']) },
      { timeZone: 'America/Chicago', holidays: new Set<string>() },
    ];
    const submitted = new Date('2026-10-29T17:00:00Z');
    const base = { submittedAt: submitted, resolvedAt: null, deadlineDays: 10, infoDeadlineDays: 3, transitions: [] };
    const asked = {
      fromState: 'under_review',
      toState: 'needs_information',
      at: new Date('2026-11-03T19:00:00Z'),
    } as const;
    const answered = {
      fromState: 'needs_information',
      toState: 'under_review',
      at: new Date('2026-11-09T18:00:00Z'),
    } as const;
    const timelines: DeadlineInput[] = [
      { ...base, state: 'submitted' },
      { ...base, state: 'needs_information', transitions: [asked] },
      { ...base, state: 'under_review', transitions: [asked, answered] },
      { ...base, state: 'approved', resolvedAt: new Date('2026-11-12T20:00:00Z') },
    ];
    const recent = new RecentDeadlines(3);
    let now = new Date('2026-10-29T18:00:00Z').getTime();
    for (let i = 0; i < 3_000; i++) {
      // Mostly minutes apart (the same local day), sometimes across midnight or a due instant.
      now += next() < 0.9 ? Math.floor(next() * 40 * 60_000) : Math.floor(next() * 3 * 86_400_000);
      const id = pick(['a', 'b', 'c', 'd']);
      // A copy: equal inputs, not the same objects.
      const input = structuredClone(pick(timelines));
      const calendar = pick(calendars);
      const at = new Date(now);
      expect(recent.compute(id, input, calendar, at), `read ${i}`).toEqual(computeDeadline(input, calendar, at));
    }
  });
});
